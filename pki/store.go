package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pkienroll/pkienroll/internal/flock"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// DefaultLockTimeout is how long signing waits for the PKI directory's lock,
// as the engine script's --timeout does.
const DefaultLockTimeout = 20 * time.Second

// DefaultPKIDir is the engine's PKI directory.
const DefaultPKIDir = "/etc/pki/ovirt-engine"

// Store is an engine PKI directory, shared with the engine's scripts and
// `openssl ca` (docs/guide.md describes the layout). Its methods take the same
// lock as the scripts, so all of them can work on one directory at once.
//
// A Store is safe for concurrent use by several goroutines, and several
// Stores (in one process or many) may open one directory: every method that
// changes the directory, and Check, holds its lock while it reads and
// writes. The context of such a method bounds the wait for that lock (with
// the lock timeout): a context that has ended, or ends while the method
// waits, makes it return the context's error with nothing changed. Once the
// lock is held the work is not interrupted: it commits whole, or changes
// nothing, whatever the context does meanwhile.
//
// The zero Store is not usable: open one with OpenStore or InitStore.
type Store struct {
	dir  string
	opts storeOptions
	// names guides Lookup to the certs/NAME.cer of a serial (lookup.go).
	names *certNames
}

type storeOptions struct {
	caName      string
	certDir     string
	reqDir      string
	lockTimeout time.Duration
	now         func() time.Time
	generateKey func(bits int) (crypto.Signer, error)
	trustPass   *string // the .truststore password; nil: DefaultTrustStorePassword (truststore.go)
}

// StoreOption tunes a Store: file names as the engine scripts' flags set
// them, and the clock and key generator that tests pin.
type StoreOption func(*storeOptions)

// WithCAName selects NAME.pem and private/NAME.pem as the CA certificate and
// key (the scripts' --ca-file); the default is "ca".
func WithCAName(name string) StoreOption { return func(o *storeOptions) { o.caName = name } }

// WithCertDir sets the directory of issued certificates, relative to the
// PKI directory unless absolute; the default is "certs".
func WithCertDir(dir string) StoreOption { return func(o *storeOptions) { o.certDir = dir } }

// WithRequestDir sets the directory of incoming requests, relative to the
// PKI directory unless absolute; the default is "requests".
func WithRequestDir(dir string) StoreOption { return func(o *storeOptions) { o.reqDir = dir } }

// WithLockTimeout sets how long signing waits for the directory's lock
// (DefaultLockTimeout when not set).
func WithLockTimeout(d time.Duration) StoreOption { return func(o *storeOptions) { o.lockTimeout = d } }

// WithNow replaces time.Now, for tests that pin validity dates; nil keeps
// time.Now.
func WithNow(now func() time.Time) StoreOption {
	return func(o *storeOptions) {
		if now != nil {
			o.now = now
		}
	}
}

// WithKeyGenerator replaces the generator of the keys the store makes (the
// CA key of InitStore, the keys of Enroll), for tests that reuse a key
// instead of paying for a new one; nil keeps GenerateKey.
func WithKeyGenerator(gen func(bits int) (crypto.Signer, error)) StoreOption {
	return func(o *storeOptions) {
		if gen != nil {
			o.generateKey = gen
		}
	}
}

func newStore(dir string, opts []StoreOption) (*Store, error) {
	o := storeOptions{
		caName:      "ca",
		certDir:     "certs",
		reqDir:      "requests",
		lockTimeout: DefaultLockTimeout,
		now:         time.Now,
		generateKey: func(bits int) (crypto.Signer, error) { return GenerateKey(bits) },
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if err := ValidateName(o.caName); err != nil {
		return nil, fmt.Errorf("ca file: %w", err)
	}
	if o.lockTimeout < 0 {
		return nil, fmt.Errorf("lock timeout %s is negative", o.lockTimeout)
	}
	if dir == "" {
		return nil, fmt.Errorf("pki directory is empty: %w", ErrBadStore)
	}
	return &Store{dir: filepath.Clean(dir), opts: o, names: new(certNames)}, nil
}

// OpenStore opens an existing PKI directory: one made by InitStore, by the
// engine's pki-create-ca.sh, or by hand for `openssl ca`. It checks that the
// CA certificate is there; the key, serial and database are read when used.
func OpenStore(dir string, opts ...StoreOption) (*Store, error) {
	s, err := newStore(dir, opts)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open pki directory %s: %w", s.dir, ErrNoStore)
	}
	if err != nil {
		return nil, fmt.Errorf("open pki directory %s: %w", s.dir, safefile.UnwrapPathError(err))
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("open pki directory %s: not a directory: %w", s.dir, ErrBadStore)
	}
	if _, err := os.Lstat(s.CACertPath()); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open pki directory %s: %w %s: %w", s.dir, ErrNoCA, s.CACertPath(), ErrBadStore)
		}
		return nil, fmt.Errorf("open pki directory %s: %w", s.dir, safefile.UnwrapPathError(err))
	}
	return s, nil
}

