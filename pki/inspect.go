package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// MaxInspectSize bounds what InspectFile reads and Inspect accepts: far
// more than any chain, CRL or key an engine or proxy holds, small enough to
// refuse a device or a disk image at once.
const MaxInspectSize = 16 << 20

// ErrNotInspectable reports input that Inspect cannot describe: not PEM or
// DER, a PEM block of a type it does not know, a truncated or malformed
// block.
var ErrNotInspectable = errors.New("not a certificate, request, CRL or key")

// ObjectKind says what an inspected object is. The values are those of the
// "kind" field of inspect's JSON (docs/cli-inspect.md).
type ObjectKind string

// The kinds of object Inspect finds.
const (
	KindCertificate ObjectKind = "certificate"
	KindRequest     ObjectKind = "request"
	KindCRL         ObjectKind = "crl"
	KindPrivateKey  ObjectKind = "private_key"
	KindPublicKey   ObjectKind = "public_key"
)

// ValidityStatus says where "now" falls in a certificate's validity period.
type ValidityStatus string

// The validity statuses of a certificate.
const (
	ValidityNotYetValid ValidityStatus = "not_yet_valid"
	ValidityValid       ValidityStatus = "valid"
	ValidityExpired     ValidityStatus = "expired"
)

// InspectOptions tunes Inspect.
type InspectOptions struct {
	// Now is the time validity and "time left" are judged against; the zero
	// value means time.Now(). Tests pin it so that output is reproducible.
	Now time.Time
}

// Inspection is what Inspect found in one input, in the order it appears.
type Inspection struct {
	// Now is the time TimeLeft and Status were computed against, in UTC.
	Now     time.Time
	Objects []Object
}

// Object is one certificate, request, CRL or key. Kind says which of the
// pointers is set; the others are nil.
type Object struct {
	Kind ObjectKind
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
	Subject, Issuer Name
	Serial          *big.Int
	NotBefore       time.Time
	NotAfter        time.Time
	// TimeLeft is NotAfter minus Inspection.Now, negative once expired.
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
	Subject            Name
	PublicKey          PublicKeyInfo
	SignatureAlgorithm string
	// SignatureValid reports whether the request is signed by the key it
	// carries.
	SignatureValid bool
	// Extensions are the extensions the request asks for. A signer decides
	// what it copies: pkienroll copies only the alternative names.
	Extensions ExtensionsInfo
}

