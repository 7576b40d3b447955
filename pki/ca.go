package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"strings"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/flock"
	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// DefaultCADays is the validity of a new CA, as pki-create-ca.sh gives it.
const DefaultCADays = 7300

// Modes of the CA key and its directory, as the engine's package and
// pki-create-ca.sh leave them: the engine's service account, the
// directory's group, runs pki-enroll-request.sh and must read the key.
const (
	modeCAKeyDir os.FileMode = 0o750
	modeCAKey    os.FileMode = 0o640
)

// InitRequest is what a new CA is made of.
type InitRequest struct {
	// Subject of the CA certificate, such as /C=US/O=Example Inc./CN=engine.example.com.81108.
	Subject dn.Name
	// Days of validity; zero means DefaultCADays.
	Days int
	// AIAURL, when set, is the caIssuers URL of the cert.conf InitStore
	// writes, which the engine's scripts put in every certificate they sign
	// and Sign uses when given none.
	AIAURL string
	// KeepExisting makes InitStore open-or-create: when the directory
	// already holds a CA of this subject, with its key, InitStore opens it
	// and changes nothing, instead of failing with ErrExists. A CA of
	// another subject is still an ErrExists error.
	KeepExisting bool
}

// InitStore creates a PKI directory with a new CA, laid out as the engine's
// package and pki-create-ca.sh lay it out: an RSA-2048 key in private/
// (0640, directory 0750), a self-signed CA certificate of serial 1000 with
// its line in database.txt and its copy certs/1000.pem, serial.txt at 1001,
// database.txt.attr allowing repeated subjects, certs/ca.der (PEM, as the
// scripts write it), the Java trust store .truststore (see
// renderTrustStore), and the OpenSSL configuration files the engine's
// scripts read (openssl.conf, cacert.conf, cert.conf; see engineconf.go)
// when they are missing. A second CA of a directory (WithCAName, such as
// engine-setup's qemu-ca) takes the next serial of the shared serial.txt,
// with its index line and copy, as pki-create-ca.sh gives it. Run as root in a directory that exists, it gives
// the key the owner and group of private/, and serial.txt and database.txt
// those of the directory, as the scripts do.
//
// It refuses to replace an existing CA. Concurrent inits queue on a flock of
// the directory, so exactly one creates the CA and the others fail with
// ErrExists. The CA is built in a temporary directory inside the PKI
// directory and moved into place with ca.pem last; an init killed half-way
// is undone by the next one (abandonInit), so a retry is never refused
// because of it.
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
	if req.AIAURL != "" {
		if err := checkAIAURL(req.AIAURL); err != nil {
			return nil, fmt.Errorf("init CA: %w", err)
		}
	}
	if err := s.makeRoot(); err != nil {
		return nil, err
	}
	lock, err := flock.Exclusive(context.Background(), s.dir, s.opts.lockTimeout)
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	defer lock.Unlock()
	if err := s.abandonInit(); err != nil {
		return nil, err
	}
	if req.KeepExisting {
		if kept, err := s.keepExisting(req.Subject); kept || err != nil {
			return s, err
		}
	}
	for _, p := range []string{s.CACertPath(), s.CAKeyPath()} {
		_, err := os.Lstat(p)
		switch {
		case err == nil:
			return nil, fmt.Errorf("init CA: %s already exists; refusing to replace a CA: %w", p, ErrExists)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("init CA: %s: %w", p, safefile.UnwrapPathError(err))
		}
	}
	steps, err := s.initSteps(req.AIAURL)
	if err != nil {
		return nil, err
	}
	rawSubject, err := req.Subject.MarshalDER()
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	if err := s.checkTrustStore(rawSubject, s.otherCAs()); err != nil {
		return nil, fmt.Errorf("init CA: %w (import the CAs with keytool -importcert -alias NAMEcert, as pki-create-ca.sh does, or move it aside)", err)
	}
	key, err := s.opts.generateKey(DefaultKeyBits)
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	// In a new directory the CA is serial 1000, with its line in the index
	// and its copy in certs/1000.pem, and serial.txt says 1001, as
	// pki-create-ca.sh leaves it (openssl ca -selfsign). A second CA that
	// shares the directory's serial and index (engine-setup's qemu-ca) takes
	// the next serial of that sequence, with its index line and copy, as the
	// script's openssl ca -selfsign gives it there.
	var serial *big.Int
	var shared *sharedIndex
	fresh := initWrites(steps, s.SerialPath())
	if fresh {
		serial, _ = new(big.Int).SetString(initialSerial, 16)
	} else {
		if shared, err = s.openSharedIndex(); err != nil {
			return nil, fmt.Errorf("init CA: %w", err)
		}
		defer shared.close()
		serial = shared.serial
	}
	der, err := s.selfSign(req.Subject, key, serial, days)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	if steps, err = s.indexCA(steps, cert, shared); err != nil {
		return nil, err
	}
	// The trust store is published with the CA, before ca.pem, so that an
	// init killed half-way is undone with it (abandonInit).
	trustStore, err := s.renderTrustStore(cert)
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	keyPEM, err := EncodeKey(key, KeyEncoding{})
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	// certs/ca.der is PEM, as the scripts write it (openssl x509 -out):
	// engine-setup tells an administrator who lost ca.pem to restore it
	// from there, and reads ca.pem as PEM.
	// Every refusal comes before the first directory is made, so a refused
	// init changes nothing but, at most, the directory itself.
	if err := s.makeDirs(); err != nil {
		return nil, err
	}
	files := append([]initFile{{atomicfile.OutputFile{Path: s.CAKeyPath(), Data: keyPEM, Mode: modeCAKey}, s.path("private")}}, steps...)
	files = append(files,
		initFile{atomicfile.OutputFile{Path: s.TrustStorePath(), Data: trustStore, Mode: modePublic}, ""},
		initFile{atomicfile.OutputFile{Path: s.CADERPath(), Data: EncodeCertificatePEM(der), Mode: modePublic}, ""},
		initFile{atomicfile.OutputFile{Path: s.CACertPath(), Data: EncodeCertificatePEM(der), Mode: modePublic}, ""})
	if shared != nil {
		// Past the serial before the CA exists, so that it is never
		// issued twice (a kill from here on skips it, as openssl's
		// failures do).
		if err := shared.advance(); err != nil {
			return nil, fmt.Errorf("init CA: %w", err)
		}
	}
	if err := s.publishInit(files); err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	if shared != nil {
		if err := shared.record(cert); err != nil {
			return nil, fmt.Errorf("init CA: %s is made, %w: %w", s.CACertPath(), err, ErrUnfinished)
		}
	}
	return s, nil
}

