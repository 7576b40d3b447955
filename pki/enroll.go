package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// EnrollRequest asks for a certificate made whole on the engine host, as
// pki-enroll-pkcs12.sh makes it: a key, the request requests/NAME.req, the
// certificate certs/NAME.cer and the PKCS#12 bundle keys/NAME.p12.
type EnrollRequest struct {
	// SignRequest is the certificate's name and profile, as for Sign. Its
	// Subject is required: the request is made with it. Its CSR and
	// Request are not used: the request signed is the one made for the
	// bundle's key.
	SignRequest
	// Password protects keys/NAME.p12; with KeepKey it also opens the
	// existing one.
	Password string
	// Legacy encodes the bundle with the old algorithms (see EncodePKCS12).
	Legacy bool
	// KeepKey re-issues with the key inside the existing keys/NAME.p12
	// instead of a new one. It is refused (ErrKeyMismatch) when
	// certs/NAME.cer is for another key, one issued without the bundle.
	KeepKey bool
}

// Enrolled describes what Enroll wrote.
type Enrolled struct {
	// Issued is the certificate, as Sign describes it.
	*Issued
	// RequestPath is requests/NAME.req.
	RequestPath string
	// PKCS12Path is keys/NAME.p12.
	PKCS12Path string
	// KeptKey says the key is the one of the previous bundle.
	KeptKey bool
}

// PKCS12Path is the PKCS#12 bundle of the certificate named name,
// keys/NAME.p12.
func (s *Store) PKCS12Path(name string) string { return s.path("keys", name+".p12") }

// Enroll makes a key (or, with KeepKey, takes the one of keys/NAME.p12),
// writes its request to requests/NAME.req, signs it into certs/NAME.cer as
// Sign does, and writes keys/NAME.p12 (0600) holding the key, the
// certificate and the CA certificate. An existing request and bundle are
// kept as FILE.YYYYMMDDHHMMSS.
//
// Every input is checked, and the certificate and the bundle made, before
// anything is written: a failure up to then leaves the directory
// byte-identical. Under the directory's lock the bundle and the request are
// then written in full (synced) under temporary names that carry the new
// certificate's fingerprint, the certificate is recorded and published as
// Sign does it, certs/NAME.cer last, and only then are the bundle and the
// request renamed into place. So a crash before certs/NAME.cer is replaced
// leaves the old certificate with the old bundle, and a crash after it
// leaves the new bundle under its temporary name, which Check (or the next
// Enroll of the name) renames into place: the key of keys/NAME.p12 always
// ends up matching certs/NAME.cer.
func (s *Store) Enroll(ctx context.Context, req EnrollRequest) (*Enrolled, error) {
	if err := ValidateName(req.Name); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	fail := func(err error) (*Enrolled, error) { return nil, fmt.Errorf("enroll %s: %w", req.Name, err) }
	if req.Subject == nil {
		return fail(fmt.Errorf("no subject given: %w", dn.ErrInvalid))
	}
	if err := req.Subject.Validate(); err != nil {
		return fail(err)
	}
	if _, err := checkDays(req.Days, DefaultDays); err != nil {
		return fail(err)
	}
	if err := ValidatePKCS12Password(req.Password); err != nil {
		return fail(err)
	}
	out := &Enrolled{RequestPath: s.RequestPath(req.Name), PKCS12Path: s.PKCS12Path(req.Name), KeptKey: req.KeepKey}
	if err := s.checkEnrollOutputs(req.Name, out); err != nil {
		return fail(err)
	}
	var key crypto.Signer
	if !req.KeepKey {
		var err error
		if key, err = s.enrollKey(req, out.PKCS12Path); err != nil {
			return fail(err)
		}
	}

	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	// An enrollment of this name that a crash interrupted is finished
	// first, so that its bundle is the one kept as a backup (and the one
	// KeepKey reads).
	var unfinished []string
	s.finishEnrollments(func(format string, args ...any) { unfinished = append(unfinished, fmt.Sprintf(format, args...)) }, req.Name)
	if len(unfinished) > 0 {
		return fail(fmt.Errorf("an interrupted enrollment is left: %s: %w", unfinished[0], ErrUnfinished))
	}
	if req.KeepKey {
		if key, err = s.enrollKey(req, out.PKCS12Path); err != nil {
			return fail(err)
		}
		if err := s.checkKeptKey(req.Name, key); err != nil {
			return fail(err)
		}
	}
	der, err := CreateRequest(key, RequestTemplate{Subject: req.Subject, SANs: req.SANs})
	if err != nil {
		return fail(err)
	}
	reqPEM := EncodeRequestPEM(der)
	// The request signed is the one just made for the bundle's key, never
	// one the caller left in the SignRequest.
	sreq := req.SignRequest
	sreq.Request = nil
	j, err := s.prepareOne(sreq, reqPEM)
	if err != nil {
		return fail(err)
	}
	jobs := []job{j}
	issued, next, err := s.issueAll(ca, jobs)
	if err != nil {
		return nil, err
	}
	out.Issued = issued[0]
	bundle := Bundle{Key: key, Certificate: out.Certificate, CACerts: []*x509.Certificate{ca.cert}}
	p12, err := EncodePKCS12(bundle, req.Password, req.Legacy)
	if err != nil {
		return fail(err)
	}
	if err := s.commitEnrollment(jobs, issued, next, out, reqPEM, p12); err != nil {
		return fail(err)
	}
	return out, nil
}

