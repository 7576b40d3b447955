package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/printable"
)

// DefaultTrustStorePassword is the password of the engine's Java trust
// store when engine-setup is not told another (OVESETUP_PKI/storePassword;
// pki-create-ca.sh --keystore-password).
const DefaultTrustStorePassword = "mypass"

// maxTrustStoreSize bounds the .truststore read from the store.
const maxTrustStoreSize = 1 << 20

// ErrTrustStore reports a .truststore that pkienroll cannot keep in step
// with the directory's CAs: not a PKCS#12 store that opens with the
// password (a JKS store an older keytool made, say), or one holding
// certificates other than the directory's CAs, whose aliases pkienroll
// could not keep.
var ErrTrustStore = errors.New("pkienroll cannot rewrite the trust store")

// WithTrustStorePassword sets the password of the .truststore InitStore
// and RenewCA write (DefaultTrustStorePassword when not set), the one
// engine-setup passes the script and writes into the engine's
// configuration (ENGINE_PKI_TRUST_STORE_PASSWORD).
func WithTrustStorePassword(password string) StoreOption {
	return func(o *storeOptions) { o.trustPass = &password }
}

// TrustStorePath is the engine's Java trust store, .truststore: the
// engine reads it as ENGINE_PKI_TRUST_STORE to trust its own CAs. It is
// shared by the CAs of the directory, each under the alias NAMEcert.
func (s *Store) TrustStorePath() string { return s.path(".truststore") }

// ValidateTrustStorePassword accepts a password Java can open a key store
// with: not empty, and printable ASCII only (space to tilde). Java derives
// the keys of a PKCS#12 store through javax.crypto.spec.PBEKeySpec, whose
// PBE key factory refuses any other character ("Password is not ASCII"):
// a .truststore with such a password is one the engine and keytool cannot
// open, whatever they are given.
func ValidateTrustStorePassword(password string) error {
	if password == "" {
		return fmt.Errorf("trust store password is empty: %w", ErrBadPassword)
	}
	if !JavaCanOpenWith(password) {
		return fmt.Errorf("trust store password has a character that is not printable ASCII, "+
			"and Java (the engine, keytool) opens a key store only with printable ASCII: %w", ErrBadPassword)
	}
	return nil
}

