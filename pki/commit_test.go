package pki_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// indexLines is the number of lines of the store's index.
func indexLines(t testing.TB, s *pki.Store) int {
	t.Helper()
	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestSignErrorAfterCommit: a step after the index line fails (here the
// backup of certs/NAME.cer): the certificate exists, so Sign returns it
// with an error that says so (ErrAfterCommit), and the index holds it.
func TestSignErrorAfterCommit(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := pkitest.NewStore(t, pki.WithNow(func() time.Time { return now }))
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	first, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	pkitest.BlockBackups(t, s.CertPath("proxy"), now)
	lines := indexLines(t, s)
	is, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if !errors.Is(err, pki.ErrAfterCommit) {
		t.Fatalf("error %v, want ErrAfterCommit", err)
	}
	if is == nil {
		t.Fatal("no certificate returned with the error, though the index holds it")
	}
	if is.Serial == first.Serial {
		t.Fatalf("serial %s issued twice", is.Serial)
	}
	if n := indexLines(t, s); n != lines+1 {
		t.Errorf("%d index lines, want %d", n, lines+1)
	}
	if onDisk := pkitest.ReadCert(t, is.SerialCertPath); !onDisk.Equal(is.Certificate) {
		t.Errorf("%s is not the certificate returned", is.SerialCertPath)
	}
	for _, want := range []string{"proxy", is.Serial, "issued"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestSignQueueErrorAfterCommit: in a batch, a fault after the index lines
// is that request's alone, and no request of the batch is signed again (the
// queue signs a failed batch request by request, which after the commit
// point would issue every certificate twice).
func TestSignQueueErrorAfterCommit(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := pkitest.NewStore(t, pki.WithNow(func() time.Time { return now }))
	reqs := queueRequests(t, s, "first", "good", "blocked")
	if _, err := s.Sign(t.Context(), reqs[2]); err != nil {
		t.Fatal(err)
	}
	pkitest.BlockBackups(t, s.CertPath("blocked"), now)
	lines := indexLines(t, s)
	q := s.NewSignQueue()
	release := pkitest.HoldLock(t, s.CACertPath())
	issued := make([]*pki.Issued, len(reqs))
	errs := make([]error, len(reqs))
	done := make(chan int, len(reqs))
	sign := func(i int) {
		go func() { issued[i], errs[i] = q.Sign(context.Background(), reqs[i]); done <- i }()
	}
	// The first request's batch waits for the lock alone; the other two
	// queue behind it and make the next batch together.
	sign(0)
	for deadline := time.Now().Add(10 * time.Second); q.Taken() < 1; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first request was not taken into a batch in 10 s")
		}
	}
	sign(1)
	sign(2)
	waitArrived(t, q, 3)
	release()
	for range reqs {
		<-done
	}
	for i := range 2 {
		if errs[i] != nil || issued[i] == nil {
			t.Errorf("%s: %v", reqs[i].Name, errs[i])
		}
	}
	if !errors.Is(errs[2], pki.ErrAfterCommit) || issued[2] == nil {
		t.Errorf("blocked: %v (issued %v), want its certificate and ErrAfterCommit", errs[2], issued[2] != nil)
	}
	if n := indexLines(t, s); n != lines+3 {
		t.Errorf("%d index lines after signing 3, want %d", n, lines+3)
	}
	if n := q.Batches(); n != 2 {
		t.Errorf("%d batches, want 2", n)
	}
}
