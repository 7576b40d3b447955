package est_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

const proxySubject = "/C=US/O=Example Inc./CN=proxy.example.com"

func TestCACerts(t *testing.T) {
	e := newEnv(t)
	r := e.get("cacerts")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pkcs7-mime" {
		t.Fatalf("cacerts: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	certs := certsOnly(t, r.body)
	if len(certs) != 1 || !certs[0].Equal(e.ca) {
		t.Fatalf("cacerts holds %d certificates, want the CA", len(certs))
	}
	if r := e.get("csrattrs"); r.status != http.StatusNoContent {
		t.Errorf("csrattrs: %d, want 204", r.status)
	}
}

// TestEnrollThenReenroll is the life of a proxy's certificate: enrolled
// with a token, renewed with itself, and the replaced one can renew no more.
func TestEnrollThenReenroll(t *testing.T) {
	e := newEnv(t)
	token := e.token("proxy", "proxy.example.com", "DNS:proxy.example.com,DNS:portal.example.com", time.Hour)
	key := ecKey(t)
	// The request may hold a bare CN: the certificate gets the token's
	// subject (a part of the SANs: TestGrantGivesWhatWasAsked).
	cert := e.enroll(token, csr(t, key, "/CN=proxy.example.com", "DNS:portal.example.com,DNS:proxy.example.com"))
	if got := slashSubject(t, cert); got != proxySubject {
		t.Errorf("subject %s, want %s", got, proxySubject)
	}
	if !slices.Equal(cert.DNSNames, []string{"proxy.example.com", "portal.example.com"}) {
		t.Errorf("SANs %v", cert.DNSNames)
	}
	onDisk, err := pki.ReadCertificate(e.store.CertPath("proxy"))
	if err != nil || !onDisk.Equal(cert) {
		t.Fatalf("certs/proxy.cer is not the issued certificate (%v)", err)
	}
	if n := e.indexLines(); n != 1 {
		t.Errorf("%d index lines, want 1", n)
	}
	list, err := e.tokens.List()
	if err != nil || len(list) != 1 || list[0].State != est.TokenUsed {
		t.Fatalf("tokens after enrolling: %+v (%v), want one used", list, err)
	}

	newKey := ecKey(t)
	r := e.post(e.client(tlsCert(cert, key)), "simplereenroll", "", "application/pkcs10", b64(csr(t, newKey, proxySubject, "DNS:proxy.example.com,DNS:portal.example.com")))
	renewed := e.wantCert(r)
	if renewed.SerialNumber.Cmp(cert.SerialNumber) <= 0 {
		t.Errorf("renewed serial %s not after %s", renewed.SerialNumber, cert.SerialNumber)
	}
	if slashSubject(t, renewed) != proxySubject || !slices.Equal(renewed.DNSNames, cert.DNSNames) {
		t.Errorf("renewal changed subject or SANs: %s %v", slashSubject(t, renewed), renewed.DNSNames)
	}
	if !pki.KeyMatches(renewed.PublicKey, newKey) {
		t.Error("renewed certificate is not for the request's new key")
	}
	if got, want := renewed.NotAfter.Sub(renewed.NotBefore), cert.NotAfter.Sub(cert.NotBefore); got != want {
		t.Errorf("renewed validity %s, want %s as before", got, want)
	}
	onDisk, _ = pki.ReadCertificate(e.store.CertPath("proxy"))
	if !onDisk.Equal(renewed) {
		t.Error("certs/proxy.cer is not the renewed certificate")
	}
	e.checkClean()
}

func slashSubject(t *testing.T, c *x509.Certificate) string {
	t.Helper()
	n, err := dn.FromCertificate(c)
	if err != nil {
		t.Fatal(err)
	}
	return n.String()
}

// TestRefusals: every refusal is one line with its status, reported to the
// log, and leaves the PKI directory, tokens included, byte-identical.
func TestRefusals(t *testing.T) {
	// No bound on refusals here: the table makes more than it allows.
	e := newEnv(t, est.WithMaxBody(4096), est.WithFailureLimit(0, 0))
	key := ecKey(t)
	goodCSR := csr(t, key, proxySubject, "DNS:proxy.example.com")

	// A certificate to renew with, one to revoke, one to supersede.
	cert := e.enroll(e.token("proxy", "proxy.example.com", "", time.Hour), goodCSR)
	revoked := e.enroll(e.token("gone", "gone.example.com", "", time.Hour), csr(t, key, "/CN=gone.example.com", ""))
	if _, err := e.store.Revoke(context.Background(), pki.RevokeRequest{Name: "gone"}); err != nil {
		t.Fatal(err)
	}
	old := e.enroll(e.token("twice", "twice.example.com", "", time.Hour), csr(t, key, "/CN=twice.example.com", ""))
	e.enroll(e.token("twice", "twice.example.com", "", time.Hour), csr(t, key, "/CN=twice.example.com", ""))
	foreign := foreignCert(t, key)

	used := e.token("used", "used.example.com", "", time.Hour)
	e.enroll(used, csr(t, key, "/CN=used.example.com", ""))
	revokedToken := e.token("proxy", "proxy.example.com", "", time.Hour)
	if _, err := e.tokens.Revoke(tokenIDPrefix(t, e, revokedToken)); err != nil {
		t.Fatal(err)
	}
	expiring := e.token("proxy", "proxy.example.com", "", time.Minute)
	valid := e.token("proxy", "proxy.example.com", "DNS:proxy.example.com", time.Hour)
	tampered := slices.Clone(goodCSR)
	tampered[len(tampered)-5] ^= 0xff

	anon, withCert := e.client(nil), e.client(tlsCert(cert, key))
	cases := []struct {
		name        string
		client      *http.Client
		op, token   string
		contentType string
		body        []byte
		clock       time.Duration
		status      int
		want        string
	}{
		{"no token", anon, "simpleenroll", "", "application/pkcs10", b64(goodCSR), 0, 401, "a token is required"},
		{"wrong token", anon, "simpleenroll", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "application/pkcs10", b64(goodCSR), 0, 401, "wrong token: unknown token"},
		{"malformed token", anon, "simpleenroll", "x", "application/pkcs10", b64(goodCSR), 0, 401, "wrong token"},
		{"reused token", anon, "simpleenroll", used, "application/pkcs10", b64(csr(t, ecKey(t), "/CN=used.example.com", "")), 0, 403, "token was used already"},
		{"revoked token", anon, "simpleenroll", revokedToken, "application/pkcs10", b64(goodCSR), 0, 403, "token was revoked"},
		{"expired token", anon, "simpleenroll", expiring, "application/pkcs10", b64(goodCSR), 2 * time.Minute, 403, "token expired at"},
		{"other CN", anon, "simpleenroll", valid, "application/pkcs10", b64(csr(t, key, "/CN=evil.example.com", "")), 0, 403, `CSR asks for CN="evil.example.com"`},
		{"other SAN", anon, "simpleenroll", valid, "application/pkcs10", b64(csr(t, key, proxySubject, "DNS:proxy.example.com,DNS:evil.example.com")), 0, 403, "CSR asks for SAN DNS:evil.example.com"},
		{"other O", anon, "simpleenroll", valid, "application/pkcs10", b64(csr(t, key, "/O=Evil/CN=proxy.example.com", "")), 0, 403, `CSR asks for O="Evil"`},
		{"IP SAN", anon, "simpleenroll", valid, "application/pkcs10", b64(csr(t, key, proxySubject, "IP:192.0.2.1")), 0, 403, "CSR asks for SAN IP:192.0.2.1"},
		{"not base64", anon, "simpleenroll", valid, "application/pkcs10", []byte("%%%"), 0, 400, "bad CSR: body is not base64"},
		{"not a CSR", anon, "simpleenroll", valid, "application/pkcs10", b64([]byte("hello")), 0, 400, "bad CSR:"},
		{"bad signature", anon, "simpleenroll", valid, "application/pkcs10", b64(tampered), 0, 400, "bad CSR:"},
		{"oversized", anon, "simpleenroll", valid, "application/pkcs10", []byte(strings.Repeat("A", 5000)), 0, 413, "bad CSR: larger than 4096 bytes"},
		{"wrong content type", anon, "simpleenroll", valid, "application/x-www-form-urlencoded", b64(goodCSR), 0, 415, "Content-Type must be application/pkcs10"},
		{"reenroll without certificate", anon, "simplereenroll", "", "application/pkcs10", b64(goodCSR), 0, 401, "no TLS client certificate"},
		{"reenroll with a token only", anon, "simplereenroll", valid, "application/pkcs10", b64(goodCSR), 0, 401, "no TLS client certificate"},
		{"reenroll foreign", e.client(tlsCert(foreign, key)), "simplereenroll", "", "application/pkcs10", b64(goodCSR), 0, 403, "not issued by this CA"},
		{"reenroll expired", withCert, "simplereenroll", "", "application/pkcs10", b64(goodCSR), 100 * 24 * time.Hour, 403, "client certificate expired at"},
		{"reenroll revoked", e.client(tlsCert(revoked, key)), "simplereenroll", "", "application/pkcs10", b64(csr(t, key, "/C=US/O=Example Inc./CN=gone.example.com", "DNS:gone.example.com")), 0, 403, "is revoked"},
		{"reenroll superseded", e.client(tlsCert(old, key)), "simplereenroll", "", "application/pkcs10", b64(csr(t, key, "/C=US/O=Example Inc./CN=twice.example.com", "DNS:twice.example.com")), 0, 403, "was replaced by a newer one"},
		{"reenroll other subject", withCert, "simplereenroll", "", "application/pkcs10", b64(csr(t, key, "/C=US/O=Example Inc./CN=evil.example.com", "DNS:proxy.example.com")), 0, 403, "renewal keeps /C=US/O=Example Inc./CN=proxy.example.com"},
		{"reenroll other SAN", withCert, "simplereenroll", "", "application/pkcs10", b64(csr(t, key, proxySubject, "DNS:proxy.example.com,DNS:evil.example.com")), 0, 403, "renewal keeps"},
		{"enroll GET", anon, "simpleenroll", "", "", nil, 0, 405, "simpleenroll takes POST"},
		{"unknown operation", anon, "serverkeygen", "", "", nil, 0, 404, "not an EST operation"},
		{"label", anon, "ca2/simpleenroll", "", "", nil, 0, 404, "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.offset.Store(int64(tc.clock))
			defer e.offset.Store(0)
			before := pkitest.Snapshot(t, e.store.Dir())
			var r response
			if tc.name == "enroll GET" {
				r = e.get("simpleenroll")
			} else {
				r = e.post(tc.client, tc.op, tc.token, tc.contentType, tc.body)
			}
			if r.status != tc.status || !strings.Contains(r.body, tc.want) {
				t.Errorf("got %d %q, want %d and %q", r.status, r.body, tc.status, tc.want)
			}
			if strings.Count(r.body, "\n") != 1 || !strings.HasSuffix(r.body, "\n") {
				t.Errorf("reply is not one line: %q", r.body)
			}
			pkitest.AssertUnchanged(t, e.store.Dir(), before)
			ev := e.lastEvent()
			if ev.Status != tc.status || ev.Refusal == "" {
				t.Errorf("event %+v, want status %d with the refusal", ev, tc.status)
			}
			for _, secret := range []string{used, revokedToken, expiring, valid} {
				if strings.Contains(r.body, secret) || strings.Contains(ev.Refusal, secret) || (ev.Err != nil && strings.Contains(ev.Err.Error(), secret)) {
					t.Error("a token appears in the reply or the event")
				}
			}
		})
	}
	// The refusals consumed nothing: the valid token still enrolls.
	e.enroll(valid, goodCSR)
	e.checkClean()
}

