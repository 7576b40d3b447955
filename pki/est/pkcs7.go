package est

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/smallstep/pkcs7"
)

// certsOnly encodes certificates as RFC 7030's "certs-only" response: a
// degenerate PKCS#7 SignedData (no content, no signers) holding them, in
// base64. smallstep/pkcs7 builds the structure; it is the fork of
// mozilla's pkcs7 that the step libraries this module already uses keep
// maintained.
func certsOnly(certs []*x509.Certificate) ([]byte, error) {
	var der []byte
	for _, c := range certs {
		der = append(der, c.Raw...)
	}
	p7, err := pkcs7.DegenerateCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("encode certs-only PKCS#7: %w", err)
	}
	return base64Lines(p7), nil
}

// base64Lines is standard base64 in lines of 64 characters, as PEM bodies
// and most EST servers write it; decoders ignore the line breaks.
func base64Lines(der []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(der)
	out := make([]byte, 0, len(enc)+len(enc)/64+1)
	for len(enc) > 64 {
		out = append(out, enc[:64]...)
		out = append(out, '\n')
		enc = enc[64:]
	}
	out = append(out, enc...)
	return append(out, '\n')
}

// decodeBase64Body reads a base64 body as EST clients send it: standard
// alphabet, line breaks and other white space anywhere, padding optional.
func decodeBase64Body(body []byte) ([]byte, error) {
	clean := make([]byte, 0, len(body))
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	for len(clean)%4 != 0 {
		clean = append(clean, '=')
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, fmt.Errorf("body is not base64: %w", err)
	}
	return out[:n], nil
}

// parseCertsOnly reads a certs-only response (base64 or DER) back into
// certificates; the client side and the tests use it.
func parseCertsOnly(body []byte) ([]*x509.Certificate, error) {
	der, err := decodeBase64Body(body)
	if err != nil {
		return nil, err
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("parse certs-only PKCS#7: %w", err)
	}
	if len(p7.Certificates) == 0 {
		return nil, fmt.Errorf("certs-only PKCS#7 holds no certificate")
	}
	return p7.Certificates, nil
}