// Dir is the PKI directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(rel ...string) string {
	if len(rel) > 0 && filepath.IsAbs(rel[0]) {
		return filepath.Join(rel...)
	}
	return filepath.Join(append([]string{s.dir}, rel...)...)
}

// CACertPath is the CA certificate, NAME.pem; it is also the lock file.
func (s *Store) CACertPath() string { return s.path(s.opts.caName + ".pem") }

// CAKeyPath is the CA private key, private/NAME.pem.
func (s *Store) CAKeyPath() string { return s.path("private", s.opts.caName+".pem") }

// CADERPath is the CA certificate in DER, certs/ca.der.
func (s *Store) CADERPath() string { return s.path(s.opts.certDir, s.opts.caName+".der") }

// SerialPath is serial.txt, the next serial to issue.
func (s *Store) SerialPath() string { return s.path("serial.txt") }

// DatabasePath is database.txt, the openssl `ca` index.
func (s *Store) DatabasePath() string { return s.path("database.txt") }

// RequestPath is where the request named name is read from.
func (s *Store) RequestPath(name string) string { return s.path(s.opts.reqDir, name+".req") }

// CertPath is where the certificate named name is written.
func (s *Store) CertPath(name string) string { return s.path(s.opts.certDir, name+".cer") }

// SerialCertPath is the copy of every issued certificate named by its serial
// (openssl's new_certs_dir).
func (s *Store) SerialCertPath(serial string) string { return s.path(s.opts.certDir, serial+".pem") }

// isPlainName reports whether name is a plain file name, what the engine
// scripts accept as --name and never a path: [A-Za-z0-9][A-Za-z0-9._-]*.
// It is a loop over the bytes, not a regular expression, which every
// process would compile as it starts (docs/performance.md);
// TestPlainNameAsTheRegexp holds it to the expression.
func isPlainName(name string) bool {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return name != ""
}

// maxNameLength bounds names so that NAME.cer.YYYYMMDDHHMMSS.N stays well
// inside NAME_MAX.
const maxNameLength = 128

// ValidateName accepts a certificate or CA name that is a plain file name:
// letters, digits, '.', '_' and '-', starting with a letter or digit, at most
// 128 characters. Anything else (a path, "..", whitespace) is ErrBadName.
func ValidateName(name string) error {
	if len(name) > maxNameLength {
		return fmt.Errorf("name is longer than %d characters: %w", maxNameLength, ErrBadName)
	}
	if !isPlainName(name) {
		return fmt.Errorf("name %q is not a plain file name ([A-Za-z0-9][A-Za-z0-9._-]*): %w", name, ErrBadName)
	}
	return nil
}

// lock takes the directory's exclusive lock (see flock.Exclusive). A context
// that has ended takes no lock, even a free one, so a cancelled caller
// changes nothing.
func (s *Store) lock(ctx context.Context) (*flock.Lock, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.CACertPath(), err)
	}
	return flock.Exclusive(ctx, s.CACertPath(), s.opts.lockTimeout)
}

// lockCA takes the directory's lock and loads the CA under it, so the CA
// cannot be renewed in between. The caller unlocks.
func (s *Store) lockCA(ctx context.Context) (*ca, *flock.Lock, error) {
	lock, err := s.lock(ctx)
	if err != nil {
		return nil, nil, err
	}
	ca, err := s.loadCA()
	if err != nil {
		lock.Unlock()
		return nil, nil, err
	}
	return ca, lock, nil
}

// ca is a loaded CA: certificate and the key that matches it.
type ca struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// loadCA reads the CA certificate and key and checks that they belong
// together and that the certificate is a CA. The key is parsed once per
// content and, in an openssl build, signs through libcrypto (caSigner).
func (s *Store) loadCA() (*ca, error) {
	certPath, keyPath := s.CACertPath(), s.CAKeyPath()
	cert, err := ReadCertificate(certPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrBadStore)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("CA certificate %s is not a CA (basicConstraints CA:FALSE or missing): %w", certPath, ErrBadStore)
	}
	data, err := readFileLimited(keyPath, maxKeyFileSize, true)
	if err != nil {
		return nil, fmt.Errorf("read CA key %s: %w", keyPath, err)
	}
	key, err := caSigner(data)
	if err != nil {
		return nil, fmt.Errorf("read CA key %s: %w", keyPath, err)
	}
	if !KeyMatches(cert.PublicKey, key) {
		return nil, fmt.Errorf("CA key %s does not match CA certificate %s: %w", keyPath, certPath, ErrKeyMismatch)
	}
	return &ca{cert: cert, key: key}, nil
}
