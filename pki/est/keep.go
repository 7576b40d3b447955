package est

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/host"
)

// A renewal the server issued but the client could not install (a full
// disk, the files' directory made read-only while it waited) is not lost:
// the server's index holds it as the current certificate of the name, so
// the old one cannot renew again, and without the new one the proxy could
// only obtain again with a new token. As certbot keeps every certificate
// it gets in its archive before it links it live, RenewFiles keeps it
// beside the files, CERT.renewed (and, with a new key, KEY.renewed, mode
// 0600), and the next RenewFiles installs it before anything else, due or
// not, without asking the server.

// keptSuffix ends the names of a kept renewal's files.
const keptSuffix = ".renewed"

// KeptPaths are where a renewal that could not be installed is kept: the
// certificate, and the key when it is a new one.
func KeptPaths(f Files) (cert, key string) {
	return f.Cert + keptSuffix, f.Key + keptSuffix
}

// checkRenewOutputs checks, before anything is sent, that a renewal could
// write what it writes: the certificate and, with newKey, the key, as
// Install checks them (no symbolic link, no directory, not the same file:
// the key and the certificate must be apart even when only the
// certificate is written, or it would replace the key), the kept
// renewal's names, and that a file can be made beside each (a read-only
// directory or file system, a directory the writer may not write).
func checkRenewOutputs(f Files, newKey bool) error {
	keptCert, keptKey := KeptPaths(f)
	if err := atomicfile.CheckDistinct(f.Key, f.Cert, keptCert, keptKey); err != nil {
		return err
	}
	outs := []string{f.Cert, keptCert}
	if newKey {
		outs = append(outs, f.Key, keptKey)
	}
	if err := host.CheckWritable(host.Options{Force: true}, outs...); err != nil {
		return err
	}
	probed := map[string]bool{}
	for _, p := range outs {
		if dir := filepath.Dir(p); !probed[dir] {
			probed[dir] = true
			s, err := atomicfile.Stage(p, nil, 0o600)
			if err != nil {
				return fmt.Errorf("cannot write in %s: %w", dir, err)
			}
			s.Abort()
		}
	}
	return nil
}

// keep writes a renewal that could not be installed (installErr) where
// the next RenewFiles finds it, and returns the error that says so, or,
// when it cannot be kept either, what was lost and what to do.
func keep(f Files, b host.Bundle, installErr error) error {
	cert, key := KeptPaths(f)
	serial := pki.FormatSerial(b.Cert.SerialNumber)
	outs := []atomicfile.OutputFile{{Path: cert, Data: pki.EncodeCertificatePEM(b.Cert.Raw), Mode: host.CertMode}}
	where := cert
	if b.Key != nil {
		keyPEM, err := pki.EncodeKey(b.Key, pki.KeyEncoding{})
		if err != nil {
			return fmt.Errorf("the server issued serial %s, but it cannot be installed: %w; nor its new key kept: %v: revoke serial %s on the engine and obtain again with a new token",
				serial, installErr, err, serial)
		}
		outs = append(outs, atomicfile.OutputFile{Path: key, Data: keyPEM, Mode: host.KeyMode})
		where = cert + ", its new key as " + key
	}
	if err := atomicfile.WriteFiles(atomicfile.Options{Force: true, NoBackup: true}, outs...); err != nil {
		if b.Key != nil {
			return fmt.Errorf("the server issued serial %s, but it can be neither installed (%w) nor kept (%v); its new key is lost: revoke serial %s on the engine and obtain again with a new token",
				serial, installErr, err, serial)
		}
		return fmt.Errorf("the server issued serial %s, but it can be neither installed (%w) nor kept (%v); %s cannot renew again: copy certificate %s from the engine (certs/%s.pem in its PKI directory) to %s",
			serial, installErr, err, f.Cert, serial, serial, f.Cert)
	}
	return fmt.Errorf("the server issued serial %s, but it cannot be installed: %w; it is kept as %s, and the next run installs it (%s cannot renew again)",
		serial, installErr, where, f.Cert)
}

// kept is a renewal an earlier RenewFiles kept, checked as it was when it
// came: nil when there is none, or it is already the current certificate
// (its leftovers are then removed).
func (c *Client) kept(f Files, cur *x509.Certificate, curKey crypto.Signer) (*host.Bundle, error) {
	certPath, keyPath := KeptPaths(f)
	if _, err := os.Lstat(certPath); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	cert, err := pki.ReadCertificate(certPath)
	if err != nil {
		return nil, keptError(certPath, err)
	}
	if bytes.Equal(cert.Raw, cur.Raw) {
		return nil, removeKept(f)
	}
	b := &host.Bundle{Cert: cert}
	key := curKey
	if _, err := os.Lstat(keyPath); err == nil {
		if key, err = pki.ReadKey(keyPath, nil); err != nil {
			return nil, keptError(keyPath, err)
		}
		b.Key = key
	}
	if err := c.verifyIssued(cert, key); err != nil {
		return nil, keptError(certPath, err)
	}
	if err := sameSubject(cert, &x509.CertificateRequest{RawSubject: cur.RawSubject}, true); err != nil {
		return nil, keptError(certPath, err)
	}
	if err := sameNames(certSANs(cert), certSANs(cur)); err != nil {
		return nil, keptError(certPath, err)
	}
	if cert.NotAfter.Before(cur.NotAfter.Add(-renewSlack)) {
		return nil, keptError(certPath, fmt.Errorf("it expires %s, before %s (%s)", stamp(cert.NotAfter), f.Cert, stamp(cur.NotAfter)))
	}
	return b, nil
}

// keptError is the refusal of a kept renewal that does not check out; the
// admin decides, since the server holds it as the current certificate.
func keptError(path string, err error) error {
	return fmt.Errorf("%s, kept by an earlier renewal that could not install it: %w; remove it to renew anew", path, err)
}

// installKept installs a kept renewal and removes its files.
func installKept(f Files, b *host.Bundle, now time.Time) error {
	if err := (host.Files{Key: f.Key, Cert: f.Cert, Owner: f.Owner}).Install(*b, host.Options{Force: true, Now: now}); err != nil {
		certPath, _ := KeptPaths(f)
		return fmt.Errorf("install the renewal kept as %s: %w", certPath, err)
	}
	return removeKept(f)
}

// removeKept removes a kept renewal's files; a missing one is no error.
func removeKept(f Files) error {
	// The key first: a certificate left alone is found and removed by the
	// next run, as the current certificate's copy.
	cert, key := KeptPaths(f)
	for _, p := range []string{key, cert} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", p, safefile.UnwrapPathError(err))
		}
	}
	return nil
}
