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
	"sort"
	"testing"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"

	"github.com/pkienroll/pkienroll/pki"
)

// zlintExcludedSources are the lint sources that speak for publicly
// trusted CAs only. The engine's CA is a private CA that no root program
// holds, so their rules do not apply. Excluded whole, each with its
// reason; what they report on pkienroll's certificates today is listed so
// that a reader sees what is given up:
var zlintExcludedSources = lint.SourceList{
	// TLS Baseline Requirements, public CAs only. On pkienroll's
	// certificates they report: no certificate policies
	// (e_sub_cert_certificate_policies_missing, e_sub_cert_cert_policy_empty),
	// no CRL distribution point (e_missing_crl_distrib_point), no OCSP/AIA
	// (e_sub_cert_aia_missing, w_sub_cert_aia_does_not_contain_issuing_ca_url),
	// locality/province absent (e_sub_cert_locality_name_must_appear,
	// e_sub_cert_province_must_appear), OU present
	// (e_organizational_unit_name_prohibited), the public 200/398-day limits
	// (e_server_cert_valid_time_longer_than_200_days,
	// e_tls_server_cert_valid_time_longer_than_398_days), a critical EKU,
	// which the engine's templates write (e_eku_critical), email and URI
	// SANs in a TLS certificate (e_ext_san_rfc822_name_present,
	// e_ext_san_uniform_resource_identifier_present), private IP addresses
	// (e_ext_san_contains_reserved_ip), a CRL current longer than 10 days
	// (e_crl_next_update_invalid), the CN and SKI the engine's clients
	// expect (w_subject_common_name_included,
	// w_ext_subject_key_identifier_not_recommended_subscriber), keyAgreement
	// for EC (w_cabf_ecc_ku_keyagreement_present), and the BR rule against
	// authorityCertIssuer and serial in the authority key identifier, which
	// the engine's own templates write and pkienroll copies for
	// compatibility.
	lint.CABFBaselineRequirements,
	lint.CABFEVGuidelines,              // EV certificates: pkienroll issues none
	lint.CABFSMIMEBaselineRequirements, // public S/MIME CAs only
	lint.CABFCSBaselineRequirements,    // public code-signing CAs only
	lint.MozillaRootStorePolicy,        // Mozilla's root program
	// Apple's root program: its public 397/398-day limits. Apple's 825-day
	// limit for private CAs is what sign's warning checks (TestSignWarnings).
	lint.AppleRootStorePolicy,
	lint.ChromeRootStorePolicy, // Chrome's root program
	lint.RFC6962,               // Certificate Transparency: private certificates are not logged
	lint.EtsiEsi,               // EU qualified certificates
}

// zlintExcludedLints are single lints of the sources kept (RFC 5280, 5480,
// 5891, 8813, community) that do not fit a private CA, each with its
// reason. None is needed today; keep it that way: every other lint at Warn
// or above must pass.
var zlintExcludedLints = []string{}

// zlintRegistry is the registry every test lint runs with.
func zlintRegistry(t *testing.T) lint.Registry {
	t.Helper()
	names := map[string]bool{}
	for _, n := range lint.GlobalRegistry().Names() {
		names[n] = true
	}
	var exclude []string
	for _, n := range zlintExcludedLints {
		if !names[n] {
			t.Fatalf("excluded lint %s is not in zlint: update zlintExcludedLints", n)
		}
		exclude = append(exclude, n)
	}
	r, err := lint.GlobalRegistry().Filter(lint.FilterOptions{ExcludeSources: zlintExcludedSources, ExcludeNames: exclude})
	if err != nil {
		t.Fatalf("zlint registry: %v", err)
	}
	return r
}

// assertZlintClean lints der (a certificate) and fails on every result at
// Warn or above.
func assertZlintClean(t *testing.T, reg lint.Registry, what string, der []byte) {
	t.Helper()
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("%s: zcrypto cannot parse it: %v", what, err)
	}
	reportZlint(t, what, zlint.LintCertificateEx(c, reg))
}

// assertZlintCleanCRL lints a DER CRL.
func assertZlintCleanCRL(t *testing.T, reg lint.Registry, what string, der []byte) {
	t.Helper()
	crl, err := zx509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("%s: zcrypto cannot parse it: %v", what, err)
	}
	reportZlint(t, what, zlint.LintRevocationListEx(crl, reg))
}

