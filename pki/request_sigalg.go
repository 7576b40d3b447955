package pki

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

// requestSignatureError words why csr's signature did not check (err, from
// CheckSignature): a key of a kind pkienroll does not take (an RSASSA-PSS
// key, DSA, Ed448), whose signature Go's x509 cannot check; a signature
// algorithm it refuses as insecure (MD5, MD2) or does not implement
// (RSASSA-PSS with a salt other than the hash's length, as openssl makes
// by default), each named as openssl names it; or a signature that does
// not verify.
func requestSignatureError(csr *x509.CertificateRequest, err error) error {
	var insecure x509.InsecureAlgorithmError
	if errors.Is(err, x509.ErrUnsupportedAlgorithm) {
		if kerr := ValidatePublicKey(csr.PublicKey); kerr != nil {
			switch csr.PublicKey.(type) {
			case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
				return kerr
			}
			return fmt.Errorf("public key algorithm %s is not supported (use RSA or EC P-256/P-384): %w", requestKeyName(csr), ErrWeakKey)
		}
	}
	switch {
	case errors.As(err, &insecure):
		return fmt.Errorf("signature algorithm %s is insecure, not accepted: sign the request with SHA-256 (openssl req -sha256): %w",
			RequestSignatureAlgorithm(csr), ErrBadRequest)
	case errors.Is(err, x509.ErrUnsupportedAlgorithm):
		hint := "sign the request with sha256WithRSAEncryption or ecdsa-with-SHA256 (openssl req's default)"
		if requestSignatureOID(csr).Equal(oidRSAPSS) {
			hint = "RSASSA-PSS is accepted with SHA-256, -384 or -512 and a salt as long as the hash (openssl req -sigopt rsa_pss_saltlen:digest)"
		}
		return fmt.Errorf("signature algorithm %s is not supported: %s: %w", RequestSignatureAlgorithm(csr), hint, ErrBadRequest)
	}
	return fmt.Errorf("signature does not verify (request altered or not signed by its key): %w", ErrBadRequest)
}

// certificationRequest is the outer structure of a request (RFC 2986).
type certificationRequest struct {
	Info      asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

// requestKeyName is openssl's name for the algorithm of csr's public key.
func requestKeyName(csr *x509.CertificateRequest) string {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(csr.RawSubjectPublicKeyInfo, &spki); err != nil {
		return "(unreadable)"
	}
	return oidName(spki.Algorithm.Algorithm)
}

// requestSignatureOID is the OID of csr's signature algorithm, nil when
// it cannot be read.
func requestSignatureOID(csr *x509.CertificateRequest) asn1.ObjectIdentifier {
	var req certificationRequest
	if _, err := asn1.Unmarshal(csr.Raw, &req); err != nil {
		return nil
	}
	return req.Algorithm.Algorithm
}

var oidRSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}

// algorithmNames are openssl's names of the signature, hash and public
// key algorithms, as `openssl req -text` prints them, by OID.
var algorithmNames = map[string]string{
	"1.2.840.113549.1.1.1":    "rsaEncryption",
	"1.2.840.10045.2.1":       "id-ecPublicKey",
	"1.2.840.10040.4.1":       "dsaEncryption",
	"1.3.101.110":             "X25519",
	"1.3.101.111":             "X448",
	"1.2.840.113549.1.1.2":    "md2WithRSAEncryption",
	"1.2.840.113549.1.1.4":    "md5WithRSAEncryption",
	"1.2.840.113549.1.1.5":    "sha1WithRSAEncryption",
	"1.2.840.113549.1.1.10":   "rsassaPss",
	"1.2.840.113549.1.1.11":   "sha256WithRSAEncryption",
	"1.2.840.113549.1.1.12":   "sha384WithRSAEncryption",
	"1.2.840.113549.1.1.13":   "sha512WithRSAEncryption",
	"1.2.840.113549.1.1.14":   "sha224WithRSAEncryption",
	"1.2.840.10040.4.3":       "dsaWithSHA1",
	"2.16.840.1.101.3.4.3.1":  "dsa_with_SHA224",
	"2.16.840.1.101.3.4.3.2":  "dsa_with_SHA256",
	"1.2.840.10045.4.1":       "ecdsa-with-SHA1",
	"1.2.840.10045.4.3.1":     "ecdsa-with-SHA224",
	"1.2.840.10045.4.3.2":     "ecdsa-with-SHA256",
	"1.2.840.10045.4.3.3":     "ecdsa-with-SHA384",
	"1.2.840.10045.4.3.4":     "ecdsa-with-SHA512",
	"1.3.101.112":             "ED25519",
	"1.3.101.113":             "ED448",
	"1.2.156.10197.1.501":     "SM2-with-SM3",
	"1.3.14.3.2.26":           "sha1",
	"2.16.840.1.101.3.4.2.1":  "sha256",
	"2.16.840.1.101.3.4.2.2":  "sha384",
	"2.16.840.1.101.3.4.2.3":  "sha512",
	"2.16.840.1.101.3.4.2.4":  "sha224",
	"1.2.840.113549.2.5":      "md5",
	"1.2.840.113549.1.1.8":    "mgf1",
	"2.16.840.1.101.3.4.2.10": "sha3-512",
}

// oidName is openssl's name for oid, or the dotted OID.
func oidName(oid asn1.ObjectIdentifier) string {
	if name, ok := algorithmNames[oid.String()]; ok {
		return name
	}
	return oid.String()
}

// pssParameters are RSASSA-PSS-params (RFC 4055), with their defaults:
// SHA-1, MGF1 with SHA-1, a salt of 20 bytes.
type pssParameters struct {
	Hash    pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
	MGF     pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
	SaltLen int                      `asn1:"explicit,optional,default:20,tag:2"`
	Trailer int                      `asn1:"explicit,optional,default:1,tag:3"`
}

// RequestSignatureAlgorithm is openssl's name for csr's signature
// algorithm, read from the request itself, so that one Go's x509 does not
// know is named too; RSASSA-PSS with its hash and salt length, which Go's
// x509 accepts only as long as the hash. A nil csr is "(unreadable)".
func RequestSignatureAlgorithm(csr *x509.CertificateRequest) string {
	var req certificationRequest
	if csr == nil {
		return "(unreadable)"
	}
	if _, err := asn1.Unmarshal(csr.Raw, &req); err != nil {
		return "(unreadable)"
	}
	name := oidName(req.Algorithm.Algorithm)
	if !req.Algorithm.Algorithm.Equal(oidRSAPSS) {
		return name
	}
	var p pssParameters
	if rest, err := asn1.Unmarshal(req.Algorithm.Parameters.FullBytes, &p); err != nil || len(rest) > 0 {
		return name + " (unreadable parameters)"
	}
	hash := "sha1"
	if len(p.Hash.Algorithm) > 0 {
		hash = oidName(p.Hash.Algorithm)
	}
	return fmt.Sprintf("%s (%s, salt length %d)", name, hash, p.SaltLen)
}
