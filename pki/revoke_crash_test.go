package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// revokeCrashChildEnv names the PKI directory a revoke crash-test child
// signs and revokes in.
const revokeCrashChildEnv = "PKIENROLL_REVOKE_CRASH_CHILD_DIR"

// TestRevokeCrashChild is not a test: it is the process that
// TestRevokeSurvivesSIGKILL starts and kills. It signs a certificate and
// revokes it, over and over, until it is killed.
func TestRevokeCrashChild(t *testing.T) {
	dir := os.Getenv(revokeCrashChildEnv)
	if dir == "" {
		t.Skip("helper process for TestRevokeSurvivesSIGKILL")
	}
	s, err := pki.OpenStore(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	csr := crashRequest(t, "/C=US/O=Example Inc./CN=revoked.example.com")
	fmt.Println("ready")
	for i := 0; ; i++ {
		name := fmt.Sprintf("revoked%d", i%4)
		if _, err := s.Sign(context.Background(), pki.SignRequest{Name: name, Request: csr, Days: 30}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		if _, err := s.Revoke(context.Background(), pki.RevokeRequest{Name: name, Reason: "superseded"}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(5)
		}
		fmt.Println("done")
	}
}

// crashRequest is a parsed request for subject by a new P-256 key.
func crashRequest(t testing.TB, subject string) *x509.CertificateRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), cryptorand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: pkitest.Name(t, subject)})
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.ParseRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

// TestRevokeSurvivesSIGKILL kills revoking processes at random moments, in
// a CA of a thousand certificates (so that the rewrite of the index takes
// a while), and checks after each kill that the store is sound (ca check)
// and that no line of the index was lost or changed but by a revocation:
// every line before the kill is there after it, as it was or revoked.
func TestRevokeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 20 processes; skipped with -short")
	}
	s := pkitest.NewStore(t)
	csr := crashRequest(t, "/C=US/O=Example Inc./CN=host.example.com")
	var reqs []pki.SignRequest
	for i := range 1000 {
		reqs = append(reqs, pki.SignRequest{Name: fmt.Sprintf("host%d", i), Request: csr})
	}
	if _, err := s.SignBatch(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	seed := rng.Uint64()
	t.Logf("random delays seeded with %d", seed)
	rng = rand.New(rand.NewPCG(seed, 11))

	child := crashChildCommand("TestRevokeCrashChild", revokeCrashChildEnv+"="+s.Dir())
	window := newKillWindow(t, child)
	before := indexBySerial(t, s)
	first := len(before)
	for i := range 20 {
		window.kill(t, child, rng)
		when := fmt.Sprintf("after kill %d", i)
		assertStoreSound(t, s, when)
		after := indexBySerial(t, s)
		for serial, e := range before {
			now, ok := after[serial]
			switch {
			case !ok:
				t.Fatalf("%s: the line of serial %s is gone", when, serial)
			case now != e && (e.Status != pki.StatusValid || now.Status != pki.StatusRevoked):
				t.Fatalf("%s: the line of serial %s was %+v, is %+v", when, serial, e, now)
			}
		}
		before = after
	}
	if len(before) == first {
		t.Error("no child signed anything before it was killed: the kills tested nothing")
	}
	serials := signNames(t, s, "last")
	if _, err := s.Revoke(context.Background(), pki.RevokeRequest{Serial: serials[0]}); err != nil {
		t.Fatalf("revoking after the kills: %v", err)
	}
	assertStoreSound(t, s, "after the last revocation")
}

// indexBySerial reads the store's index, each entry by its serial; a
// serial twice fails the test.
func indexBySerial(t *testing.T, s *pki.Store) map[string]pki.Entry {
	t.Helper()
	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]pki.Entry, len(entries))
	for _, e := range entries {
		if _, ok := m[e.Serial]; ok {
			t.Fatalf("serial %s twice in the index", e.Serial)
		}
		m[e.Serial] = e
	}
	return m
}
