package est_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestReenrollChangesKeyType: a renewal may change the key type. The new
// certificate keeps the current one's extended key usages, and its key
// usage is the profile's for the new key (an EC key never gets
// keyEncipherment, RFC 8813); it passes zlint.
func TestReenrollChangesKeyType(t *testing.T) {
	reg := pkitest.ZlintRegistry(t)
	rsaKey := pkitest.SharedKey(t, pkitest.RequestKey)
	cases := []struct {
		name             string
		oldKey, newKey   func() any
		oldKU, renewedKU x509.KeyUsage
	}{
		{"RSA to EC", func() any { return rsaKey }, func() any { return ecKey(t) },
			x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, x509.KeyUsageDigitalSignature},
		{"EC to RSA", func() any { return ecKey(t) }, func() any { return rsaKey },
			x509.KeyUsageDigitalSignature, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			oldKey, newKey := signer(t, tc.oldKey()), signer(t, tc.newKey())
			cert := e.enroll(e.token("proxy", "proxy.example.com", "DNS:proxy.example.com", time.Hour), csr(t, oldKey, proxySubject, ""))
			if cert.KeyUsage != tc.oldKU {
				t.Fatalf("enrolled key usage %v, want %v", pki.KeyUsageNames(cert.KeyUsage), pki.KeyUsageNames(tc.oldKU))
			}
			r := e.post(e.client(tlsCert(cert, oldKey)), "simplereenroll", "", "application/pkcs10",
				b64(csr(t, newKey, proxySubject, "DNS:proxy.example.com")))
			renewed := e.wantCert(r)
			if !pki.KeyMatches(renewed.PublicKey, newKey) {
				t.Error("renewed certificate is not for the request's key")
			}
			if renewed.KeyUsage != tc.renewedKU {
				t.Errorf("renewed key usage %v, want %v", pki.KeyUsageNames(renewed.KeyUsage), pki.KeyUsageNames(tc.renewedKU))
			}
			if !slices.Equal(renewed.ExtKeyUsage, cert.ExtKeyUsage) {
				t.Errorf("renewed extended key usage %v, want %v as before", renewed.ExtKeyUsage, cert.ExtKeyUsage)
			}
			pkitest.AssertZlintClean(t, reg, "renewal "+tc.name, renewed.Raw)
			e.checkClean()
		})
	}
}

// TestSignInMemoryRequestErrors: a bad request given in memory
// (SignRequest.CSR, as EST gives it) is refused with ErrBadRequest and a
// message that does not name requests/NAME.req, a file that was not read.
func TestSignInMemoryRequestErrors(t *testing.T) {
	e := newEnv(t)
	good := csr(t, ecKey(t), proxySubject, "")
	tampered := slices.Clone(good)
	tampered[len(tampered)-5] ^= 0xff
	for name, der := range map[string][]byte{"not a request": []byte("hello"), "bad signature": tampered} {
		t.Run(name, func(t *testing.T) {
			before := pkitest.Snapshot(t, e.store.Dir())
			_, err := e.store.Sign(context.Background(), pki.SignRequest{Name: "proxy", CSR: der})
			if err == nil || !strings.Contains(err.Error(), "invalid certificate request") {
				t.Fatalf("Sign: %v, want an invalid certificate request", err)
			}
			if strings.Contains(err.Error(), "requests/") || strings.Contains(err.Error(), ".req") {
				t.Errorf("Sign: %v names a request file it did not read", err)
			}
			pkitest.AssertUnchanged(t, e.store.Dir(), before)
		})
	}
}

// signer is k as a crypto.Signer.
func signer(t *testing.T, k any) crypto.Signer {
	t.Helper()
	s, ok := k.(crypto.Signer)
	if !ok {
		t.Fatalf("%T is not a signer", k)
	}
	return s
}
