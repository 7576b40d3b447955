package pki

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
)

// maxCertFileSize bounds what we read as a certificate file.
const maxCertFileSize = 1 << 20

// isCertificateBlock reports whether a PEM block type holds a certificate:
// "CERTIFICATE", the older "X509 CERTIFICATE", or openssl's "TRUSTED
// CERTIFICATE" (`openssl x509 -trustout`), a certificate followed by its
// trust settings.
func isCertificateBlock(pemType string) bool {
	switch pemType {
	case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
		return true
	}
	return false
}

// certificateDER is the certificate of a certificate PEM block. For a
// "TRUSTED CERTIFICATE" that is the leading SEQUENCE: openssl writes the
// X509_AUX trust settings after it, which pkienroll does not use.
func certificateDER(block *pem.Block) []byte {
	if block.Type == "TRUSTED CERTIFICATE" {
		var first asn1.RawValue
		if _, err := asn1.Unmarshal(block.Bytes, &first); err == nil {
			return first.FullBytes
		}
	}
	return block.Bytes
}

// ParseCertificate decodes the first certificate in data, PEM or DER. The
// PEM block may be a "CERTIFICATE", "X509 CERTIFICATE" or "TRUSTED
// CERTIFICATE" (whose trust settings are ignored).
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if !isCertificateBlock(block.Type) {
			return nil, fmt.Errorf("PEM block is %q, not a \"CERTIFICATE\": %w", block.Type, ErrNotCertificate)
		}
		der = certificateDER(block)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("malformed certificate: %w", ErrNotCertificate)
	}
	return cert, nil
}

// ReadCertificate reads the first certificate in path, PEM or DER.
func ReadCertificate(path string) (*x509.Certificate, error) {
	data, err := readFileLimited(path, maxCertFileSize, false)
	if err != nil {
		return nil, fmt.Errorf("read certificate %s: %w", path, err)
	}
	cert, err := ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("read certificate %s: %w", path, err)
	}
	return cert, nil
}

// EncodeCertificatePEM wraps a DER certificate in a "CERTIFICATE" PEM block.
func EncodeCertificatePEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
