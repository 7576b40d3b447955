package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"

	"github.com/pkienroll/pkienroll/pki/dn"
)

// DefaultCADays is the validity of a new CA, as pki-create-ca.sh gives it.
const DefaultCADays = 7300

// InitRequest is what a new CA is made of.
type InitRequest struct {
	// Subject of the CA certificate, such as /C=US/O=Example Inc./CN=engine.example.com.81108.
	Subject dn.Name
	// Days of validity; zero means DefaultCADays.
	Days int
}

// InitStore creates a PKI directory with a new CA, as pki-create-ca.sh
// does: an RSA-2048 key in private/ (0600, directory 0700), a self-signed
// CA certificate, serial.txt starting at 1000, an empty database.txt,
// database.txt.attr allowing repeated subjects, and certs/ca.der. It refuses
// to replace an existing CA. The CA certificate is written last, so an
// interrupted init leaves no directory that looks usable.
func InitStore(dir string, req InitRequest, opts ...StoreOption) (*Store, error) {
	s, err := newStore(dir, opts)
	if err != nil {
		return nil, err
	}
	days, err := checkDays(req.Days, DefaultCADays)
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	if err := req.Subject.Validate(); err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	for _, p := range []string{s.CACertPath(), s.CAKeyPath()} {
		_, err := os.Lstat(p)
		switch {
		case err == nil:
			return nil, fmt.Errorf("init CA: %s already exists; refusing to replace a CA: %w", p, ErrExists)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("init CA: %s: %w", p, unwrapPathError(err))
		}
	}
	steps, err := s.initSteps()
	if err != nil {
		return nil, err
	}
	// Every refusal comes before the first directory is made, so a refused
	// init changes nothing.
	if err := s.makeDirs(); err != nil {
		return nil, err
	}
	key, err := s.opts.generateKey(DefaultKeyBits)
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	der, err := s.selfSign(req.Subject, key, days)
	if err != nil {
		return nil, err
	}
	keyPEM, err := MarshalKey(key, KeyEncoding{})
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	steps = append([]OutputFile{{s.CAKeyPath(), keyPEM, modePrivate}}, steps...)
	steps = append(steps,
		OutputFile{s.CADERPath(), der, modePublic},
		OutputFile{s.CACertPath(), EncodeCertificatePEM(der), modePublic})
	for _, o := range steps {
		if err := writeFileAtomic(o.Path, o.Data, o.Mode); err != nil {
			return nil, fmt.Errorf("init CA: %w", err)
		}
	}
	return s, nil
}

// initSteps decides which of the directory's shared files a new CA writes.
// serial.txt, database.txt and its .attr belong to the directory, not to one
// CA: a second CA (--ca-file) shares them with the CA already there, so they
// are kept. Without another CA they would be the history of a removed one,
// and a new CA refuses to continue it.
func (s *Store) initSteps() ([]OutputFile, error) {
	shared := []OutputFile{
		{s.SerialPath(), []byte(initialSerial + "\n"), modePublic},
		{s.DatabasePath(), nil, modePublic},
		{s.DatabasePath() + ".attr", []byte("unique_subject = no\n"), modePublic},
	}
	if _, err := checkReplace(s.CADERPath(), false); err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	sharing := s.otherCAPresent()
	var steps []OutputFile
	for _, o := range shared {
		exists, err := checkReplace(o.Path, false)
		switch {
		case exists && err != nil && errors.Is(err, ErrExists) && sharing:
			continue
		case err != nil:
			return nil, fmt.Errorf("init CA: %w", err)
		}
		steps = append(steps, o)
	}
	return steps, nil
}

// otherCAPresent reports whether the directory holds another CA's
// certificate (a top-level NAME.pem with basicConstraints CA:TRUE).
func (s *Store) otherCAPresent() bool {
	paths, _ := filepath.Glob(filepath.Join(s.dir, "*.pem"))
	for _, p := range paths {
		if p == s.CACertPath() {
			continue
		}
		if cert, err := ReadCertificate(p); err == nil && cert.IsCA {
			return true
		}
	}
	return false
}

// makeDirs creates the directory tree with the engine layout's modes; existing
// directories are left as they are.
func (s *Store) makeDirs() error {
	dirs := []struct {
		path string
		mode os.FileMode
	}{
		{s.dir, modePublicDir},
		{s.path("private"), modePrivateDir},
		{s.path("keys"), modePrivateDir},
		{s.path(s.opts.certDir), modePublicDir},
		{s.path(s.opts.reqDir), modePublicDir},
	}
	for _, d := range dirs {
		err := os.Mkdir(d.path, d.mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err == nil {
			err = os.Chmod(d.path, d.mode) // the umask may have narrowed it
		}
		if err != nil {
			return fmt.Errorf("init CA: create %s: %w", d.path, unwrapPathError(err))
		}
	}
	return nil
}

// selfSign makes the CA certificate with pkienroll's CA profile.
func (s *Store) selfSign(subject dn.Name, key crypto.Signer, days int) ([]byte, error) {
	rawSubject, err := subject.MarshalDER()
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	ski, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	notBefore, notAfter := validity(s.opts.now(), days)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            rawSubject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          ski,
		AuthorityKeyId:        ski,
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("init CA: sign CA certificate: %w", err)
	}
	return der, nil
}

// randomSerial is a positive 64-bit serial for the CA certificate itself;
// serial.txt numbers only the certificates the CA issues.
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}