// JavaCanOpenWith reports whether Java can open a PKCS#12 key store with
// password: whether it is printable ASCII, space to tilde, all that
// javax.crypto's PBE key factory takes. openssl opens bundles with other
// passwords too.
func JavaCanOpenWith(password string) bool {
	for i := 0; i < len(password); i++ {
		if c := password[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// trustStorePassword is the password the store's .truststore has.
func (s *Store) trustStorePassword() string {
	if s.opts.trustPass != nil {
		return *s.opts.trustPass
	}
	return DefaultTrustStorePassword
}

// trustStoreAlias is the alias pki-create-ca.sh imports the CA NAME.pem
// under: NAMEcert (cacert, qemu-cacert).
func trustStoreAlias(caName string) string { return caName + "cert" }

// renderTrustStore is the .truststore that holds every CA of the directory
// with own standing for this store's CA (a new one, or the renewed one),
// each under its alias, as pki-create-ca.sh's delete-and-import leaves it.
// An existing .truststore is replaced only when all it holds are CAs of
// the directory (earlier certificates of their keys included) or
// certificates of own's subject (the entry own replaces, as the script
// deletes its alias: that of a CA an interrupted init left, say), since
// its aliases cannot be read back; otherwise it is an ErrTrustStore error.
//
// The store is PKCS#12 with the legacy algorithms (3DES, SHA-1 MAC), which
// every Java since 8 reads, also as the keystore type JKS the engine names
// (ENGINE_PKI_TRUST_STORE_TYPE): it holds only public certificates, and its
// password is a well-known default.
func (s *Store) renderTrustStore(own *x509.Certificate) ([]byte, error) {
	if err := ValidateTrustStorePassword(s.trustStorePassword()); err != nil {
		return nil, fmt.Errorf("%s: %w", s.TrustStorePath(), err)
	}
	cas := map[string]*x509.Certificate{trustStoreAlias(s.opts.caName): own}
	for name, cert := range s.otherCAs() {
		cas[trustStoreAlias(name)] = cert
	}
	if err := s.checkTrustStore(own.RawSubject, cas); err != nil {
		return nil, err
	}
	aliases := make([]string, 0, len(cas))
	for alias := range cas {
		aliases = append(aliases, alias)
	}
	slices.Sort(aliases)
	entries := make([]pkcs12.TrustStoreEntry, 0, len(aliases))
	for _, alias := range aliases {
		entries = append(entries, pkcs12.TrustStoreEntry{Cert: cas[alias], FriendlyName: alias})
	}
	out, err := pkcs12.LegacyDES.EncodeTrustStoreEntries(entries, s.trustStorePassword())
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.TrustStorePath(), err)
	}
	return out, nil
}

// checkTrustStore reports whether the existing .truststore, if any, may be
// replaced: it opens with the password and holds only certificates of cas
// (by subject and key) or of the subject ownSubject (see renderTrustStore).
func (s *Store) checkTrustStore(ownSubject []byte, cas map[string]*x509.Certificate) error {
	path := s.TrustStorePath()
	data, err := readFileLimited(path, maxTrustStoreSize, true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	held, err := pkcs12.DecodeTrustStore(data, s.trustStorePassword())
	if err != nil {
		return trustStoreDecodeError(path, data, err)
	}
	for _, c := range held {
		known := string(c.RawSubject) == string(ownSubject)
		for _, ca := range cas {
			known = known || sameCA(ca, c)
		}
		if !known {
			return fmt.Errorf("%s holds a certificate that is no CA of %s (%s), whose alias would be lost: %w",
				path, s.dir, printable.Escape(c.Subject.String()), ErrTrustStore)
		}
	}
	return nil
}

// trustStoreDecodeError words why data, the .truststore at path, does not
// decode (err, go-pkcs12's): a JKS or JCEKS store an older keytool made,
// the wrong password (wrapping ErrPassword too), or a file that is no
// PKCS#12 trust store at all. go-pkcs12 words a malformed file with
// encoding/asn1's error, a dump of Go structures: it is not shown.
func trustStoreDecodeError(path string, data []byte, err error) error {
	var (
		structural asn1.StructuralError
		syntax     asn1.SyntaxError
		notImpl    pkcs12.NotImplementedError
	)
	switch {
	case bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfe, 0xed}):
		return fmt.Errorf("%s is a JKS key store, not PKCS#12: %w", path, ErrTrustStore)
	case bytes.HasPrefix(data, []byte{0xce, 0xce, 0xce, 0xce}):
		return fmt.Errorf("%s is a JCEKS key store, not PKCS#12: %w", path, ErrTrustStore)
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return fmt.Errorf("%s does not open: %w for the trust store: %w", path, ErrPassword, ErrTrustStore)
	case len(data) == 0 || data[0] != 0x30, errors.As(err, &structural), errors.As(err, &syntax),
		strings.HasPrefix(err.Error(), "pkcs12: error reading P12 data"):
		return fmt.Errorf("%s is not a PKCS#12 trust store: %w", path, ErrTrustStore)
	case errors.As(err, &notImpl):
		return fmt.Errorf("%s is a PKCS#12 file pkienroll cannot read (%s): %w", path, printable.Escape(string(notImpl)), ErrTrustStore)
	}
	// A store with a key, or a certificate not marked trusted: go-pkcs12
	// says which in a short sentence of its own.
	msg := strings.TrimPrefix(err.Error(), "pkcs12: ")
	if len(msg) > 120 || strings.Contains(msg, "{") {
		msg = "malformed"
	}
	return fmt.Errorf("%s is not a PKCS#12 trust store (%s): %w", path, printable.Escape(msg), ErrTrustStore)
}

// writeTrustStore replaces .truststore with data, world-readable as
// pki-create-ca.sh leaves it. The caller holds the directory's lock; the
// temporary file has the lock holders' fixed name, so a crash's leftover is
// reused by the next writer (and removed by Check).
func (s *Store) writeTrustStore(data []byte) error {
	return atomicfile.WriteLocked(s.TrustStorePath(), data, modePublic)
}

// sameCA reports whether a and b are the same CA: the same subject and
// key (a renewal keeps both).
func sameCA(a, b *x509.Certificate) bool {
	k, ok := a.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b.PublicKey) && string(a.RawSubject) == string(b.RawSubject)
}

// otherCAs are the other CAs of the directory, by name: each top-level
// NAME.pem (not a link) that holds a CA certificate, such as qemu-ca.pem
// beside ca.pem.
func (s *Store) otherCAs() map[string]*x509.Certificate {
	cas := map[string]*x509.Certificate{}
	paths, _ := filepath.Glob(filepath.Join(s.dir, "*.pem"))
	for _, p := range paths {
		if p == s.CACertPath() {
			continue
		}
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			continue // engine-setup's apache-ca.pem is a link to ca.pem
		}
		name := filepath.Base(p)
		name = name[:len(name)-len(".pem")]
		if ValidateName(name) != nil {
			continue
		}
		if cert, err := ReadCertificate(p); err == nil && cert.IsCA {
			cas[name] = cert
		}
	}
	return cas
}
