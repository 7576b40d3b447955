package est_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// tokenState is the state `token list` shows for secret.
func (e *testEnv) tokenState(secret string) est.Token {
	e.t.Helper()
	list, err := e.tokens.List()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, tok := range list {
		if tok.ID == sha(secret) {
			return tok
		}
	}
	e.t.Fatal("token not listed")
	return est.Token{}
}

// enrollBehindLock starts an enrollment with secret while the store's lock
// is held, waits until the enrollment has claimed the token (it is then
// waiting for the lock), runs meanwhile, lets the lock go and returns the
// answer.
func (e *testEnv) enrollBehindLock(secret string, body []byte, meanwhile func()) response {
	e.t.Helper()
	unlock := pkitest.HoldLock(e.t, e.store.CACertPath())
	answer := make(chan response, 1)
	go func() { answer <- e.post(e.client(nil), "simpleenroll", secret, "application/pkcs10", body) }()
	for deadline := time.Now().Add(20 * time.Second); e.tokenState(secret).State != est.TokenClaimed; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatal("the enrollment did not claim its token in 20 s")
		}
	}
	meanwhile()
	unlock()
	return <-answer
}

// TestRevokeWhileWaitingForLock: a token revoked while its enrollment waits
// for the store's lock does not issue: revoke says it revoked, and that is
// what happened (403, no certificate, no index line, listed revoked).
func TestRevokeWhileWaitingForLock(t *testing.T) {
	e := newEnv(t)
	secret := e.token("proxy", "proxy.example.com", "", time.Hour)
	r := e.enrollBehindLock(secret, b64(csr(t, ecKey(t), proxySubject, "")), func() {
		if done, err := e.tokens.Revoke("proxy"); err != nil || len(done) != 1 {
			t.Errorf("revoke: %v, %v", done, err)
		}
	})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "token was revoked") {
		t.Errorf("enrollment: %d %q, want 403 token was revoked", r.status, r.body)
	}
	if n := e.indexLines(); n != 0 {
		t.Errorf("%d index lines, want none", n)
	}
	if _, err := os.Lstat(e.store.CertPath("proxy")); err == nil {
		t.Error("certs/proxy.cer was written")
	}
	if st := e.tokenState(secret).State; st != est.TokenRevoked {
		t.Errorf("token listed %s, want revoked", st)
	}
	e.checkClean()
}

// TestTokenExpiresWhileWaitingForLock: a token whose TTL ends while its
// enrollment waits for the lock does not issue, and is listed expired.
func TestTokenExpiresWhileWaitingForLock(t *testing.T) {
	e := newEnv(t)
	secret := e.token("proxy", "proxy.example.com", "", time.Minute)
	r := e.enrollBehindLock(secret, b64(csr(t, ecKey(t), proxySubject, "")), func() {
		e.offset.Store(int64(2 * time.Minute))
	})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "token expired") {
		t.Errorf("enrollment: %d %q, want 403 token expired", r.status, r.body)
	}
	if n := e.indexLines(); n != 0 {
		t.Errorf("%d index lines, want none", n)
	}
	// Active past its expiry is what token list shows as expired (the
	// test's Tokens read the real clock, not the server's moved one).
	if tok := e.tokenState(secret); tok.State != est.TokenActive || tok.Expires.After(time.Now().Add(2*time.Minute)) {
		t.Errorf("token %s expiring %s, want back to active, past its expiry", tok.State, tok.Expires)
	}
	e.checkClean()
}

// TestRevokeWhileSigning: a token whose enrollment has passed the check
// under the lock is signing: revoke refuses it rather than say "revoked" of
// a token whose certificate is being issued.
func TestRevokeWhileSigning(t *testing.T) {
	e := newEnv(t)
	secret := e.token("proxy", "proxy.example.com", "", time.Hour)
	id := sha(secret)
	dir := e.tokens.Dir()
	// The state an enrollment leaves under the lock, between its check
	// and its release.
	if err := os.Rename(filepath.Join(dir, id+".json"), filepath.Join(dir, id+".signing")); err != nil {
		t.Fatal(err)
	}
	done, err := e.tokens.Revoke("proxy")
	if err == nil || len(done) != 0 || !strings.Contains(err.Error(), "signing") {
		t.Errorf("revoke of a token being signed: %v, %v; want an error that says so", done, err)
	}
	if st := e.tokenState(secret).State; st != est.TokenClaimed {
		t.Errorf("token listed %s, want claimed", st)
	}
}

