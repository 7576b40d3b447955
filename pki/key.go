package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"go.step.sm/crypto/keyutil"
	"go.step.sm/crypto/pemutil"
)

// DefaultKeyBits is the size of the RSA keys made when none is asked for:
// what the engine scripts and `openssl req -newkey rsa:2048` use.
const DefaultKeyBits = 2048

// maxKeyFileSize bounds what we read as a key file; real keys are a few KB.
const maxKeyFileSize = 1 << 20

// GenerateKey makes a new RSA key of the given size: 2048, 3072 or 4096 bits.
// Smaller keys are refused with ErrWeakKey; other sizes are refused too, as
// no client needs them and a typo (2408) should not become a key.
func GenerateKey(bits int) (*rsa.PrivateKey, error) {
	switch bits {
	case 2048, 3072, 4096:
	default:
		if bits < 2048 {
			return nil, fmt.Errorf("generate key: %d-bit RSA is too small, use 2048 or more: %w", bits, ErrWeakKey)
		}
		return nil, fmt.Errorf("generate key: %d bits is not one of 2048, 3072 or 4096: %w", bits, ErrWeakKey)
	}
	k, err := keyutil.GenerateKey("RSA", "", bits)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k.(*rsa.PrivateKey), nil
}

// KeyEncoding says how a private key is written.
type KeyEncoding struct {
	// PKCS1 writes "RSA PRIVATE KEY" (OpenSSL 1.x's -nodes output) instead of
	// PKCS#8 "PRIVATE KEY" (OpenSSL 3's).
	PKCS1 bool
	// Passphrase, when not nil, encrypts the key with AES-256: PBES2/PBKDF2
	// "ENCRYPTED PRIVATE KEY" for PKCS#8, legacy DEK-Info PEM for PKCS#1.
	// An empty, non-nil passphrase is refused with ErrPassword rather
	// than taken for "no passphrase": it comes from a source that was
	// given but held nothing, and must not yield a key in the clear.
	Passphrase []byte
}

// EncodeKey encodes a private key as PEM according to enc.
func EncodeKey(key crypto.Signer, enc KeyEncoding) ([]byte, error) {
	opts := []pemutil.Options{pemutil.WithPKCS8(!enc.PKCS1)}
	if enc.Passphrase != nil {
		if len(enc.Passphrase) == 0 {
			return nil, fmt.Errorf("encode key: the passphrase is empty: %w", ErrPassword)
		}
		opts = append(opts, pemutil.WithPassword(enc.Passphrase))
	}
	block, err := pemutil.Serialize(key, opts...)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
}

// ParseKey decodes a PEM private key: PKCS#1, PKCS#8, SEC 1 (EC), encrypted
// PKCS#8 and legacy encrypted PEM. Other PEM blocks before the key (such as
// "EC PARAMETERS") are skipped. An encrypted key without a passphrase, or
// one that does not decrypt, gives ErrPassword; anything that is not a key
// gives ErrNotKey.
func ParseKey(data, passphrase []byte) (crypto.Signer, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("no PEM private key block found: %w", ErrNotKey)
		}
		switch block.Type {
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			return parseKeyBlock(block, passphrase)
		case "EC PARAMETERS":
			continue
		default:
			return nil, fmt.Errorf("PEM block is %q, not a private key: %w", block.Type, ErrNotKey)
		}
	}
}

func parseKeyBlock(block *pem.Block, passphrase []byte) (crypto.Signer, error) {
	der := block.Bytes
	encrypted := block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] == "4,ENCRYPTED"
	if encrypted {
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("key is encrypted and no passphrase was given: %w", ErrPassword)
		}
		var err error
		if der, err = pemutil.DecryptPEMBlock(block, passphrase); err != nil {
			return nil, fmt.Errorf("cannot decrypt key with the passphrase given: %w", ErrPassword)
		}
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	default:
		key, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		if encrypted {
			// A wrong passphrase often decrypts to noise rather than failing.
			return nil, fmt.Errorf("cannot decrypt key with the passphrase given: %w", ErrPassword)
		}
		return nil, fmt.Errorf("malformed %s: %w", block.Type, ErrNotKey)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T: %w", key, ErrWeakKey)
	}
	if err := ValidatePublicKey(signer.Public()); err != nil {
		return nil, err
	}
	return signer, nil
}

// ReadKey reads and decodes the private key in path (see ParseKey).
func ReadKey(path string, passphrase []byte) (crypto.Signer, error) {
	data, err := readFileLimited(path, maxKeyFileSize, false)
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	key, err := ParseKey(data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	return key, nil
}

// ValidatePublicKey accepts the keys pkienroll allows in certificates: RSA of
// 2048 bits or more, and ECDSA on P-256 or P-384. Anything else is ErrWeakKey,
// as is a key without its value: nil (what x509 parses from a key algorithm
// it does not know), an RSA key without modulus, an EC key without curve.
func ValidatePublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case nil:
		return fmt.Errorf("no public key, or one of an unknown algorithm (use RSA or EC P-256/P-384): %w", ErrWeakKey)
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return fmt.Errorf("RSA public key without modulus: %w", ErrWeakKey)
		}
		if n := k.N.BitLen(); n < 2048 {
			return fmt.Errorf("%d-bit RSA key is too small (minimum 2048): %w", n, ErrWeakKey)
		}
		return nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil {
			return fmt.Errorf("EC public key without curve: %w", ErrWeakKey)
		}
		if k.Curve == elliptic.P256() || k.Curve == elliptic.P384() {
			return nil
		}
		return fmt.Errorf("EC key on curve %s is not supported (use P-256 or P-384): %w", k.Curve.Params().Name, ErrWeakKey)
	case ed25519.PublicKey:
		return fmt.Errorf("Ed25519 keys are not supported (use RSA or EC P-256/P-384): %w", ErrWeakKey)
	default:
		return fmt.Errorf("%T keys are not supported (use RSA or EC P-256/P-384): %w", pub, ErrWeakKey)
	}
}

// KeyMatches reports whether priv is the private half of pub; a nil pub or
// priv matches nothing.
func KeyMatches(pub crypto.PublicKey, priv crypto.Signer) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub == nil || priv == nil {
		return false
	}
	e, ok := priv.Public().(equaler)
	return ok && e.Equal(pub)
}

// WriteKey writes key to path, mode 0600 from the first byte, atomically.
// An existing file is refused (ErrExists) unless replace is set; then it is
// kept first as path.YYYYMMDDHHMMSS.
func WriteKey(path string, key crypto.Signer, enc KeyEncoding, replace bool) error {
	data, err := EncodeKey(key, enc)
	if err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return atomicfile.WriteFiles(atomicfile.Options{Force: replace}, atomicfile.OutputFile{Path: path, Data: data, Mode: modePrivate})
}