func (e *testEnv) lastEvent() est.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.events) == 0 {
		return est.Event{}
	}
	return e.events[len(e.events)-1]
}

// tokenIDPrefix is the ID prefix of secret, as `token list` shows it.
func tokenIDPrefix(t *testing.T, e *testEnv, secret string) string {
	t.Helper()
	list, err := e.tokens.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list {
		if tok.State == est.TokenActive && tok.Created.After(time.Now().Add(-time.Minute)) && sha(secret) == tok.ID {
			return tok.ID[:12]
		}
	}
	t.Fatal("token not listed")
	return ""
}

// foreignCert is a certificate for key from a CA of its own, with the same
// subject as the test CA.
func foreignCert(t *testing.T, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "foreign")
	subject, _ := dn.Parse(caSubject)
	store, err := pki.InitStore(dir, pki.InitRequest{Subject: subject})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(store.RequestPath("proxy"), pki.EncodeRequestPEM(csr(t, key, proxySubject, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	is, err := store.Sign(context.Background(), pki.SignRequest{Name: "proxy", Days: 90})
	if err != nil {
		t.Fatal(err)
	}
	return is.Certificate
}

// TestConcurrentEnrollments: 50 clients with 50 tokens at once get 50
// certificates with distinct serials, one index line each, and a store
// that Check finds clean.
func TestConcurrentEnrollments(t *testing.T) {
	const n = 50
	// The 50 clients are hosts of their own, all on 127.0.0.1 here.
	e := newEnv(t, est.WithMaxPerClient(n))
	key := ecKey(t)
	tokens := make([]string, n)
	csrs := make([][]byte, n)
	for i := range n {
		cn := "proxy" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + ".example.com"
		tokens[i] = e.token(strings.TrimSuffix(cn, ".example.com"), cn, "", time.Hour)
		csrs[i] = csr(t, key, "/CN="+cn, "")
	}
	c := e.client(nil)
	statuses := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = e.post(c, "simpleenroll", tokens[i], "application/pkcs10", b64(csrs[i])) })
	}
	wg.Wait()
	serials := map[string]bool{}
	for i, r := range statuses {
		if r.status != http.StatusOK {
			t.Fatalf("client %d: %d %s", i, r.status, r.body)
		}
		serials[certsOnly(t, r.body)[0].SerialNumber.String()] = true
	}
	if len(serials) != n {
		t.Errorf("%d distinct serials, want %d", len(serials), n)
	}
	entries := e.issuedEntries()
	seen := map[string]int{}
	for _, en := range entries {
		seen[en.Serial]++
	}
	if len(entries) != n || len(seen) != n {
		t.Errorf("%d index lines, %d serials, want %d of each", len(entries), len(seen), n)
	}
	e.checkClean()
}

