package pki_test

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// signNames signs a request for each name into s and returns the serials.
func signNames(t *testing.T, s *pki.Store, names ...string) []string {
	t.Helper()
	var serials []string
	for _, n := range names {
		pkitest.WriteRequest(t, s, n, "/C=US/O=Example Inc./CN="+n+".example.com")
		is, err := s.Sign(t.Context(), pki.SignRequest{Name: n, Days: 365})
		if err != nil {
			t.Fatal(err)
		}
		serials = append(serials, is.Serial)
	}
	return serials
}

// TestRevokeAgreesWithOpenSSL: a revocation by name or by serial is what
// `openssl ca -revoke` writes, so `openssl ca -status` reports it, and
// openssl's own CRL lists it.
func TestRevokeAgreesWithOpenSSL(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	s := pkitest.NewStore(t, pki.WithNow(func() time.Time { return when }))
	serials := signNames(t, s, "a", "b", "c")
	cfg := engineOpenSSLConfig(t, s.Dir())

	byName, err := s.Revoke(t.Context(), pki.RevokeRequest{Name: "b", Reason: "keycompromise"})
	if err != nil {
		t.Fatal(err)
	}
	if byName.Serial != serials[1] || byName.Status != pki.StatusRevoked || byName.Reason != "keyCompromise" {
		t.Errorf("revoked entry %+v, want serial %s R keyCompromise", byName, serials[1])
	}
	if _, err := s.Revoke(t.Context(), pki.RevokeRequest{Serial: strings.ToLower(serials[2])}); err != nil {
		t.Fatalf("revoke by lowercase serial: %v", err)
	}
	lines := storeDatabaseLines(t, s)
	wantB := "R\t" + indexUTCTime(byName.Expiry) + "\t260304050607Z,keyCompromise\t" + serials[1] + "\tunknown\t/C=US/O=Example Inc./CN=b.example.com\n"
	if lines[1] != wantB {
		t.Errorf("database line\n%q\nwant\n%q", lines[1], wantB)
	}
	if !strings.HasPrefix(lines[2], "R\t") || !strings.Contains(lines[2], "\t260304050607Z\t") {
		t.Errorf("revocation without reason: %q", lines[2])
	}
	for serial, want := range map[string]string{serials[0]: "Valid (V)", serials[1]: "Revoked (R)", serials[2]: "Revoked (R)"} {
		if got := opensslCAStatus(t, s.Dir(), cfg, serial); got != want {
			t.Errorf("openssl ca -status %s = %q, want %q", serial, got, want)
		}
	}
	crl := filepath.Join(t.TempDir(), "openssl.crl")
	pkitest.WriteFile(t, filepath.Join(s.Dir(), "crlnumber.txt"), []byte("01\n"), 0o644)
	pkitest.RunOpenSSL(t, s.Dir(), "ca", "-config", cfg, "-gencrl", "-out", crl)
	text := pkitest.RunOpenSSL(t, s.Dir(), "crl", "-in", crl, "-noout", "-text")
	assertTextHas(t, "openssl's CRL", text, "Serial Number: "+serials[1], "Key Compromise", "Serial Number: "+serials[2])
}