// commitEnrollment writes what Enroll made, in the order Enroll describes.
func (s *Store) commitEnrollment(jobs []job, issued []*Issued, next *big.Int, out *Enrolled, reqPEM, p12 []byte) error {
	keysDir := filepath.Dir(out.PKCS12Path)
	madeKeysDir, err := ensurePrivateDir(keysDir)
	if err != nil {
		return err
	}
	tag := certTag(out.Certificate)
	var staged []*atomicfile.Staged
	published := false
	defer func() {
		if !published {
			for _, f := range staged {
				f.Abort()
			}
			if madeKeysDir {
				_ = os.Remove(keysDir) // only if still empty
			}
		}
	}()
	for _, o := range []atomicfile.OutputFile{{Path: out.PKCS12Path, Data: p12, Mode: modePrivate}, {Path: out.RequestPath, Data: reqPEM, Mode: modePublic}} {
		f, err := atomicfile.StageLockedAs(o.Path, pendingName(o.Path, tag), o.Data, o.Mode, true)
		if err != nil {
			return err
		}
		staged = append(staged, f)
	}
	err = s.commit(jobs, issued, next)
	if err != nil && !s.certPublished(out) {
		return err
	}
	// certs/NAME.cer is the new certificate: from here on the staged
	// files are what it needs, never to be removed.
	published = true
	now := s.opts.now()
	for _, f := range staged {
		f.Keep = true
	}
	for _, f := range staged {
		if _, statErr := os.Lstat(f.Path()); statErr == nil {
			if _, berr := atomicfile.LinkBackup(f.Path(), now); berr != nil {
				return fmt.Errorf("certificate %s issued, but: %w: %w", out.Serial, berr, ErrUnfinished)
			}
		}
		if rerr := f.Commit(); rerr != nil {
			return fmt.Errorf("certificate %s issued, but: %w: %w", out.Serial, rerr, ErrUnfinished)
		}
	}
	if err != nil {
		return fmt.Errorf("certificate %s issued, but: %w", out.Serial, err)
	}
	return nil
}

// certPublished reports whether certs/NAME.cer holds the certificate just
// issued.
func (s *Store) certPublished(out *Enrolled) bool {
	cert, err := ReadCertificate(out.CertPath)
	return err == nil && certTag(cert) == certTag(out.Certificate)
}

// enrollKey makes the new key, or reads the one of the existing bundle.
func (s *Store) enrollKey(req EnrollRequest, p12Path string) (crypto.Signer, error) {
	if !req.KeepKey {
		key, err := s.opts.generateKey(DefaultKeyBits)
		if err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		return key, nil
	}
	b, err := readPKCS12(p12Path, req.Password, true)
	if err != nil {
		return nil, fmt.Errorf("keep key: %w", err)
	}
	return b.Key, nil
}

// checkEnrollOutputs checks, before a key is made, that the files Enroll
// writes may be written; keys/ may be missing, Enroll then makes it.
func (s *Store) checkEnrollOutputs(name string, out *Enrolled) error {
	if err := atomicfile.CheckWritable(out.RequestPath, true); err != nil {
		return err
	}
	if err := atomicfile.CheckWritable(s.CertPath(name), true); err != nil {
		return err
	}
	keys := filepath.Dir(out.PKCS12Path)
	fi, err := os.Stat(keys)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("check %s: %w", keys, safefile.UnwrapPathError(err))
	case !fi.IsDir():
		return fmt.Errorf("cannot write %s: %s is not a directory", out.PKCS12Path, keys)
	}
	_, err = atomicfile.CheckReplace(out.PKCS12Path, true)
	return err
}

// ensurePrivateDir makes dir with mode 0700 unless it exists, and says
// whether it made it.
func ensurePrivateDir(dir string) (bool, error) {
	err := os.Mkdir(dir, modePrivateDir)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create %s: %w", dir, safefile.UnwrapPathError(err))
	}
	// Mkdir's mode went through the umask; a stricter one must not make
	// the directory unusable, nor a looser one matter.
	if err := os.Chmod(dir, modePrivateDir); err != nil {
		return true, fmt.Errorf("create %s: %w", dir, safefile.UnwrapPathError(err))
	}
	return true, atomicfile.SyncDir(filepath.Dir(dir))
}