// winners counts the answers of rs that granted their request; every other
// must be a 403 that says lost.
func winners(t *testing.T, rs []response, lost string) int {
	t.Helper()
	ok := 0
	for _, r := range rs {
		switch {
		case r.status == http.StatusOK:
			ok++
		case r.status != http.StatusForbidden || !strings.Contains(r.body, lost):
			t.Errorf("loser got %d %q, want 403 %s", r.status, r.body, lost)
		}
	}
	return ok
}

// TestTokenUsedTwiceConcurrently: one token sent by several clients at
// once enrolls exactly one certificate.
func TestTokenUsedTwiceConcurrently(t *testing.T) {
	const n = 8
	e := newEnv(t, est.WithMaxPerClient(n))
	token := e.token("proxy", "proxy.example.com", "", time.Hour)
	// Each client its own key: the same request again is a retry, which
	// gets the certificate already issued.
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = b64(csr(t, ecKey(t), proxySubject, ""))
	}
	c := e.client(nil)
	rs := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { rs[i] = e.post(c, "simpleenroll", token, "application/pkcs10", bodies[i]) })
	}
	wg.Wait()
	if ok := winners(t, rs, "token was used already"); ok != 1 || e.indexLines() != 1 {
		t.Errorf("%d enrollments succeeded and %d index lines, want 1 and 1", ok, e.indexLines())
	}
}

