package inspect

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// MaxSize bounds what File reads and Inspect accepts: far
// more than any chain, CRL or key an engine or proxy holds, small enough to
// refuse a device or a disk image at once.
const MaxSize = 16 << 20

// Kind says what an inspected object is. The values are those of the
// "kind" field of the JSON that `pkienroll inspect --json` prints (docs/cli.md).
type Kind string

// The kinds of object Inspect finds.
const (
	KindCertificate Kind = "certificate"
	KindRequest     Kind = "request"
	KindCRL         Kind = "crl"
	KindPrivateKey  Kind = "private_key"
	KindPublicKey   Kind = "public_key"
)

// ValidityStatus says where "now" falls in a certificate's validity period.
type ValidityStatus string

// The validity statuses of a certificate.
const (
	ValidityNotYetValid ValidityStatus = "not_yet_valid"
	ValidityValid       ValidityStatus = "valid"
	ValidityExpired     ValidityStatus = "expired"
)

// Options tunes Inspect.
type Options struct {
	// Now is the time validity and "time left" are judged against; the zero
	// value means time.Now(). Tests pin it so that output is reproducible.
	Now time.Time
}

// Result is what Inspect found in one input, in the order it appears.
type Result struct {
	// Now is the time TimeLeft and Status were computed against, in UTC.
	Now     time.Time
	Objects []Object
}

// Object is one certificate, request, CRL or key. Kind says which of the
// pointers is set; the others are nil.
type Object struct {
	Kind Kind
	// PEMType is the type of the PEM block the object came from
	// ("CERTIFICATE", "RSA PRIVATE KEY", ...), "" when the input was DER.
	PEMType     string
	Certificate *CertificateInfo
	Request     *RequestInfo
	CRL         *CRLInfo
	// Key describes a private key (KindPrivateKey) or a public key
	// (KindPublicKey). It never holds private material.
	Key *KeyInfo
}

// CertificateInfo describes a certificate.
type CertificateInfo struct {
	Subject, Issuer dn.Name
	Serial          *big.Int
	NotBefore       time.Time
	NotAfter        time.Time
	// TimeLeft is NotAfter minus Result.Now, negative once expired.
	TimeLeft time.Duration
	Status   ValidityStatus
	// SelfSigned is true when the issuer is the subject and the signature
	// verifies with the certificate's own key, as for a root CA.
	SelfSigned         bool
	PublicKey          PublicKeyInfo
	SignatureAlgorithm string
	Extensions         ExtensionsInfo
	// SHA256 is the fingerprint of the DER certificate, the one
	// `openssl x509 -fingerprint -sha256` prints.
	SHA256 []byte
}

// RequestInfo describes a certificate signing request.
type RequestInfo struct {
	Subject            dn.Name
	PublicKey          PublicKeyInfo
	SignatureAlgorithm string
	// SignatureValid reports whether the request is signed by the key it
	// carries.
	SignatureValid bool
	// SignatureNotChecked, when not empty, is why the signature could not
	// be checked (an algorithm Go's x509 does not implement or refuses as
	// insecure); SignatureValid is then false, but the signature may be
	// sound.
	SignatureNotChecked string
	// Extensions are the extensions the request asks for. A signer decides
	// what it copies: pkienroll copies only the alternative names.
	Extensions ExtensionsInfo
}

// CRLInfo describes a certificate revocation list.
type CRLInfo struct {
	Issuer     dn.Name
	ThisUpdate time.Time
	// NextUpdate is zero when the CRL has none.
	NextUpdate time.Time
	// TimeLeft is NextUpdate minus Result.Now, negative once the CRL
	// is overdue; zero when there is no NextUpdate.
	TimeLeft time.Duration
	// Number is the CRL number extension, nil when absent.
	Number             *big.Int
	AuthorityKeyID     []byte
	SignatureAlgorithm string
	Revoked            []RevokedInfo
	// SHA256 is the fingerprint of the DER CRL.
	SHA256 []byte
}

// RevokedInfo is one entry of a CRL.
type RevokedInfo struct {
	Serial    *big.Int
	RevokedAt time.Time
	// Reason is openssl's name of the reason code (keyCompromise, ...), ""
	// when the entry has none.
	Reason string
}