// TestEnrollErrorAfterCommit: a fault after the index line (the backup of
// certs/NAME.cer) does not give the token back: the certificate exists, the
// client gets it, the token is used, and a retry with the same token and
// key gets the same certificate, never a second one; another key gets 403.
func TestEnrollErrorAfterCommit(t *testing.T) {
	// The store's clock is fixed (blockBackups needs to know when the
	// backup is made) and a few seconds ahead: the certificate is signed
	// after the token is made, as it always is, whichever second the test
	// starts in (the retry looks for a certificate signed during the
	// token's life).
	now := time.Now().Add(3 * time.Second)
	e := newEnvStore(t, []pki.StoreOption{pki.WithNow(func() time.Time { return now })})
	e.enroll(e.token("proxy", "proxy.example.com", "", time.Hour), csr(t, ecKey(t), proxySubject, ""))
	pkitest.BlockBackups(t, e.store.CertPath("proxy"), now)
	secret := e.token("proxy", "proxy.example.com", "", time.Hour)
	key := ecKey(t)
	body := b64(csr(t, key, proxySubject, ""))
	r := e.post(e.client(nil), "simpleenroll", secret, "application/pkcs10", body)
	if r.status != http.StatusOK {
		t.Fatalf("enrollment with a fault after the commit point: %d %q, want 200 and the certificate", r.status, r.body)
	}
	cert := e.wantCert(r)
	if ev := e.lastEvent(); ev.Err == nil || !strings.Contains(ev.Err.Error(), "issued, but") {
		t.Errorf("event error %v does not say the step that failed", ev.Err)
	}
	if tok := e.tokenState(secret); tok.State != est.TokenUsed {
		t.Errorf("token %s, want used", tok.State)
	}
	again := e.wantCert(e.post(e.client(nil), "simpleenroll", secret, "application/pkcs10", body))
	if !again.Equal(cert) {
		t.Errorf("retry with the same token and key: serial %s, want the certificate issued (%s)", again.SerialNumber, cert.SerialNumber)
	}
	other := e.post(e.client(nil), "simpleenroll", secret, "application/pkcs10", b64(csr(t, ecKey(t), proxySubject, "")))
	if other.status != http.StatusForbidden || !strings.Contains(other.body, "token was used already") {
		t.Errorf("retry with another key: %d %q, want 403 token was used already", other.status, other.body)
	}
	if n := e.indexLines(); n != 2 {
		t.Errorf("%d index lines, want 2", n)
	}
}

// TestEnrollRetryAfterLostAnswer: a client that lost the answer to its
// enrollment (a network fault) and sends the same request again with the
// same token gets the same certificate; once a renewal has replaced it, the
// token is only used.
func TestEnrollRetryAfterLostAnswer(t *testing.T) {
	e := newEnv(t)
	secret := e.token("proxy", "proxy.example.com", "", time.Hour)
	key := ecKey(t)
	der := csr(t, key, proxySubject, "")
	first := e.enroll(secret, der)
	if again := e.enroll(secret, der); !again.Equal(first) {
		t.Errorf("retry: serial %s, want %s", again.SerialNumber, first.SerialNumber)
	}
	if n := e.indexLines(); n != 1 {
		t.Errorf("%d index lines, want 1", n)
	}
	e.wantCert(e.post(e.client(tlsCert(first, key)), "simplereenroll", "", "application/pkcs10", b64(csr(t, key, proxySubject, "DNS:proxy.example.com"))))
	r := e.post(e.client(nil), "simpleenroll", secret, "application/pkcs10", b64(der))
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "token was used already") {
		t.Errorf("retry after a renewal: %d %q, want 403 token was used already", r.status, r.body)
	}
}

// TestReenrollErrorAfterCommit: a renewal whose certificate is in the index
// when a later step fails (the backup of certs/NAME.cer) gets its new
// certificate (200), not a 500 that would have the proxy renew again and
// the CA issue a second certificate.
func TestReenrollErrorAfterCommit(t *testing.T) {
	now := time.Now()
	e := newEnvStore(t, []pki.StoreOption{pki.WithNow(func() time.Time { return now })})
	key := ecKey(t)
	first := e.enroll(e.token("proxy", "proxy.example.com", "", time.Hour), csr(t, key, proxySubject, ""))
	pkitest.BlockBackups(t, e.store.CertPath("proxy"), now)
	r := e.post(e.client(tlsCert(first, key)), "simplereenroll", "", "application/pkcs10", b64(csr(t, key, proxySubject, "DNS:proxy.example.com")))
	if r.status != http.StatusOK {
		t.Fatalf("renewal with a fault after the commit point: %d %q, want 200 and the certificate", r.status, r.body)
	}
	renewed := e.wantCert(r)
	if renewed.Equal(first) {
		t.Fatal("the renewal answered the current certificate")
	}
	if ev := e.lastEvent(); ev.Err == nil || !strings.Contains(ev.Err.Error(), "issued, but") {
		t.Errorf("event error %v does not say the step that failed", ev.Err)
	}
	if n := e.indexLines(); n != 2 {
		t.Errorf("%d index lines, want 2", n)
	}
}
