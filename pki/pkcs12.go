package pki

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"software.sslmate.com/src/go-pkcs12"
)

// maxPKCS12Size bounds what we read as a bundle; a key and a few
// certificates take a few KB.
const maxPKCS12Size = 1 << 20

// Bundle is the content of a PKCS#12 file: a private key, its certificate
// and the CA certificates that go with it.
type Bundle struct {
	// Key is the private key.
	Key crypto.Signer
	// Certificate is the key's certificate.
	Certificate *x509.Certificate
	// CACerts are the other certificates: the CA, and any intermediates.
	CACerts []*x509.Certificate
}

// EncodePKCS12 encodes b as a PKCS#12 file protected by password. By default
// key and certificates are encrypted with AES-256-CBC under PBKDF2-HMAC-SHA-256
// and the file is authenticated with HMAC-SHA-256, as OpenSSL 3 writes them.
// legacy uses 3DES and an HMAC-SHA-1 MAC instead, for readers that know
// nothing newer (OpenSSL before 1.1.1, old Java and Windows); OpenSSL 3 reads
// those files with and without -legacy.
func EncodePKCS12(b Bundle, password string, legacy bool) ([]byte, error) {
	if err := ValidatePKCS12Password(password); err != nil {
		return nil, fmt.Errorf("encode PKCS#12: %w", err)
	}
	if b.Key == nil || b.Certificate == nil {
		return nil, errors.New("encode PKCS#12: a bundle needs a key and its certificate")
	}
	if !KeyMatches(b.Certificate.PublicKey, b.Key) {
		return nil, fmt.Errorf("encode PKCS#12: %w", ErrKeyMismatch)
	}
	enc := pkcs12.Modern2023
	if legacy {
		enc = pkcs12.LegacyDES
	}
	data, err := enc.Encode(b.Key, b.Certificate, b.CACerts, password)
	if err != nil {
		return nil, fmt.Errorf("encode PKCS#12: %w", err)
	}
	return data, nil
}

// ValidatePKCS12Password accepts a password that a bundle can be protected
// with: not empty, UTF-8, no NUL, and only characters of the Basic
// Multilingual Plane, as PKCS#12 stores passwords in UCS-2.
func ValidatePKCS12Password(password string) error {
	switch {
	case password == "":
		return fmt.Errorf("password is empty: %w", ErrBadPassword)
	case !utf8.ValidString(password):
		return fmt.Errorf("password is not UTF-8: %w", ErrBadPassword)
	case strings.ContainsRune(password, 0):
		return fmt.Errorf("password contains a NUL character: %w", ErrBadPassword)
	}
	return checkBMP(password, ErrBadPassword)
}

// checkBMP refuses, as sentinel, characters that UCS-2 cannot hold.
func checkBMP(password string, sentinel error) error {
	for _, r := range password {
		if r > 0xFFFF {
			return fmt.Errorf("password has a character beyond U+FFFF, which PKCS#12 cannot hold: %w", sentinel)
		}
	}
	return nil
}

// DecodePKCS12 decodes a DER PKCS#12 file: what EncodePKCS12 and
// `openssl pkcs12 -export` write, with modern or legacy algorithms. The
// certificate returned is the one that matches the key, whatever its place
// in the file; the others are returned as CA certificates. A password that
// does not open the file gives ErrPassword, a file without a key ErrNoKey,
// anything that is not a readable bundle ErrNotPKCS12.
func DecodePKCS12(data []byte, password string) (Bundle, error) {
	if len(data) > maxPKCS12Size {
		return Bundle{}, fmt.Errorf("larger than %d bytes: %w", maxPKCS12Size, ErrNotPKCS12)
	}
	if len(data) == 0 || data[0] != 0x30 {
		// A DER SEQUENCE; this also keeps PEM files and text out.
		return Bundle{}, ErrNotPKCS12
	}
	key, cert, cas, err := decodeChain(data, password)
	if err != nil {
		return Bundle{}, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return Bundle{}, fmt.Errorf("unsupported key type %T: %w", key, ErrWeakKey)
	}
	b := Bundle{Key: signer, Certificate: cert, CACerts: cas}
	if !KeyMatches(cert.PublicKey, signer) {
		i := -1
		for j, c := range cas {
			if KeyMatches(c.PublicKey, signer) {
				i = j
				break
			}
		}
		if i < 0 {
			return Bundle{}, fmt.Errorf("no certificate in the bundle belongs to its key: %w", ErrKeyMismatch)
		}
		b.Certificate = cas[i]
		b.CACerts = append(append([]*x509.Certificate{cert}, cas[:i]...), cas[i+1:]...)
	}
	return b, nil
}