// KeyInfo describes a private or public key file.
type KeyInfo struct {
	// Format is the encoding: "PKCS#8", "PKCS#1", "SEC 1" for private keys,
	// "SubjectPublicKeyInfo" or "PKCS#1" for public keys.
	Format string
	// Encrypted keys are described without being decrypted: for an
	// encrypted PKCS#8 key only the cipher is known (PublicKey.Algorithm is
	// "encrypted private key"), for legacy PEM the algorithm and the cipher.
	Encrypted bool
	// Cipher is the encryption of an encrypted key ("AES-256-CBC"), as far
	// as it can be read without the passphrase.
	Cipher string
	// PublicKey describes the key; its SHA256 is empty when the key is
	// encrypted.
	PublicKey PublicKeyInfo
}

// EncryptedKeyType is the PublicKeyInfo.Algorithm of an encrypted PKCS#8
// key, whose algorithm cannot be known without the passphrase.
const EncryptedKeyType = "encrypted private key"

// PublicKeyInfo describes a public key.
type PublicKeyInfo struct {
	// Algorithm is "RSA", "EC", "Ed25519", "X25519", or EncryptedKeyType.
	Algorithm string
	// Bits is the key size: the modulus of an RSA key, the field of an EC
	// key; zero when unknown.
	Bits int
	// Curve is the NIST name of an EC key's curve ("P-256").
	Curve string
	// SHA256 is the fingerprint of the DER SubjectPublicKeyInfo, the same
	// for a key, its request and its certificate.
	SHA256 []byte
}

// ExtensionsInfo is what the extensions of a certificate or request say.
// Pointers are nil when the extension is absent.
type ExtensionsInfo struct {
	SANs             pki.SANs
	KeyUsage         *UsageInfo
	ExtKeyUsage      *UsageInfo
	BasicConstraints *BasicConstraintsInfo
	SubjectKeyID     []byte
	AuthorityKeyID   []byte
	// All lists every extension in the order of the encoding.
	All []ExtensionInfo
}

// UsageInfo is a key usage or extended key usage extension: openssl's names
// (digitalSignature, serverAuth, ...), or dotted OIDs for extended usages it
// has no name for.
type UsageInfo struct {
	Usages   []string
	Critical bool
}

// BasicConstraintsInfo is a basic constraints extension.
type BasicConstraintsInfo struct {
	CA bool
	// MaxPathLen is the path length constraint, -1 when there is none.
	MaxPathLen int
	Critical   bool
}

// ExtensionInfo names one extension.
type ExtensionInfo struct {
	OID string
	// Name is openssl's short name (keyUsage, subjectAltName, ...), or the
	// OID when it has none here.
	Name     string
	Critical bool
}

// File describes the certificates, requests, CRLs and keys in path
// (see Inspect). Errors name the path.
func File(path string, opts Options) (*Result, error) {
	data, err := safefile.ReadLimited(path, MaxSize, false)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	in, err := Bytes(data, opts)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	return in, nil
}

// Inspect describes the certificates, requests, CRLs and keys in data: one
// DER object, or every block of PEM text (text between blocks is ignored,
// an "EC PARAMETERS" block is skipped). Private keys are described by their
// public half only; encrypted keys are not decrypted. Anything Inspect
// cannot describe gives an error wrapping ErrNotInspectable.
func Bytes(data []byte, opts Options) (*Result, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	in := &Result{Now: now.UTC()}
	switch {
	case len(data) > MaxSize:
		return nil, fmt.Errorf("larger than %d bytes", MaxSize)
	case len(bytes.TrimSpace(data)) == 0:
		return nil, fmt.Errorf("empty: %w", ErrNotInspectable)
	case bytes.Contains(data, []byte("-----BEGIN ")):
		objs, err := inspectPEM(data, in.Now)
		if err != nil {
			return nil, err
		}
		in.Objects = objs
	default:
		obj, err := inspectDER(data, in.Now)
		if err != nil {
			return nil, err
		}
		in.Objects = []Object{obj}
	}
	return in, nil
}

func inspectPEM(data []byte, now time.Time) ([]Object, error) {
	var objs []Object
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			// pem.Decode gives up on a block without its END line or
			// with broken base64 and leaves it in rest.
			if bytes.Contains(rest, []byte("-----BEGIN ")) {
				return nil, fmt.Errorf("PEM block %d is truncated or not valid base64: %w", n+1, ErrNotInspectable)
			}
			break
		}
		n++
		if block.Type == "EC PARAMETERS" {
			continue
		}
		obj, err := inspectBlock(block, now)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d %q: %w", n, block.Type, err)
		}
		obj.PEMType = block.Type
		objs = append(objs, obj)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("no PEM block but EC parameters: %w", ErrNotInspectable)
	}
	return objs, nil
}