func TestRevokeRefusals(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	serials := signNames(t, s, "a")
	if _, err := s.Revoke(t.Context(), pki.RevokeRequest{Serial: serials[0]}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		req  pki.RevokeRequest
		want error
		msg  string
	}{
		{"unknown serial", pki.RevokeRequest{Serial: "ABCD"}, pki.ErrNotFound, "serial ABCD is not in"},
		{"revoked twice", pki.RevokeRequest{Serial: serials[0]}, pki.ErrRevoked, "revoked already"},
		{"bad serial", pki.RevokeRequest{Serial: "xyz"}, nil, "not hexadecimal"},
		{"unknown name", pki.RevokeRequest{Name: "nobody"}, nil, "nobody.cer"},
		{"name is a path", pki.RevokeRequest{Name: "../a"}, pki.ErrBadName, "not a plain file name"},
		{"both", pki.RevokeRequest{Name: "a", Serial: serials[0]}, nil, "not both"},
		{"neither", pki.RevokeRequest{}, nil, "give a serial or a name"},
		{"bad reason", pki.RevokeRequest{Name: "a", Reason: "bored"}, pki.ErrBadReason, `reason "bored"`},
		{"removeFromCRL", pki.RevokeRequest{Name: "a", Reason: "removefromcrl"}, pki.ErrBadReason, "removeFromCRL is for delta CRLs only"},
		{"the CA itself", pki.RevokeRequest{Serial: "1000"}, nil, "is the CA certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := pkitest.Snapshot(t, s.Dir())
			_, err := s.Revoke(t.Context(), tc.req)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Revoke(%+v) = %v, want %v saying %q", tc.req, err, tc.want, tc.msg)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestGenerateCRLOpenSSLAccepts: our CRL verifies under the CA, lists the
// revoked serials with their reasons, is used by `openssl verify -crl_check`,
// and its number advances.
func TestGenerateCRLOpenSSLAccepts(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	serials := signNames(t, s, "good", "bad")
	if _, err := s.Revoke(t.Context(), pki.RevokeRequest{Name: "bad", Reason: "superseded"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var crls []string
	for i := range 2 {
		der, err := s.GenerateCRL(t.Context(), 7)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "crl"+string(rune('0'+i))+".pem")
		pkitest.WriteFile(t, path, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644)
		crls = append(crls, path)
	}
	out, err := pkitest.TryOpenSSL(t, dir, "crl", "-in", crls[0], "-CAfile", s.CACertPath(), "-noout")
	if err != nil || !strings.Contains(out, "verify OK") {
		t.Fatalf("openssl crl -verify: %v %s", err, out)
	}
	text := pkitest.RunOpenSSL(t, dir, "crl", "-in", crls[0], "-noout", "-text")
	assertTextHas(t, "CRL", text, "Serial Number: "+serials[1], "Superseded", "sha256WithRSAEncryption", "X509v3 CRL Number: \n                1\n")
	if strings.Contains(text, "Serial Number: "+serials[0]) {
		t.Error("CRL lists the certificate that was not revoked")
	}
	if text2 := pkitest.RunOpenSSL(t, dir, "crl", "-in", crls[1], "-noout", "-text"); !strings.Contains(text2, "X509v3 CRL Number: \n                2\n") {
		t.Errorf("second CRL is not number 2:\n%s", text2)
	}
	if got := pkitest.ReadFile(t, s.CRLNumberPath()); got != "03\n" {
		t.Errorf("crlnumber.txt = %q, want 03", got)
	}
	revoked, err := pkitest.TryOpenSSL(t, dir, "verify", "-crl_check", "-CRLfile", crls[1], "-CAfile", s.CACertPath(), s.CertPath("bad"))
	if err == nil || !strings.Contains(revoked, "certificate revoked") {
		t.Errorf("openssl verify -crl_check of the revoked certificate: %v %s", err, revoked)
	}
	pkitest.RunOpenSSL(t, dir, "verify", "-crl_check", "-CRLfile", crls[1], "-CAfile", s.CACertPath(), s.CertPath("good"))
}

// TestRenewCAKeepsOldCertificatesValid: a renewed CA has the same key,
// subject, SKI and serial and a later notAfter; what it issued before still
// verifies under it (the leaf's authority key identifier names the CA's
// serial); the old ca.pem is kept.
func TestRenewCAKeepsOldCertificatesValid(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	signNames(t, s, "proxy")
	old := pkitest.ReadCert(t, s.CACertPath())
	out, err := s.RenewCA(t.Context(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	renewed := out.Certificate
	if string(renewed.RawSubject) != string(old.RawSubject) || string(renewed.SubjectKeyId) != string(old.SubjectKeyId) {
		t.Error("renewal changed the subject or the key identifier")
	}
	if !renewed.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(old.PublicKey) {
		t.Error("renewal changed the key")
	}
	if renewed.SerialNumber.Cmp(old.SerialNumber) != 0 || !renewed.NotAfter.After(old.NotAfter) {
		t.Error("renewal changed the serial or did not extend the validity")
	}
	assertVerifies(t, s.CACertPath(), s.CertPath("proxy"))
	der := pkitest.ReadFile(t, s.CADERPath())
	if der != string(pki.EncodeCertificatePEM(renewed.Raw)) { // PEM, as the engine's scripts write it
		t.Error("certs/ca.der is not the renewed certificate")
	}
	backups, _ := filepath.Glob(s.CACertPath() + ".*")
	if len(backups) != 1 || pkitest.ReadCert(t, backups[0]).SerialNumber.Cmp(old.SerialNumber) != 0 {
		t.Errorf("backups of ca.pem: %v, want one holding the old certificate", backups)
	}
	// Signing goes on under the renewed CA.
	signNames(t, s, "after")
	assertVerifies(t, s.CACertPath(), s.CertPath("after"))
}

// TestListNamesAndStatus: the listing has every index line, the names the
// certificates are issued under, and expiry computed at a given time.
func TestListNamesAndStatus(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	serials := signNames(t, s, "a", "b")
	signNames(t, s, "a") // re-issued: the first certificate of a has no name now
	if _, err := s.Revoke(t.Context(), pki.RevokeRequest{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	// The CA's own line, as the engine's index has it, comes first.
	if len(list) != 4 || list[0].Serial != "1000" || len(list[0].Names) != 0 {
		t.Fatalf("%d entries (%+v), want the CA's and 3", len(list), list)
	}
	list = list[1:]
	if len(list[0].Names) != 0 || list[1].Names[0] != "b" || list[2].Names[0] != "a" {
		t.Errorf("names %v %v %v, want [] [b] [a]", list[0].Names, list[1].Names, list[2].Names)
	}
	if list[0].Serial != serials[0] {
		t.Errorf("first serial %s, want %s", list[0].Serial, serials[0])
	}
	now := time.Now()
	if got := list[0].EffectiveStatus(now); got != pki.StatusValid {
		t.Errorf("status now %v, want valid", got)
	}
	if got := list[0].EffectiveStatus(now.AddDate(2, 0, 0)); got != pki.StatusExpired {
		t.Errorf("status in two years %v, want expired", got)
	}
	if got := list[1].EffectiveStatus(now.AddDate(2, 0, 0)); got != pki.StatusRevoked {
		t.Errorf("revoked status in two years %v, want revoked", got)
	}
}

// TestCRLRemoveFromCRLLine: `openssl ca -revoke -crl_reason removeFromCRL`
// writes an index line that `openssl ca -gencrl` copies into a full CRL,
// which RFC 5280 5.3.1 forbids. pkienroll's CRL lists the certificate (the
// line's status is R, and openssl ca -status says revoked) without the
// reason, says so in a warning, and passes zlint; the other reasons stay.
func TestCRLRemoveFromCRLLine(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	serials := signNames(t, s, "held", "gone")
	cfg := engineOpenSSLConfig(t, s.Dir())
	pkitest.RunOpenSSL(t, s.Dir(), "ca", "-config", cfg, "-revoke", "certs/held.cer", "-crl_reason", "removeFromCRL")
	if _, err := s.Revoke(t.Context(), pki.RevokeRequest{Name: "gone", Reason: "keyCompromise"}); err != nil {
		t.Fatal(err)
	}
	if index := strings.Join(storeDatabaseLines(t, s), ""); !strings.Contains(index, ",removeFromCRL\t"+serials[0]+"\t") {
		t.Fatalf("openssl ca -revoke wrote\n%s\nwant the reason removeFromCRL for %s", index, serials[0])
	}
	out := filepath.Join(t.TempDir(), "ca.crl")
	crl, err := s.PublishCRL(t.Context(), pki.CRLRequest{Out: out, DER: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.Warnings) != 1 || !strings.Contains(crl.Warnings[0], "serial "+serials[0]+" has the reason removeFromCRL") {
		t.Errorf("warnings %q, want one for serial %s", crl.Warnings, serials[0])
	}
	parsed, err := pki.ParseCRL(crl.DER)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, e := range parsed.RevokedCertificateEntries {
		reasons[pki.FormatSerial(e.SerialNumber)] = e.ReasonCode
	}
	if code, ok := reasons[serials[0]]; !ok || code != 0 {
		t.Errorf("serial %s in the CRL: listed %v, reason %d; want listed without a reason", serials[0], ok, code)
	}
	if code := reasons[serials[1]]; code != 1 {
		t.Errorf("serial %s: reason %d, want 1 (keyCompromise)", serials[1], code)
	}
	pkitest.AssertZlintCleanCRL(t, pkitest.ZlintRegistry(t), "CRL of a removeFromCRL line", crl.DER)
}

// TestRevokeReasonsOpenSSLCAReads: every reason revoke writes into the
// index is one `openssl ca` reads back: after a revocation with each,
// openssl ca still makes a CRL that lists it and signs. openssl ca knows
// no privilegeWithdrawn nor AACompromise (an index line with either stops
// it, signing included, with "invalid reason code"): revoke refuses them,
// the store unchanged.
func TestRevokeReasonsOpenSSLCAReads(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	cfg := engineOpenSSLConfig(t, s.Dir())
	reasons := []string{"", "unspecified", "keyCompromise", "CACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "privilegeWithdrawn", "AACompromise"}
	names := make([]string, len(reasons))
	for i := range reasons {
		names[i] = fmt.Sprintf("r%d", i)
	}
	serials := signNames(t, s, names...)
	for i, reason := range reasons {
		before := pkitest.Snapshot(t, s.Dir())
		_, err := s.Revoke(t.Context(), pki.RevokeRequest{Serial: serials[i], Reason: strings.ToUpper(reason)})
		if reason == "privilegeWithdrawn" || reason == "AACompromise" {
			if !errors.Is(err, pki.ErrBadReason) || !strings.Contains(err.Error(), "openssl ca") {
				t.Errorf("revoke with %s: %v, want ErrBadReason naming openssl ca", reason, err)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
			continue
		}
		if err != nil {
			t.Fatalf("revoke with %q: %v", reason, err)
		}
	}
	pkitest.WriteFile(t, filepath.Join(s.Dir(), "crlnumber.txt"), []byte("01\n"), 0o644)
	crl := filepath.Join(t.TempDir(), "openssl.crl")
	pkitest.RunOpenSSL(t, s.Dir(), "ca", "-config", cfg, "-gencrl", "-out", crl)
	text := pkitest.RunOpenSSL(t, s.Dir(), "crl", "-in", crl, "-noout", "-text")
	assertTextHas(t, "openssl's CRL", text, "Serial Number: "+serials[0], "Key Compromise", "CA Compromise",
		"Affiliation Changed", "Superseded", "Cessation Of Operation", "Certificate Hold", "Serial Number: "+serials[7])
	pkitest.WriteRequest(t, s, "after", "/C=US/O=Example Inc./CN=after.example.com")
	opensslCASign(t, s.Dir(), cfg, filepath.Join(s.Dir(), "requests", "after.req"), filepath.Join(t.TempDir(), "after.cer"))
}

// TestCRLOfOpenSSLPseudoReasons: `openssl ca -revoke` with -crl_hold,
// -crl_compromise and -crl_CA_compromise writes the pseudo-reasons
// holdInstruction, keyTime and CAkeyTime into the index; pkienroll's CRL
// lists them as `openssl ca -gencrl` does, with the reason they stand for
// (certificateHold, keyCompromise, CACompromise) and the entry extension
// that carries the argument (holdInstructionCode, invalidityDate), where
// it listed them without a reason.
func TestCRLOfOpenSSLPseudoReasons(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	serials := signNames(t, s, "held", "key", "ca", "plain")
	cfg := engineOpenSSLConfig(t, s.Dir())
	for _, args := range [][]string{
		{"certs/held.cer", "-crl_hold", "holdInstructionReject"},
		{"certs/key.cer", "-crl_compromise", "20260101020304Z"},
		{"certs/ca.cer", "-crl_CA_compromise", "20251231000000Z"},
		{"certs/plain.cer", "-crl_reason", "superseded"},
	} {
		pkitest.RunOpenSSL(t, s.Dir(), append([]string{"ca", "-config", cfg, "-revoke"}, args...)...)
	}
	// openssl's CRL, the reference.
	pkitest.WriteFile(t, filepath.Join(s.Dir(), "crlnumber.txt"), []byte("01\n"), 0o644)
	ref := filepath.Join(t.TempDir(), "openssl.crl")
	pkitest.RunOpenSSL(t, s.Dir(), "ca", "-config", cfg, "-gencrl", "-out", ref)
	refCRL, err := pki.ReadCRL(ref)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := s.PublishCRL(t.Context(), pki.CRLRequest{Out: filepath.Join(t.TempDir(), "ca.crl"), DER: true})
	if err != nil {
		t.Fatal(err)
	}
	ours, err := pki.ParseCRL(crl.DER)
	if err != nil {
		t.Fatal(err)
	}
	entries := func(l *x509.RevocationList) map[string]string {
		m := map[string]string{}
		for _, e := range l.RevokedCertificateEntries {
			var exts []string
			for _, x := range e.Extensions {
				if !x.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 21}) { // the reason code, compared as ReasonCode
					exts = append(exts, fmt.Sprintf("%v critical=%v %X", x.Id, x.Critical, x.Value))
				}
			}
			slices.Sort(exts)
			m[pki.FormatSerial(e.SerialNumber)] = fmt.Sprintf("reason %d %v", e.ReasonCode, exts)
		}
		return m
	}
	want, got := entries(refCRL), entries(ours)
	for _, serial := range serials {
		if got[serial] != want[serial] {
			t.Errorf("serial %s: pkienroll's CRL has %s, openssl ca -gencrl's %s", serial, got[serial], want[serial])
		}
	}
	if want[serials[1]] == "reason 0 []" {
		t.Fatalf("openssl's CRL lists %s without a reason: %v", serials[1], want)
	}
	pkitest.AssertZlintCleanCRL(t, pkitest.ZlintRegistry(t), "CRL of openssl's pseudo-reasons", crl.DER)
}
