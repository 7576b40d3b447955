package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pkienroll/pkienroll/pki/dn"
)

// maxRequestSize bounds what we read as a request; real ones are ~1 KB.
const maxRequestSize = 64 << 10

// RequestTemplate is what a new certificate signing request says.
type RequestTemplate struct {
	// Subject is encoded exactly, attribute by attribute, in this order.
	Subject dn.Name
	// SANs are the alternative names asked for. When empty and
	// NoDefaultSAN is false, the CN is added as a DNS name or IP address
	// when it is one.
	SANs SANs
	// NoDefaultSAN turns off adding the CN as an alternative name.
	NoDefaultSAN bool
}

// CreateRequest makes a SHA-256 signed certificate signing request for key,
// in DER. Its names must pass the rules signing applies (SANs.Validate, and
// a CN that looks like a host name must be one), so that a request made
// here is never refused for its names.
func CreateRequest(key crypto.Signer, t RequestTemplate) ([]byte, error) {
	if err := t.Subject.Validate(); err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	if err := checkSubjectNames(t.Subject); err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	if err := t.SANs.Validate(); err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	if key == nil {
		return nil, fmt.Errorf("create request: no key to sign it with: %w", ErrNotKey)
	}
	if err := ValidatePublicKey(key.Public()); err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	rawSubject, err := t.Subject.MarshalDER()
	if err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	sans := t.SANs
	if sans.Empty() && !t.NoDefaultSAN {
		sans = SANsForCommonName(t.Subject.CommonName())
	}
	tmpl := &x509.CertificateRequest{
		RawSubject:         rawSubject,
		SignatureAlgorithm: signatureAlgorithm(key.Public()),
		DNSNames:           sans.DNSNames,
		IPAddresses:        sans.IPAddresses,
		EmailAddresses:     sans.EmailAddresses,
		URIs:               sans.URIs,
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	return der, nil
}

// EncodeRequestPEM wraps a DER request in a "CERTIFICATE REQUEST" PEM block.
func EncodeRequestPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// ParseRequest decodes a certificate signing request in PEM ("CERTIFICATE
// REQUEST" or the older "NEW CERTIFICATE REQUEST") or DER, and checks what a
// signer must be able to rely on: the request is signed by the key it
// carries, the key is strong enough, and the subject is a valid name or
// empty. An empty subject is what `openssl req -subj /` makes, as the
// engine's pki-enroll-pkcs12.sh does, leaving the subject to the signer.
func ParseRequest(data []byte) (*x509.CertificateRequest, error) {
	return parseRequest(data, true)
}

// parseRequest is ParseRequest; without checkSubject the request's subject
// is not looked at (the signer replaces it).
func parseRequest(data []byte, checkSubject bool) (*x509.CertificateRequest, error) {
	if len(data) > maxRequestSize {
		return nil, fmt.Errorf("larger than %d bytes: %w", maxRequestSize, ErrBadRequest)
	}
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
			return nil, fmt.Errorf("PEM block is %q, not a \"CERTIFICATE REQUEST\": %w", block.Type, ErrBadRequest)
		}
		der = block.Bytes
	} else if bytes.Contains(data, []byte("-----BEGIN")) || len(data) == 0 || data[0] != 0x30 {
		return nil, fmt.Errorf("neither a PEM \"CERTIFICATE REQUEST\" block nor DER: %w", ErrBadRequest)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("malformed request: %w", ErrBadRequest)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, requestSignatureError(csr, err)
	}
	if err := ValidatePublicKey(csr.PublicKey); err != nil {
		return nil, err
	}
	if !checkSubject {
		return csr, nil
	}
	subject, err := dn.ParseDER(csr.RawSubject)
	if err != nil {
		return nil, err
	}
	if len(subject) == 0 {
		return csr, nil
	}
	if err := subject.Validate(); err != nil {
		return nil, err
	}
	return csr, nil
}

// ReadRequest reads and checks the request in path (see ParseRequest).
func ReadRequest(path string) (*x509.CertificateRequest, error) {
	data, err := readFileLimited(path, maxRequestSize, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = ErrNoRequest
		}
		return nil, fmt.Errorf("read request %s: %w", path, err)
	}
	csr, err := ParseRequest(data)
	if err != nil {
		return nil, fmt.Errorf("read request %s: %w", path, err)
	}
	return csr, nil
}

// signatureAlgorithm is SHA-256 with the key's own algorithm, as the
// engine's scripts use (sha256WithRSAEncryption for RSA keys).
func signatureAlgorithm(pub crypto.PublicKey) x509.SignatureAlgorithm {
	if _, ok := pub.(*ecdsa.PublicKey); ok {
		return x509.ECDSAWithSHA256
	}
	return x509.SHA256WithRSA
}