// malformed is the error for a block of a known type that does not parse;
// the caller names the block.
func malformed(err error) error {
	return fmt.Errorf("does not parse (%v): %w", err, ErrNotInspectable)
}

func inspectBlock(block *pem.Block, now time.Time) (Object, error) {
	der := block.Bytes
	encrypted := block.Headers["Proc-Type"] == "4,ENCRYPTED"
	switch block.Type {
	case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
		cert, err := x509.ParseCertificate(certificateDER(block))
		if err != nil {
			return Object{}, malformed(err)
		}
		return Object{Kind: KindCertificate, Certificate: describeCertificate(cert, now)}, nil
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		csr, err := x509.ParseCertificateRequest(der)
		if err != nil {
			return Object{}, malformed(err)
		}
		return Object{Kind: KindRequest, Request: describeRequest(csr)}, nil
	case "X509 CRL":
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return Object{}, malformed(err)
		}
		return Object{Kind: KindCRL, CRL: describeCRL(crl, now)}, nil
	case "ENCRYPTED PRIVATE KEY":
		return Object{Kind: KindPrivateKey, Key: describeEncryptedPKCS8(der)}, nil
	case "RSA PRIVATE KEY", "EC PRIVATE KEY":
		if encrypted {
			return Object{Kind: KindPrivateKey, Key: describeLegacyEncrypted(block)}, nil
		}
		key, err := parsePrivateKeyDER(block.Type, der)
		if err != nil {
			return Object{}, malformed(err)
		}
		return Object{Kind: KindPrivateKey, Key: key}, nil
	case "PRIVATE KEY":
		key, err := parsePrivateKeyDER(block.Type, der)
		if err != nil {
			return Object{}, malformed(err)
		}
		return Object{Kind: KindPrivateKey, Key: key}, nil
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		key, err := parsePublicKeyDER(block.Type, der)
		if err != nil {
			return Object{}, malformed(err)
		}
		return Object{Kind: KindPublicKey, Key: key}, nil
	}
	return Object{}, ErrNotInspectable
}

// inspectDER tries each kind in turn: a DER file carries no label, and each
// parser insists on its exact structure, so at most one of them accepts it.
func inspectDER(der []byte, now time.Time) (Object, error) {
	if der[0] != 0x30 { // every object here is a SEQUENCE
		return Object{}, ErrNotInspectable
	}
	if cert, err := x509.ParseCertificate(der); err == nil {
		return Object{Kind: KindCertificate, Certificate: describeCertificate(cert, now)}, nil
	}
	if crl, err := x509.ParseRevocationList(der); err == nil {
		return Object{Kind: KindCRL, CRL: describeCRL(crl, now)}, nil
	}
	if csr, err := x509.ParseCertificateRequest(der); err == nil {
		return Object{Kind: KindRequest, Request: describeRequest(csr)}, nil
	}
	for _, format := range []string{"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"} {
		if key, err := parsePrivateKeyDER(format, der); err == nil {
			return Object{Kind: KindPrivateKey, Key: key}, nil
		}
	}
	for _, format := range []string{"PUBLIC KEY", "RSA PUBLIC KEY"} {
		if key, err := parsePublicKeyDER(format, der); err == nil {
			return Object{Kind: KindPublicKey, Key: key}, nil
		}
	}
	if isEncryptedPKCS8(der) {
		return Object{Kind: KindPrivateKey, Key: describeEncryptedPKCS8(der)}, nil
	}
	if isPKCS12(der) {
		return Object{}, ErrPKCS12
	}
	return Object{}, ErrNotInspectable
}

// certificateDER is the certificate of a certificate PEM block. For a
// "TRUSTED CERTIFICATE" (`openssl x509 -trustout`) that is the leading
// SEQUENCE: openssl writes the X509_AUX trust settings after it.
func certificateDER(block *pem.Block) []byte {
	if block.Type == "TRUSTED CERTIFICATE" {
		var first asn1.RawValue
		if _, err := asn1.Unmarshal(block.Bytes, &first); err == nil {
			return first.FullBytes
		}
	}
	return block.Bytes
}
