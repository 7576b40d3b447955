package pki_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestSignParsedRequest: a request parsed once (ParseRequest, as the EST
// server reads it) is signed as it is, neither parsed nor its signature
// checked again, with requests/NAME.req not read; its key is still held
// to the key policy.
func TestSignParsedRequest(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	key := pkitest.SharedKey(t, pkitest.OtherKey)
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: pkitest.Name(t, pkitest.EngineProxySubject)})
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.ParseRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	is, err := s.Sign(t.Context(), pki.SignRequest{Name: "parsed", Request: csr})
	if err != nil {
		t.Fatal(err)
	}
	if !pki.KeyMatches(is.Certificate.PublicKey, key) || is.Certificate.Subject.CommonName != csr.Subject.CommonName {
		t.Errorf("certificate for %v, CN %q: not the request's", is.Certificate.PublicKey, is.Certificate.Subject.CommonName)
	}
	weak := *csr
	weak.PublicKey = &rsaSmall(t).PublicKey
	before := pkitest.Snapshot(t, s.Dir())
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "weak", Request: &weak}); !errors.Is(err, pki.ErrWeakKey) {
		t.Errorf("Sign of a parsed request with a 1024-bit key: %v, want ErrWeakKey", err)
	}
	pkitest.AssertUnchanged(t, s.Dir(), before)
}

// rsaSmall is an RSA key below the key policy.
func rsaSmall(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestEnrollIgnoresParsedRequest: Enroll signs the request it makes for
// the bundle's key; a Request left in its SignRequest is not signed in its
// place, which would give the bundle a certificate for another key.
func TestEnrollIgnoresParsedRequest(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	der, err := pki.CreateRequest(pkitest.SharedKey(t, pkitest.OtherKey), pki.RequestTemplate{Subject: pkitest.Name(t, pkitest.EngineProxySubject)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.ParseRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	req := pki.EnrollRequest{
		SignRequest: pki.SignRequest{Name: "proxy", Subject: pkitest.Name(t, pkitest.EngineProxySubject), Request: other},
		Password:    "pw",
	}
	got, err := s.Enroll(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if pki.KeyMatches(got.Certificate.PublicKey, pkitest.SharedKey(t, pkitest.OtherKey)) {
		t.Error("Enroll signed the Request given, not the bundle's key")
	}
}