// decodeChain decodes data with password as openssl reads it. PKCS#12
// keys are derived from the password in UCS-2, which go-pkcs12 makes from
// UTF-8. A password that is not UTF-8 (a Latin-1 file) openssl takes byte
// by byte, each byte a character (OPENSSL_utf82uni falls back to
// OPENSSL_asc2uni); and when a UTF-8 password does not open a bundle,
// `openssl pkcs12` tries it byte by byte too, as OpenSSL before 1.1.0
// encoded every password. Both are done here, so that a password that
// opens a bundle with openssl opens it with pkienroll.
func decodeChain(data []byte, password string) (any, *x509.Certificate, []*x509.Certificate, error) {
	notUTF8 := !utf8.ValidString(password)
	if notUTF8 {
		password = bytewise(password)
	}
	if err := checkBMP(password, ErrPassword); err != nil {
		return nil, nil, nil, err
	}
	key, cert, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) && password != bytewise(password) {
		key, cert, cas, err = pkcs12.DecodeChain(data, bytewise(password))
	}
	if notUTF8 && errors.Is(err, pkcs12.ErrDecryption) {
		// The MAC took the password, PBES2 did not: OpenSSL 3 gives
		// PBKDF2 the password's bytes, go-pkcs12 their UTF-8.
		return nil, nil, nil, fmt.Errorf("the password is not UTF-8, which pkienroll can use only with a bundle "+
			"encrypted with the legacy algorithms (openssl pkcs12 -legacy): %w", ErrPassword)
	}
	if err != nil {
		return nil, nil, nil, pkcs12Error(err)
	}
	return key, cert, cas, nil
}

// bytewise is s with each byte taken for the character of that code point
// (Latin-1), as OPENSSL_asc2uni reads a password.
func bytewise(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// pkcs12Error turns go-pkcs12's errors into ours. It reports most problems
// as plain strings, so the few we tell apart are matched by their text.
func pkcs12Error(err error) error {
	msg := strings.TrimPrefix(err.Error(), "pkcs12: ")
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return ErrPassword
	case msg == "private key missing":
		return ErrNoKey
	case msg == "certificate missing":
		return fmt.Errorf("no certificate in the bundle: %w", ErrNotCertificate)
	case strings.HasPrefix(msg, "error reading P12 data"):
		return ErrNotPKCS12
	}
	var notImpl pkcs12.NotImplementedError
	if errors.As(err, &notImpl) {
		return fmt.Errorf("unsupported (%s): %w", msg, ErrNotPKCS12)
	}
	return fmt.Errorf("malformed (%s): %w", msg, ErrNotPKCS12)
}

// ReadPKCS12 reads and decodes the PKCS#12 file in path (see DecodePKCS12).
func ReadPKCS12(path, password string) (Bundle, error) {
	return readPKCS12(path, password, false)
}

// ReadPKCS12 reads and decodes the bundle keys/NAME.p12 of the store, as
// every file of the store is read, without following a symbolic link.
func (s *Store) ReadPKCS12(name, password string) (Bundle, error) {
	if err := ValidateName(name); err != nil {
		return Bundle{}, err
	}
	return readPKCS12(s.PKCS12Path(name), password, true)
}

func readPKCS12(path, password string, noFollow bool) (Bundle, error) {
	data, err := readFileLimited(path, maxPKCS12Size, noFollow)
	if err != nil {
		return Bundle{}, fmt.Errorf("read PKCS#12 bundle %s: %w", path, err)
	}
	b, err := DecodePKCS12(data, password)
	if err != nil {
		return Bundle{}, fmt.Errorf("read PKCS#12 bundle %s: %w", path, err)
	}
	return b, nil
}
