package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// maxCertFileSize bounds what we read as a certificate file.
const maxCertFileSize = 1 << 20

// ParseCertificate decodes the first certificate in data, PEM or DER.
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE" && block.Type != "TRUSTED CERTIFICATE" && block.Type != "X509 CERTIFICATE" {
			return nil, fmt.Errorf("PEM block is %q, not a \"CERTIFICATE\": %w", block.Type, ErrNotCertificate)
		}
		der = block.Bytes
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
