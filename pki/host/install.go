package host

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
)

// Bundle is what Install writes: each part that is set goes to the file
// of Files that names it, the rest is left alone.
type Bundle struct {
	// Key is the private key, written as PKCS#8 PEM without passphrase.
	Key crypto.Signer
	// KeyPEM is the key already encoded (with a passphrase, or as
	// PKCS#1), written as it is; it takes the place of Key. With Cert and
	// a passphrase, Key must be set too, to the key encoded: Install
	// checks that key against the certificate.
	KeyPEM []byte
	// Cert is the service's certificate.
	Cert *x509.Certificate
	// CA is the CA certificate.
	CA *x509.Certificate
	// EngineCert is the engine's certificate.
	EngineCert *x509.Certificate
	// CSR is a certificate signing request (DER).
	CSR []byte
	// Config is the service's configuration.
	Config []byte
}

// output is one file of an installation.
type output struct {
	path string
	data []byte
	mode os.FileMode
	give bool
}

// Install writes b into f all or nothing, as far as the file system
// allows: every check runs and every file is staged (temporary file
// beside it, synced, its mode set, and given to f.Owner when it is the
// key or a certificate) before the first is renamed into place; every
// existing file (allowed only with o.Force) is kept as
// FILE.YYYYMMDDHHMMSS before the first is replaced; and a failure on the
// way puts back what was replaced, removes those backups and the
// directories o.MakeDirs made (atomicfile.ReplaceAll). Two parts named
// for the same file, however spelled, are refused (pki.ErrSameFile). A
// key and a certificate that do not belong together are refused
// (pki.ErrKeyMismatch), as is a certificate with an encrypted KeyPEM and
// no Key (ErrPairUnchecked); nothing is written then.
func (f Files) Install(b Bundle, o Options) error {
	if err := f.checkPair(b); err != nil {
		return err
	}
	outs, err := f.outputs(b)
	if err != nil {
		return err
	}
	for _, out := range outs {
		if out.give {
			if err := f.Owner.CheckGive(); err != nil {
				return fmt.Errorf("install: %w", err)
			}
			break
		}
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := CheckWritable(o, pathsOf(outs)...); err != nil {
		return err
	}
	var made []string
	if o.MakeDirs {
		if made, err = f.makeDirs(); err != nil {
			return err
		}
	}
	if err := f.write(outs, o.Force, now); err != nil {
		removeDirs(made)
		return err
	}
	return nil
}

// write stages every output, then puts them all in place
// (atomicfile.ReplaceAll).
func (f Files) write(outs []output, force bool, now time.Time) error {
	exists := make([]bool, len(outs))
	staged := make([]*atomicfile.Staged, 0, len(outs))
	defer func() {
		for _, s := range staged {
			s.Abort()
		}
	}()
	for i, out := range outs {
		var err error
		if exists[i], err = atomicfile.CheckReplace(out.path, force); err != nil {
			return err
		}
		s, err := atomicfile.Stage(out.path, out.data, out.mode)
		if err != nil {
			return err
		}
		staged = append(staged, s)
		if out.give && f.Owner != nil {
			if err := s.Chown(f.Owner.UID, f.Owner.GID); err != nil {
				return err
			}
		}
	}
	return atomicfile.ReplaceAll(staged, exists, atomicfile.Options{Now: now})
}

// outputs pairs each part of b with its file, in the order of Files.
func (f Files) outputs(b Bundle) ([]output, error) {
	keyPEM := b.KeyPEM
	if keyPEM == nil && b.Key != nil {
		var err error
		if keyPEM, err = pki.EncodeKey(b.Key, pki.KeyEncoding{}); err != nil {
			return nil, fmt.Errorf("install %s: %w", f.Key, err)
		}
	}
	var outs []output
	for _, p := range []struct {
		what, path string
		data       []byte
		mode       os.FileMode
		give       bool
	}{
		{"key", f.Key, keyPEM, KeyMode, true},
		{"certificate", f.Cert, certPEM(b.Cert), CertMode, true},
		{"CA certificate", f.CA, certPEM(b.CA), CAMode, true},
		{"engine certificate", f.EngineCert, certPEM(b.EngineCert), EngineCertMode, true},
		{"request", f.CSR, requestPEM(b.CSR), CSRMode, false},
		{"configuration", f.Config, b.Config, ConfigMode, false},
	} {
		switch {
		case p.data == nil:
			continue
		case p.path == "":
			return nil, fmt.Errorf("install the %s: %w", p.what, ErrNoPath)
		}
		outs = append(outs, output{path: p.path, data: p.data, mode: p.mode, give: p.give})
	}
	return outs, atomicfile.CheckDistinct(pathsOf(outs)...)
}

func certPEM(c *x509.Certificate) []byte {
	if c == nil {
		return nil
	}
	return pki.EncodeCertificatePEM(c.Raw)
}

func requestPEM(der []byte) []byte {
	if der == nil {
		return nil
	}
	return pki.EncodeRequestPEM(der)
}

func pathsOf(outs []output) []string {
	ps := make([]string, len(outs))
	for i, o := range outs {
		ps[i] = o.path
	}
	return ps
}