// CRLInfo describes a certificate revocation list.
type CRLInfo struct {
	Issuer     Name
	ThisUpdate time.Time
	// NextUpdate is zero when the CRL has none.
	NextUpdate time.Time
	// TimeLeft is NextUpdate minus Inspection.Now, negative once the CRL
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
	SANs             SANs
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

// InspectFile describes the certificates, requests, CRLs and keys in path
// (see Inspect). Errors name the path.
func InspectFile(path string, opts InspectOptions) (*Inspection, error) {
	data, err := readFileLimited(path, MaxInspectSize, false)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	in, err := Inspect(data, opts)
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
func Inspect(data []byte, opts InspectOptions) (*Inspection, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	in := &Inspection{Now: now.UTC()}
	switch {
	case len(data) > MaxInspectSize:
		return nil, fmt.Errorf("larger than %d bytes", MaxInspectSize)
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
		if block.Type == "TRUSTED CERTIFICATE" {
			// openssl appends its trust settings after the certificate.
			var first asn1.RawValue
			if _, err := asn1.Unmarshal(der, &first); err == nil {
				der = first.FullBytes
			}
		}
		cert, err := x509.ParseCertificate(der)
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
	return Object{}, ErrNotInspectable
}

func describeCertificate(c *x509.Certificate, now time.Time) *CertificateInfo {
	info := &CertificateInfo{
		Subject:            inspectedName(c.RawSubject, c.Subject),
		Issuer:             inspectedName(c.RawIssuer, c.Issuer),
		Serial:             c.SerialNumber,
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		TimeLeft:           c.NotAfter.Sub(now),
		PublicKey:          describePublicKey(c.PublicKey, c.RawSubjectPublicKeyInfo, c.PublicKeyAlgorithm.String()),
		SignatureAlgorithm: signatureAlgorithmName(c.SignatureAlgorithm),
		Extensions:         describeExtensions(c.Extensions, SANsOf(c.DNSNames, c.IPAddresses, c.EmailAddresses, c.URIs)),
		SHA256:             sha256Sum(c.Raw),
	}
	switch {
	case now.Before(c.NotBefore):
		info.Status = ValidityNotYetValid
	case now.After(c.NotAfter):
		info.Status = ValidityExpired
	default:
		info.Status = ValidityValid
	}
	info.SelfSigned = bytes.Equal(c.RawSubject, c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
	return info
}

func describeRequest(r *x509.CertificateRequest) *RequestInfo {
	return &RequestInfo{
		Subject:            inspectedName(r.RawSubject, r.Subject),
		PublicKey:          describePublicKey(r.PublicKey, r.RawSubjectPublicKeyInfo, r.PublicKeyAlgorithm.String()),
		SignatureAlgorithm: signatureAlgorithmName(r.SignatureAlgorithm),
		SignatureValid:     r.CheckSignature() == nil,
		Extensions:         describeExtensions(r.Extensions, SANsOf(r.DNSNames, r.IPAddresses, r.EmailAddresses, r.URIs)),
	}
}

var (
	oidCRLReason   = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidBasicConstr = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidSubjectKey  = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAuthKey     = asn1.ObjectIdentifier{2, 5, 29, 35}
)

func describeCRL(crl *x509.RevocationList, now time.Time) *CRLInfo {
	info := &CRLInfo{
		Issuer:             inspectedName(crl.RawIssuer, crl.Issuer),
		ThisUpdate:         crl.ThisUpdate.UTC(),
		Number:             crl.Number,
		AuthorityKeyID:     crl.AuthorityKeyId,
		SignatureAlgorithm: signatureAlgorithmName(crl.SignatureAlgorithm),
		Revoked:            make([]RevokedInfo, 0, len(crl.RevokedCertificateEntries)),
		SHA256:             sha256Sum(crl.Raw),
	}
	if !crl.NextUpdate.IsZero() {
		info.NextUpdate = crl.NextUpdate.UTC()
		info.TimeLeft = crl.NextUpdate.Sub(now)
	}
	for _, e := range crl.RevokedCertificateEntries {
		r := RevokedInfo{Serial: e.SerialNumber, RevokedAt: e.RevocationTime.UTC()}
		// A zero ReasonCode is also what an entry without a reason gives.
		for _, ext := range e.Extensions {
			if ext.Id.Equal(oidCRLReason) {
				r.Reason = crlReasonName(e.ReasonCode)
			}
		}
		info.Revoked = append(info.Revoked, r)
	}
	return info
}

// crlReasonName is openssl's name for an RFC 5280 reason code.
func crlReasonName(code int) string {
	names := []string{"unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", "", "removeFromCRL",
		"privilegeWithdrawn", "AACompromise"}
	if code >= 0 && code < len(names) && names[code] != "" {
		return names[code]
	}
	return fmt.Sprintf("reason(%d)", code)
}

// inspectedName keeps the encoded order and values of a name; a name our parser
// refuses (an unusual string type) is still shown, from crypto/x509's view.
func inspectedName(raw []byte, parsed pkix.Name) Name {
	if n, err := ParseDERName(raw); err == nil {
		return n
	}
	var n Name
	for _, atv := range parsed.Names {
		n = append(n, RDN{{Type: atv.Type, Value: fmt.Sprint(atv.Value)}})
	}
	return n
}

func sha256Sum(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// describePublicKey describes pub; spki is its DER SubjectPublicKeyInfo,
// marshalled from pub when nil, and algorithm names a key crypto/x509
// parses but we do not describe (DSA).
func describePublicKey(pub crypto.PublicKey, spki []byte, algorithm string) PublicKeyInfo {
	var info PublicKeyInfo
	switch k := pub.(type) {
	case *rsa.PublicKey:
		info.Algorithm, info.Bits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		info.Algorithm, info.Bits, info.Curve = "EC", k.Curve.Params().BitSize, k.Curve.Params().Name
	case ed25519.PublicKey:
		info.Algorithm, info.Bits = "Ed25519", 256
	case *ecdh.PublicKey:
		info.Algorithm = strings.TrimPrefix(fmt.Sprint(k.Curve()), "ecdh.")
		if info.Algorithm == "X25519" {
			info.Bits = 256
		}
	default:
		info.Algorithm = algorithm
		if algorithm == "" {
			info.Algorithm = "unknown"
		}
	}
	if spki == nil {
		spki, _ = x509.MarshalPKIXPublicKey(pub)
	}
	if spki != nil {
		info.SHA256 = sha256Sum(spki)
	}
	return info
}

// parsePrivateKeyDER reads an unencrypted private key in the format its
// PEM type names and keeps only the public half.
func parsePrivateKeyDER(pemType string, der []byte) (*KeyInfo, error) {
	var key any
	var err error
	var format string
	switch pemType {
	case "RSA PRIVATE KEY":
		format = "PKCS#1"
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		format = "SEC 1"
		key, err = x509.ParseECPrivateKey(der)
	default:
		format = "PKCS#8"
		key, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(interface{ Public() crypto.PublicKey })
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
	return &KeyInfo{Format: format, PublicKey: describePublicKey(signer.Public(), nil, "")}, nil
}

func parsePublicKeyDER(pemType string, der []byte) (*KeyInfo, error) {
	if pemType == "RSA PUBLIC KEY" {
		pub, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			return nil, err
		}
		return &KeyInfo{Format: "PKCS#1", PublicKey: describePublicKey(pub, nil, "")}, nil
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	return &KeyInfo{Format: "SubjectPublicKeyInfo", PublicKey: describePublicKey(pub, der, "")}, nil
}

// describeLegacyEncrypted reads what the headers of an OpenSSL 1.x
// encrypted PEM key tell: the algorithm (from the block type) and the
// cipher (from DEK-Info). The body is not decrypted.
func describeLegacyEncrypted(block *pem.Block) *KeyInfo {
	info := &KeyInfo{Format: "PKCS#1", Encrypted: true, PublicKey: PublicKeyInfo{Algorithm: "RSA"}}
	if block.Type == "EC PRIVATE KEY" {
		info.Format, info.PublicKey.Algorithm = "SEC 1", "EC"
	}
	info.Cipher, _, _ = strings.Cut(block.Headers["DEK-Info"], ",")
	return info
}

// encryptedPrivateKeyInfo and pbes2Params are the parts of RFC 5958 and
// RFC 8018 that name the cipher; crypto/x509 does not decode them and
// pemutil only does so to decrypt.
type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbes2Params struct {
	KeyDerivation pkix.AlgorithmIdentifier
	Encryption    pkix.AlgorithmIdentifier
}

var oidPBES2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}

// pkcs8Ciphers names the encryption schemes of PKCS#8 keys as DEK-Info
// names them: PBES2's ciphers and the PKCS#12 PBE schemes.
var pkcs8Ciphers = map[string]string{
	"2.16.840.1.101.3.4.1.2":  "AES-128-CBC",
	"2.16.840.1.101.3.4.1.22": "AES-192-CBC",
	"2.16.840.1.101.3.4.1.42": "AES-256-CBC",
	"1.2.840.113549.3.7":      "DES-EDE3-CBC",
	"1.2.840.113549.1.5.3":    "PBE-MD5-DES",
	"1.2.840.113549.1.5.10":   "PBE-SHA1-DES",
	"1.2.840.113549.1.12.1.1": "PBE-SHA1-RC4-128",
	"1.2.840.113549.1.12.1.3": "PBE-SHA1-3DES",
	"1.2.840.113549.1.12.1.4": "PBE-SHA1-2DES",
	"1.2.840.113549.1.12.1.5": "PBE-SHA1-RC2-128",
	"1.2.840.113549.1.12.1.6": "PBE-SHA1-RC2-40",
}

// isEncryptedPKCS8 reports whether der is an EncryptedPrivateKeyInfo with
// an encryption scheme we can name: without a label, a bare SEQUENCE of an
// algorithm and an OCTET STRING is too weak a sign.
func isEncryptedPKCS8(der []byte) bool {
	var epki encryptedPrivateKeyInfo
	rest, err := asn1.Unmarshal(der, &epki)
	if err != nil || len(rest) != 0 {
		return false
	}
	_, known := pkcs8Ciphers[epki.Algorithm.Algorithm.String()]
	return known || epki.Algorithm.Algorithm.Equal(oidPBES2)
}

// describeEncryptedPKCS8 names the cipher of an encrypted PKCS#8 key
// without decrypting it; the key's own algorithm is inside the ciphertext.
func describeEncryptedPKCS8(der []byte) *KeyInfo {
	info := &KeyInfo{Format: "PKCS#8", Encrypted: true, PublicKey: PublicKeyInfo{Algorithm: EncryptedKeyType}}
	var epki encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &epki); err != nil {
		return info
	}
	scheme := epki.Algorithm.Algorithm
	if scheme.Equal(oidPBES2) {
		var params pbes2Params
		if _, err := asn1.Unmarshal(epki.Algorithm.Parameters.FullBytes, &params); err != nil {
			return info
		}
		scheme = params.Encryption.Algorithm
	}
	if name, ok := pkcs8Ciphers[scheme.String()]; ok {
		info.Cipher = name
	} else {
		info.Cipher = scheme.String()
	}
	return info
}

// extensionNames are openssl's short names of the extensions a proxy, a CA
// or a public TLS certificate carries.
var extensionNames = map[string]string{
	"2.5.29.14":               "subjectKeyIdentifier",
	"2.5.29.15":               "keyUsage",
	"2.5.29.17":               "subjectAltName",
	"2.5.29.18":               "issuerAltName",
	"2.5.29.19":               "basicConstraints",
	"2.5.29.20":               "crlNumber",
	"2.5.29.30":               "nameConstraints",
	"2.5.29.31":               "crlDistributionPoints",
	"2.5.29.32":               "certificatePolicies",
	"2.5.29.35":               "authorityKeyIdentifier",
	"2.5.29.37":               "extendedKeyUsage",
	"1.3.6.1.5.5.7.1.1":       "authorityInfoAccess",
	"1.3.6.1.5.5.7.1.24":      "tlsfeature",
	"1.3.6.1.4.1.11129.2.4.2": "ct_precert_scts",
	"1.3.6.1.4.1.11129.2.4.3": "ct_precert_poison",
	"2.16.840.1.113730.1.1":   "nsCertType",
	"2.16.840.1.113730.1.13":  "nsComment",
}

// describeExtensions decodes the usages and identifiers of a certificate
// or request with encoding/asn1: crypto/x509 decodes them for
// certificates but not for requests, and not their criticality.
func describeExtensions(exts []pkix.Extension, sans SANs) ExtensionsInfo {
	info := ExtensionsInfo{SANs: sans, All: make([]ExtensionInfo, 0, len(exts))}
	for _, e := range exts {
		oid := e.Id.String()
		name := extensionNames[oid]
		if name == "" {
			name = oid
		}
		info.All = append(info.All, ExtensionInfo{OID: oid, Name: name, Critical: e.Critical})
		switch {
		case e.Id.Equal(oidKeyUsage):
			var bits asn1.BitString
			if _, err := asn1.Unmarshal(e.Value, &bits); err == nil {
				var ku x509.KeyUsage
				for i := 0; i < bits.BitLength; i++ {
					ku |= x509.KeyUsage(bits.At(i) << i)
				}
				info.KeyUsage = &UsageInfo{Usages: keyUsageList(ku), Critical: e.Critical}
			}
		case e.Id.Equal(oidExtKeyUsage):
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(e.Value, &oids); err == nil {
				u := &UsageInfo{Usages: make([]string, 0, len(oids)), Critical: e.Critical}
				for _, o := range oids {
					u.Usages = append(u.Usages, ekuName(o))
				}
				info.ExtKeyUsage = u
			}
		case e.Id.Equal(oidBasicConstr):
			var bc struct {
				CA         bool `asn1:"optional"`
				MaxPathLen int  `asn1:"optional,default:-1"`
			}
			if _, err := asn1.Unmarshal(e.Value, &bc); err == nil {
				info.BasicConstraints = &BasicConstraintsInfo{CA: bc.CA, MaxPathLen: bc.MaxPathLen, Critical: e.Critical}
			}
		case e.Id.Equal(oidSubjectKey):
			var id []byte
			if _, err := asn1.Unmarshal(e.Value, &id); err == nil {
				info.SubjectKeyID = id
			}
		case e.Id.Equal(oidAuthKey):
			var aki struct {
				ID []byte `asn1:"optional,tag:0"`
			}
			if _, err := asn1.Unmarshal(e.Value, &aki); err == nil && len(aki.ID) > 0 {
				info.AuthorityKeyID = aki.ID
			}
		}
	}
	return info
}

// keyUsageList names the bits of ku in the order of the encoding.
func keyUsageList(ku x509.KeyUsage) []string {
	names := []string{}
	for _, n := range keyUsageNames {
		if ku&n.usage != 0 {
			names = append(names, n.name)
		}
	}
	return names
}

// ekuName is openssl's short name for oid, else the dotted OID.
func ekuName(oid asn1.ObjectIdentifier) string {
	for _, n := range extKeyUsageNames {
		if n.oid.Equal(oid) {
			return n.name
		}
	}
	return oid.String()
}

// signatureAlgorithmName is openssl's name for a signature algorithm, as
// `openssl x509 -text` prints it.
func signatureAlgorithmName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return "rsassaPss"
	case x509.ECDSAWithSHA1:
		return "ecdsa-with-SHA1"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.PureEd25519:
		return "ED25519"
	}
	return a.String()
}
