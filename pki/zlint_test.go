package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"testing"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestZlint lints, in-process, every kind of certificate and CRL pkienroll
// issues: the CA from InitStore and after RenewCA, the default leaf, each
// key usage, extended key usage and SAN form, EC (P-256, P-384) and RSA
// requests, the PKCS#12 enrollment's leaf and a CRL. Lints for publicly
// trusted CAs only are excluded by zlintExcludedSources and
// zlintExcludedLints; everything else at Warn or above must pass.
func TestZlint(t *testing.T) {
	t.Parallel()
	reg := pkitest.ZlintRegistry(t)
	s := pkitest.NewStore(t)
	pkitest.AssertZlintClean(t, reg, "CA (InitStore)", pkitest.ReadCert(t, s.CACertPath()).Raw)

	ecKey := func(c elliptic.Curve) *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p256, p384 := ecKey(elliptic.P256()), ecKey(elliptic.P384())
	mustKU := func(l string) x509.KeyUsage {
		ku, err := pki.ParseKeyUsage(l)
		if err != nil {
			t.Fatal(err)
		}
		return ku
	}
	mustSANs := func(l string) pki.SANs {
		sans, err := pki.ParseSANs(l)
		if err != nil {
			t.Fatal(err)
		}
		return sans
	}
	type leaf struct {
		name    string
		subject string
		key     *ecdsa.PrivateKey // nil: the shared RSA request key
		req     pki.SignRequest
	}
	leaves := []leaf{
		{name: "default", subject: pkitest.EngineProxySubject},
		{name: "long-subject", subject: "/C=US/ST=North Carolina/L=Raleigh/O=Example Inc./OU=Proxies/CN=proxy.example.com"},
		{name: "ip-cn", subject: "/C=US/O=Example Inc./CN=192.0.2.10"},
		{name: "email-subject", subject: "/C=US/O=Example Inc./CN=proxy.example.com/emailAddress=ops@example.com"},
		{name: "ku-digitalSignature", subject: pkitest.EngineProxySubject, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature")}},
		{name: "ku-keyEncipherment", subject: pkitest.EngineProxySubject, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature,keyEncipherment"), ExtKeyUsage: pkitest.EKU(t, "serverAuth")}},
		{name: "eku-serverAuth", subject: pkitest.EngineProxySubject, req: pki.SignRequest{ExtKeyUsage: pkitest.EKU(t, "serverAuth")}},
		{name: "eku-clientAuth", subject: pkitest.EngineProxySubject, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature"), ExtKeyUsage: pkitest.EKU(t, "clientAuth")}},
		{name: "san-all-forms", subject: pkitest.EngineProxySubject, req: pki.SignRequest{
			SANs: mustSANs("DNS:proxy.example.com,DNS:*.proxy.example.com,IP:192.0.2.10,IP:2001:db8::10,email:ops@example.com,URI:https://proxy.example.com/ovirt-engine,URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66")}},
		{name: "ec-p256", subject: pkitest.EngineProxySubject, key: p256},
		{name: "ec-p384", subject: pkitest.EngineProxySubject, key: p384},
		{name: "ec-keyAgreement", subject: pkitest.EngineProxySubject, key: p256, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature,keyAgreement")}},
		{name: "days-825", subject: pkitest.EngineProxySubject, req: pki.SignRequest{Days: 825}},
	}
	for _, l := range leaves {
		if l.key == nil {
			pkitest.WriteRequest(t, s, l.name, l.subject)
		} else {
			der, err := pki.CreateRequest(l.key, pki.RequestTemplate{Subject: pkitest.Name(t, l.subject)})
			if err != nil {
				t.Fatal(err)
			}
			pkitest.WriteFile(t, s.RequestPath(l.name), pki.EncodeRequestPEM(der), 0o644)
		}
		l.req.Name = l.name
		is, err := s.Sign(t.Context(), l.req)
		if err != nil {
			t.Fatalf("sign %s: %v", l.name, err)
		}
		pkitest.AssertZlintClean(t, reg, "leaf "+l.name, is.Certificate.Raw)
	}

	en, err := s.Enroll(t.Context(), pki.EnrollRequest{
		SignRequest: pki.SignRequest{Name: "spice", Subject: pkitest.Name(t, "/C=US/O=Example Inc./CN=spice.example.com")},
		Password:    "pw",
	})
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	pkitest.AssertZlintClean(t, reg, "leaf enroll (PKCS#12)", en.Certificate.Raw)

	if _, err := s.Revoke(t.Context(), pki.RevokeRequest{Name: "default", Reason: "superseded"}); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	crlPath := t.TempDir() + "/ca.crl"
	if _, err := s.PublishCRL(t.Context(), pki.CRLRequest{Out: crlPath}); err != nil {
		t.Fatalf("crl: %v", err)
	}
	data, err := os.ReadFile(crlPath)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM", crlPath)
	}
	pkitest.AssertZlintCleanCRL(t, reg, "CRL", block.Bytes)

	renewed, err := s.RenewCA(t.Context(), 0)
	if err != nil {
		t.Fatalf("renew CA: %v", err)
	}
	pkitest.AssertZlintClean(t, reg, "CA (RenewCA)", renewed.Certificate.Raw)
	pkitest.WriteRequest(t, s, "after-renew", pkitest.EngineProxySubject)
	is, err := s.Sign(t.Context(), pki.SignRequest{Name: "after-renew"})
	if err != nil {
		t.Fatalf("sign after renew: %v", err)
	}
	pkitest.AssertZlintClean(t, reg, "leaf after RenewCA", is.Certificate.Raw)
}

// TestZlintCatches: the registry TestZlint uses reports what the name
// rules refuse, so a clean TestZlint means something. The certificate is
// made by hand with crypto/x509, since pkienroll will not issue it.
func TestZlintCatches(t *testing.T) {
	t.Parallel()
	key := pkitest.SharedKey(t, pkitest.OtherKey)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{Country: []string{"us"}, CommonName: "a_b.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"a_b.example.com"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	ca := pkitest.ReadCert(t, pkitest.NewStore(t).CACertPath())
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), pkitest.SharedKey(t, pkitest.CAKey))
	if err != nil {
		t.Fatal(err)
	}
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	rs := zlint.LintCertificateEx(c, pkitest.ZlintRegistry(t))
	for _, want := range []string{"w_rfc_dnsname_underscore_in_trd", "e_subj_country_not_uppercase"} {
		if r := rs.Results[want]; r == nil || r.Status < lint.Warn {
			t.Errorf("zlint %s did not report the certificate: %+v", want, r)
		}
	}
}
