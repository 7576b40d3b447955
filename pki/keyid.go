package pki

import (
	"crypto"
	"crypto/sha1" //nolint:gosec // RFC 5280 method 1 key identifier, not a signature
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// subjectKeyID is the RFC 5280 (4.2.1.2, method 1) key identifier: the
// SHA-1 of the subjectPublicKey bits, what openssl's
// `subjectKeyIdentifier = hash` writes.
//
// x509util.GenerateSubjectKeyID computes the same, but importing x509util
// links text/template and sprig into the command and costs every
// `pkienroll` process about two milliseconds of start-up (docs/performance.md).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("subject key identifier: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("subject key identifier: %w", err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}