// initFile is a file InitStore writes; ownerOf, when set, is the directory
// whose owner and group the file takes when InitStore runs as root.
type initFile struct {
	atomicfile.OutputFile
	ownerOf string
}

// keepExisting reports whether the directory holds a whole CA of subject
// (certificate and matching key), which InitStore with KeepExisting opens
// as it is; a CA of another subject is an ErrExists error. The caller
// holds the directory's lock.
func (s *Store) keepExisting(subject dn.Name) (bool, error) {
	if _, err := os.Lstat(s.CACertPath()); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	ca, err := s.loadCA()
	if err != nil {
		return false, fmt.Errorf("init CA: %w", err)
	}
	want, err := subject.MarshalDER()
	if err != nil {
		return false, fmt.Errorf("init CA: %w", err)
	}
	if !bytes.Equal(ca.cert.RawSubject, want) {
		held := "an unreadable subject"
		if n, err := dn.ParseDER(ca.cert.RawSubject); err == nil {
			held = n.String()
		}
		return false, fmt.Errorf("init CA: %s holds another CA (%s): %w", s.CACertPath(), held, ErrExists)
	}
	return true, nil
}

// initSteps decides which of the directory's shared files a new CA writes.
// serial.txt, database.txt and its .attr belong to the directory, not to one
// CA: a second CA (--ca-file) shares them with the CA already there, so they
// are kept. Without another CA they would be the history of a removed one,
// and a new CA refuses to continue it. The OpenSSL configuration files are
// written when missing: from engine-setup's templates (cert.template,
// cacert.template) when the directory has them, as pki-create-ca.sh does,
// else pkienroll's own.
func (s *Store) initSteps(aia string) ([]initFile, error) {
	shared := []initFile{
		{atomicfile.OutputFile{Path: s.SerialPath(), Data: []byte(initialSerial + "\n"), Mode: modePublic}, s.dir},
		{atomicfile.OutputFile{Path: s.DatabasePath(), Data: nil, Mode: modePublic}, s.dir},
		{atomicfile.OutputFile{Path: s.DatabasePath() + ".attr", Data: []byte("unique_subject = no\n"), Mode: modePublic}, s.dir},
	}
	if _, err := atomicfile.CheckReplace(s.CADERPath(), false); err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	sharing := len(s.otherCAs()) > 0
	var steps []initFile
	for _, o := range shared {
		exists, err := atomicfile.CheckReplace(o.Path, false)
		switch {
		case exists && err != nil && errors.Is(err, ErrExists) && sharing:
			continue
		case err != nil:
			return nil, fmt.Errorf("init CA: %w", err)
		}
		steps = append(steps, o)
	}
	confs := []atomicfile.OutputFile{{Path: s.path("openssl.conf"), Data: []byte(opensslConf), Mode: modePublic}}
	if cert, caCert, ok := confNames(s.opts.caName); ok {
		confs = append(confs,
			atomicfile.OutputFile{Path: s.path(caCert), Data: []byte(caCertConf), Mode: modePublic},
			atomicfile.OutputFile{Path: s.path(cert), Data: renderCertConf(aia), Mode: modePublic})
	}
	for _, c := range confs {
		exists, err := atomicfile.CheckReplace(c.Path, false)
		switch {
		case exists && errors.Is(err, ErrExists):
			continue // the administrator's or engine-setup's; kept
		case err != nil:
			return nil, fmt.Errorf("init CA: %w", err)
		}
		template := strings.TrimSuffix(c.Path, ".conf") + ".template"
		if data, err := readFileLimited(template, maxConfSize, true); err == nil {
			c.Data = data
		}
		steps = append(steps, initFile{c, ""})
	}
	return steps, nil
}