// TestFailedSigningRestoresToken: when the store refuses to write, the
// token is not spent and enrolls once the fault is gone.
func TestFailedSigningRestoresToken(t *testing.T) {
	e := newEnv(t)
	token := e.token("proxy", "proxy.example.com", "", time.Hour)
	// A directory where certs/proxy.cer goes: the store will not replace it.
	blocker := e.store.CertPath("proxy")
	if err := os.Mkdir(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	body := b64(csr(t, ecKey(t), proxySubject, ""))
	r := e.post(e.client(nil), "simpleenroll", token, "application/pkcs10", body)
	if r.status != http.StatusInternalServerError || strings.Contains(r.body, e.store.Dir()) {
		t.Fatalf("got %d %q, want 500 without paths", r.status, r.body)
	}
	if ev := e.lastEvent(); ev.Err == nil || !strings.Contains(ev.Err.Error(), "proxy.cer") {
		t.Errorf("event error %v does not say what failed", ev.Err)
	}
	list, _ := e.tokens.List()
	if len(list) != 1 || list[0].State != est.TokenActive {
		t.Fatalf("token after a failed signing: %+v, want active", list)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	e.enroll(token, csr(t, ecKey(t), proxySubject, ""))
}

// TestBusy: beyond the bound on concurrent requests, 503 at once.
func TestBusy(t *testing.T) {
	e := newEnv(t, est.WithMaxConcurrent(1))
	// Hold the CA's lock, so the first enrollment waits inside the server.
	unlock := pkitest.HoldLock(t, e.store.CACertPath())
	token := e.token("proxy", "proxy.example.com", "", time.Hour)
	body := b64(csr(t, ecKey(t), proxySubject, ""))
	// The first enrollment may find the one slot taken by a poll below;
	// it retries until it is in, where it waits for the lock.
	first := make(chan response)
	go func() {
		for {
			r := e.post(e.client(nil), "simpleenroll", token, "application/pkcs10", body)
			if r.status != http.StatusServiceUnavailable {
				first <- r
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	var r response
	for time.Now().Before(deadline) {
		if r = e.get("cacerts"); r.status == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "server busy") || r.header.Get("Retry-After") == "" {
		t.Errorf("second request: %d %q, want 503 server busy", r.status, r.body)
	}
	unlock()
	if got := <-first; got.status != http.StatusOK {
		t.Errorf("first request: %d %s", got.status, got.body)
	}
}

func sha(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TestFailureLimit: past the bound on refusals, an address gets 429 (even
// with a good token) until the window ends; successes do not count.
func TestFailureLimit(t *testing.T) {
	e := newEnv(t, est.WithFailureLimit(3, time.Minute))
	good := e.token("proxy", "proxy.example.com", "", time.Hour)
	body := b64(csr(t, ecKey(t), proxySubject, ""))
	c := e.client(nil)
	for range 5 {
		if r := e.get("cacerts"); r.status != http.StatusOK {
			t.Fatalf("cacerts: %d", r.status)
		}
	}
	for i := range 3 {
		if r := e.post(c, "simpleenroll", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "application/pkcs10", body); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d %s", i, r.status, r.body)
		}
	}
	before := pkitest.Snapshot(t, e.store.Dir())
	r := e.post(c, "simpleenroll", good, "application/pkcs10", body)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "too many refused requests") || r.header.Get("Retry-After") == "" {
		t.Fatalf("after 3 refusals: %d %q, want 429", r.status, r.body)
	}
	pkitest.AssertUnchanged(t, e.store.Dir(), before)
	e.offset.Store(int64(61 * time.Second))
	if r := e.post(c, "simpleenroll", good, "application/pkcs10", body); r.status != http.StatusOK {
		t.Fatalf("after the window: %d %s", r.status, r.body)
	}
}
