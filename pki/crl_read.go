package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// maxCRLFileSize bounds what we read as a CRL. The engine's CRLs are a few
// KB; a large public CA's reach megabytes, which is still far below this.
const maxCRLFileSize = 16 << 20

// ParseCertificates decodes every certificate in data: all the
// "CERTIFICATE" blocks of a PEM bundle, in order, or one DER certificate.
// "TRUSTED CERTIFICATE" blocks count, their trust settings ignored. Other
// PEM blocks (a key, a CRL) are skipped, as openssl's -CAfile skips
// them; data without any certificate gives ErrNotCertificate.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	if !bytes.Contains(data, []byte("-----BEGIN ")) {
		cert, err := ParseCertificate(data)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{cert}, nil
	}
	var certs []*x509.Certificate
	var skipped []string
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if !isCertificateBlock(block.Type) {
			skipped = append(skipped, fmt.Sprintf("%q", block.Type))
			continue
		}
		cert, err := x509.ParseCertificate(certificateDER(block))
		if err != nil {
			return nil, fmt.Errorf("certificate %d: malformed certificate: %w", len(certs)+1, ErrNotCertificate)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		if len(skipped) > 0 {
			return nil, fmt.Errorf("no \"CERTIFICATE\" PEM block, only %s: %w", strings.Join(skipped, ", "), ErrNotCertificate)
		}
		return nil, fmt.Errorf("no PEM certificate found: %w", ErrNotCertificate)
	}
	return certs, nil
}

// ReadCertificates reads every certificate in path (see ParseCertificates),
// such as a CA file holding a root and its intermediates.
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := readFileLimited(path, maxCertFileSize, false)
	if err != nil {
		return nil, fmt.Errorf("read certificates %s: %w", path, err)
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("read certificates %s: %w", path, err)
	}
	return certs, nil
}

// ParseCRL decodes a certificate revocation list, PEM ("X509 CRL", what
// `openssl ca -gencrl` writes) or DER (what CRL distribution points serve).
// Anything else gives ErrNotCRL. The signature is not checked here: only
// the caller knows which CA the CRL must come from.
func ParseCRL(data []byte) (*x509.RevocationList, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "X509 CRL" {
			return nil, fmt.Errorf("PEM block is %q, not an \"X509 CRL\": %w", block.Type, ErrNotCRL)
		}
		der = block.Bytes
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("malformed CRL: %w", ErrNotCRL)
	}
	return crl, nil
}

// ReadCRL reads the CRL in path (see ParseCRL).
func ReadCRL(path string) (*x509.RevocationList, error) {
	data, err := readFileLimited(path, maxCRLFileSize, false)
	if err != nil {
		return nil, fmt.Errorf("read CRL %s: %w", path, err)
	}
	crl, err := ParseCRL(data)
	if err != nil {
		return nil, fmt.Errorf("read CRL %s: %w", path, err)
	}
	return crl, nil
}
