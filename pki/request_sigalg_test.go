package pki_test

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// resignRequest signs the body of the request der anew with key under the
// signature algorithm alg, as Go's x509 will not: MD5, or RSASSA-PSS with
// openssl's default salt (as long as the key allows).
func resignRequest(t *testing.T, der []byte, key *rsa.PrivateKey, alg pkix.AlgorithmIdentifier) []byte {
	t.Helper()
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	tbs := csr.RawTBSCertificateRequest
	var sig []byte
	switch {
	case alg.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}):
		h := md5.Sum(tbs)
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.MD5, h[:])
	default:
		h := sha256.Sum256(tbs)
		sig, err = rsa.SignPSS(rand.Reader, key, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(struct {
		Info      asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// md5Request and pssMaxSaltRequest are good requests signed anew with
// md5WithRSAEncryption, and with RSASSA-PSS, SHA-256 and the longest salt
// the key allows (what `openssl req -sigopt rsa_padding_mode:pss` makes).
func md5Request(t *testing.T, der []byte) []byte {
	return resignRequest(t, der, pkitest.SharedKey(t, 0), pkix.AlgorithmIdentifier{
		Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}, Parameters: asn1.NullRawValue})
}

func pssMaxSaltRequest(t *testing.T, der []byte) []byte {
	t.Helper()
	sha256ID := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, Parameters: asn1.NullRawValue}
	mgf, err := asn1.Marshal(sha256ID)
	if err != nil {
		t.Fatal(err)
	}
	params, err := asn1.Marshal(struct {
		Hash    pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
		MGF     pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
		SaltLen int                      `asn1:"explicit,tag:2"`
	}{sha256ID, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}, Parameters: asn1.RawValue{FullBytes: mgf}}, 2048/8 - 32 - 2})
	if err != nil {
		t.Fatal(err)
	}
	return resignRequest(t, der, pkitest.SharedKey(t, 0), pkix.AlgorithmIdentifier{
		Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}, Parameters: asn1.RawValue{FullBytes: params}})
}

// TestParseRequestAcceptsPSS: RSASSA-PSS with a salt as long as the hash,
// what Go's x509 checks, is accepted (the algorithm the refusal names).
func TestParseRequestAcceptsPSS(t *testing.T) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "proxy.example.com"}, SignatureAlgorithm: x509.SHA256WithRSAPSS,
	}, pkitest.SharedKey(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.ParseRequest(der); err != nil {
		t.Errorf("RSASSA-PSS request with a 32-byte salt: %v", err)
	}
}