func reportZlint(t *testing.T, what string, rs *zlint.ResultSet) {
	t.Helper()
	var bad []string
	for name, r := range rs.Results {
		if r.Status >= lint.Warn {
			bad = append(bad, name+" ("+r.Status.String()+") "+r.Details)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: zlint %s", what, b)
	}
}

// TestZlint lints, in-process, every kind of certificate and CRL pkienroll
// issues: the CA from InitStore and after RenewCA, the default leaf, each
// key usage, extended key usage and SAN form, EC (P-256, P-384) and RSA
// requests, the PKCS#12 enrollment's leaf and a CRL. Lints for publicly
// trusted CAs only are excluded by zlintExcludedSources and
// zlintExcludedLints; everything else at Warn or above must pass.
func TestZlint(t *testing.T) {
	t.Parallel()
	reg := zlintRegistry(t)
	s := newTestStore(t)
	assertZlintClean(t, reg, "CA (InitStore)", readStoreCert(t, s.CACertPath()).Raw)

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
		{name: "default", subject: engineProxySubject},
		{name: "long-subject", subject: "/C=US/ST=North Carolina/L=Raleigh/O=Example Inc./OU=Proxies/CN=proxy.example.com"},
		{name: "ip-cn", subject: "/C=US/O=Example Inc./CN=192.0.2.10"},
		{name: "email-subject", subject: "/C=US/O=Example Inc./CN=proxy.example.com/emailAddress=ops@example.com"},
		{name: "ku-digitalSignature", subject: engineProxySubject, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature")}},
		{name: "ku-keyEncipherment", subject: engineProxySubject, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature,keyEncipherment"), ExtKeyUsage: mustEKU(t, "serverAuth")}},
		{name: "eku-serverAuth", subject: engineProxySubject, req: pki.SignRequest{ExtKeyUsage: mustEKU(t, "serverAuth")}},
		{name: "eku-clientAuth", subject: engineProxySubject, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature"), ExtKeyUsage: mustEKU(t, "clientAuth")}},
		{name: "san-all-forms", subject: engineProxySubject, req: pki.SignRequest{
			SANs: mustSANs("DNS:proxy.example.com,DNS:*.proxy.example.com,IP:192.0.2.10,IP:2001:db8::10,email:ops@example.com,URI:https://proxy.example.com/ovirt-engine,URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66")}},
		{name: "ec-p256", subject: engineProxySubject, key: p256},
		{name: "ec-p384", subject: engineProxySubject, key: p384},
		{name: "ec-keyAgreement", subject: engineProxySubject, key: p256, req: pki.SignRequest{KeyUsage: mustKU("digitalSignature,keyAgreement")}},
		{name: "days-825", subject: engineProxySubject, req: pki.SignRequest{Days: 825}},
	}
	for _, l := range leaves {
		if l.key == nil {
			writeRequest(t, s, l.name, l.subject)
		} else {
			der, err := pki.CreateRequest(l.key, pki.RequestTemplate{Subject: storeName(t, l.subject)})
			if err != nil {
				t.Fatal(err)
			}
			writeStoreFile(t, s.RequestPath(l.name), pki.EncodeRequestPEM(der), 0o644)
		}
		l.req.Name = l.name
		is, err := s.Sign(t.Context(), l.req)
		if err != nil {
			t.Fatalf("sign %s: %v", l.name, err)
		}
		assertZlintClean(t, reg, "leaf "+l.name, is.Certificate.Raw)
	}

	en, err := s.Enroll(t.Context(), pki.EnrollRequest{
		SignRequest: pki.SignRequest{Name: "spice", Subject: storeName(t, "/C=US/O=Example Inc./CN=spice.example.com")},
		Password:    "pw",
	})
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	assertZlintClean(t, reg, "leaf enroll (PKCS#12)", en.Certificate.Raw)

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
	assertZlintCleanCRL(t, reg, "CRL", block.Bytes)

	renewed, err := s.RenewCA(t.Context(), 0)
	if err != nil {
		t.Fatalf("renew CA: %v", err)
	}
	assertZlintClean(t, reg, "CA (RenewCA)", renewed.Raw)
	writeRequest(t, s, "after-renew", engineProxySubject)
	is, err := s.Sign(t.Context(), pki.SignRequest{Name: "after-renew"})
	if err != nil {
		t.Fatalf("sign after renew: %v", err)
	}
	assertZlintClean(t, reg, "leaf after RenewCA", is.Certificate.Raw)
}

// TestZlintCatches: the registry TestZlint uses reports what the name
// rules refuse, so a clean TestZlint means something. The certificate is
// made by hand with crypto/x509, since pkienroll will not issue it.
func TestZlintCatches(t *testing.T) {
	t.Parallel()
	key := sharedKey(t, otherKeyIndex)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{Country: []string{"us"}, CommonName: "a_b.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"a_b.example.com"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	ca := readStoreCert(t, newTestStore(t).CACertPath())
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), sharedKey(t, caKeyIndex))
	if err != nil {
		t.Fatal(err)
	}
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	rs := zlint.LintCertificateEx(c, zlintRegistry(t))
	for _, want := range []string{"w_rfc_dnsname_underscore_in_trd", "e_subj_country_not_uppercase"} {
		if r := rs.Results[want]; r == nil || r.Status < lint.Warn {
			t.Errorf("zlint %s did not report the certificate: %+v", want, r)
		}
	}
}