// makeRoot creates the PKI directory itself (0755) unless it exists, so
// that concurrent inits can lock it.
func (s *Store) makeRoot() error {
	err := os.Mkdir(s.dir, modePublicDir)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err == nil:
		err = os.Chmod(s.dir, modePublicDir) // the umask may have narrowed it
	}
	if err != nil {
		return fmt.Errorf("init CA: create %s: %w", s.dir, safefile.UnwrapPathError(err))
	}
	return nil
}

// makeDirs creates the subdirectories with the engine layout's modes
// (private/ 0750, the others 0755); existing directories are left as they
// are.
func (s *Store) makeDirs() error {
	dirs := []struct {
		path string
		mode os.FileMode
	}{
		{s.path("private"), modeCAKeyDir},
		{s.path("keys"), modePublicDir},
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
			return fmt.Errorf("init CA: create %s: %w", d.path, safefile.UnwrapPathError(err))
		}
	}
	return nil
}

// initWrites reports whether steps write path.
func initWrites(steps []initFile, path string) bool {
	for _, f := range steps {
		if f.Path == path {
			return true
		}
	}
	return false
}

// indexCA records the new CA certificate as openssl ca -selfsign does:
// its copy certs/SERIAL.pem and, in a new directory, its line in
// database.txt and serial.txt past it (a second CA appends its line and
// advances serial.txt through shared, outside the staged files).
func (s *Store) indexCA(steps []initFile, cert *x509.Certificate, shared *sharedIndex) ([]initFile, error) {
	serial := FormatSerial(cert.SerialNumber)
	if shared == nil {
		line, err := caIndexLine(cert)
		if err != nil {
			return nil, fmt.Errorf("init CA: %w", err)
		}
		next := FormatSerial(new(big.Int).Add(cert.SerialNumber, big.NewInt(1))) + "\n"
		for i := range steps {
			switch steps[i].Path {
			case s.DatabasePath():
				steps[i].Data = []byte(line.String() + "\n")
			case s.SerialPath():
				steps[i].Data = []byte(next)
			}
		}
	}
	copyPath := s.SerialCertPath(serial)
	if _, err := atomicfile.CheckReplace(copyPath, false); err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	return append(steps, initFile{atomicfile.OutputFile{Path: copyPath, Data: EncodeCertificatePEM(cert.Raw), Mode: modePublic}, ""}), nil
}

// caIndexLine is the index line of a CA certificate.
func caIndexLine(cert *x509.Certificate) (Entry, error) {
	subject, err := dn.ParseDER(cert.RawSubject)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Status: StatusValid, Expiry: cert.NotAfter, Serial: FormatSerial(cert.SerialNumber), File: "unknown", Subject: subject.OneLine()}, nil
}

// selfSign makes the CA certificate with pkienroll's CA profile and serial.
func (s *Store) selfSign(subject dn.Name, key crypto.Signer, serial *big.Int, days int) ([]byte, error) {
	rawSubject, err := subject.MarshalDER()
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	ski, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, fmt.Errorf("init CA: %w", err)
	}
	// Self-issued: the CA's own key identifier, name and serial.
	aki, err := AuthorityKeyID{KeyID: ski, Issuer: rawSubject, Serial: serial}.extension()
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
		ExtraExtensions:       []pkix.Extension{aki},
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("init CA: sign CA certificate: %w", err)
	}
	return der, nil
}
