package est_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestReconcileClaimedTokens: the tokens a killed server left claimed are
// settled from the index, each reported: one whose certificate the index
// holds is used (its serial recorded), one without is active again (or
// expired); stale temporary files of token create are removed, a fresh one
// (a create in flight) is not. A second run finds nothing.
func TestReconcileClaimedTokens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	store, err := pki.InitStore(dir, pki.InitRequest{Subject: mustName(t, caSubject)})
	if err != nil {
		t.Fatal(err)
	}
	ts := est.OpenTokens(dir)
	create := func(name string, ttl time.Duration) est.Token {
		t.Helper()
		subject := mustName(t, "/C=US/O=Example Inc./CN="+name+".example.com")
		_, tok, err := ts.Create(est.TokenRequest{Name: name, Subject: subject, Days: 90, TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// move puts a token's record in the state a kill left it in.
	move := func(tok est.Token, suffix string) {
		t.Helper()
		if err := os.Rename(filepath.Join(ts.Dir(), tok.ID+".json"), filepath.Join(ts.Dir(), tok.ID+suffix)); err != nil {
			t.Fatal(err)
		}
	}
	// A certificate issued before this token existed, with its subject:
	// not the token's.
	if _, err := store.Sign(t.Context(), pki.SignRequest{Name: "issued", Subject: mustName(t, "/C=US/O=Example Inc./CN=issued.example.com"), Days: 90,
		CSR: csr(t, ecKey(t), "/CN=issued.example.com", "")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the token is created a second later
	issued := create("issued", time.Hour)
	move(issued, ".signing")
	// Killed after the index line: the certificate the server would have
	// issued with the token.
	is, err := store.Sign(t.Context(), pki.SignRequest{Name: issued.Name, Subject: mustName(t, issued.Subject), Days: issued.Days,
		SANs: issued.SANs, CSR: csr(t, ecKey(t), "/CN=issued.example.com", "")})
	if err != nil {
		t.Fatal(err)
	}
	// A token of two names whose request asked for one (grant gives what
	// is asked): its certificate holds a part of the token's SANs.
	_, part, err := ts.Create(est.TokenRequest{Name: "part", Subject: mustName(t, "/C=US/O=Example Inc./CN=part.example.com"), Days: 90,
		TTL: time.Hour, SANs: mustSANs(t, "DNS:part.example.com,DNS:alt.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	move(part, ".signing")
	partIssued, err := store.Sign(t.Context(), pki.SignRequest{Name: part.Name, Subject: mustName(t, part.Subject), Days: part.Days,
		SANs: mustSANs(t, "DNS:part.example.com"), CSR: csr(t, ecKey(t), "/CN=part.example.com", "")})
	if err != nil {
		t.Fatal(err)
	}
	signing := create("signing", time.Hour)
	move(signing, ".signing")
	waiting := create("waiting", time.Hour)
	move(waiting, ".claimed")
	expired := create("expired", time.Second)
	move(expired, ".claimed")
	untouched := create("untouched", time.Hour)
	for time.Now().Before(expired.Expires) {
		time.Sleep(100 * time.Millisecond)
	}
	stale := filepath.Join(ts.Dir(), ".pkienroll-tmp-"+untouched.ID+".json~0123456789abcdef")
	fresh := filepath.Join(ts.Dir(), ".pkienroll-tmp-"+untouched.ID+".json~fedcba9876543210")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-10 * time.Minute)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}

	lines, err := ts.Reconcile(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		issued.ID:  "certificate " + is.Serial + " was issued: used",
		part.ID:    "certificate " + partIssued.Serial + " was issued: used",
		signing.ID: "no certificate was issued: active again",
		waiting.ID: "no certificate was issued: active again",
		expired.ID: "no certificate was issued: expired",
	}
	if len(lines) != len(want) {
		t.Errorf("%d lines, want %d: %q", len(lines), len(want), lines)
	}
	for id, w := range want {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(l, id[:12]) && strings.Contains(l, w)
		}
		if !found {
			t.Errorf("no line says %s of %s: %q", w, id[:12], lines)
		}
	}
	states := map[string]est.Token{}
	list, err := ts.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list {
		states[tok.ID] = tok
	}
	for _, c := range []struct {
		tok   est.Token
		state est.TokenState
	}{{issued, est.TokenUsed}, {part, est.TokenUsed}, {signing, est.TokenActive}, {waiting, est.TokenActive}, {expired, est.TokenExpired}, {untouched, est.TokenActive}} {
		if got := states[c.tok.ID].State; got != c.state {
			t.Errorf("token %s: %s, want %s", c.tok.Name, got, c.state)
		}
	}
	if got := states[issued.ID].Serial; got != is.Serial {
		t.Errorf("used token records serial %q, want %s", got, is.Serial)
	}
	if _, err := os.Lstat(stale); err == nil {
		t.Error("a stale temporary file was left")
	}
	if _, err := os.Lstat(fresh); err != nil {
		t.Errorf("a fresh temporary file was removed: %v", err)
	}
	if again, err := ts.Reconcile(context.Background(), store); err != nil || len(again) != 0 {
		t.Errorf("second run: %q, %v; want nothing", again, err)
	}
}

// TestReconcileWaitsForLock: reconciling takes the store's lock, so that it
// never sees a signer between its check and its index line.
func TestReconcileWaitsForLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	store, err := pki.InitStore(dir, pki.InitRequest{Subject: mustName(t, caSubject)}, pki.WithLockTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	unlock := pkitest.HoldLock(t, store.CACertPath())
	defer unlock()
	if _, err := est.OpenTokens(dir).Reconcile(context.Background(), store); !errors.Is(err, pki.ErrLocked) {
		t.Errorf("reconcile with the lock held elsewhere: %v, want ErrLocked", err)
	}
}

func mustName(t testing.TB, s string) dn.Name {
	t.Helper()
	n, err := dn.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustSANs(t testing.TB, s string) pki.SANs {
	t.Helper()
	sans, err := pki.ParseSANs(s)
	if err != nil {
		t.Fatal(err)
	}
	return sans
}
