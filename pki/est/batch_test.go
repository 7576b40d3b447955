package est

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/flock"
	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// holdLock takes the store's lock, as another signer would, until the
// returned function is called: requests queue behind it meanwhile.
func holdLock(t *testing.T, s *pki.Store) (release func()) {
	t.Helper()
	l, err := flock.Exclusive(t.Context(), s.CACertPath(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return l.Unlock
}

// signAll signs reqs from one goroutine each while the lock is held, then
// lets the batcher go, and returns each answer.
func signAll(t *testing.T, b *batcher, reqs []pki.SignRequest) ([]*pki.Issued, []error) {
	t.Helper()
	release := holdLock(t, b.store)
	issued := make([]*pki.Issued, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() { issued[i], errs[i] = b.sign(context.Background(), req) })
	}
	// Every request is queued (or its batch waits for the lock) before the
	// lock goes.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		queued := len(b.queue)
		b.mu.Unlock()
		if queued >= len(reqs)-1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	release()
	wg.Wait()
	return issued, errs
}

func batchRequests(t *testing.T, s *pki.Store, names ...string) []pki.SignRequest {
	t.Helper()
	reqs := make([]pki.SignRequest, len(names))
	for i, name := range names {
		pkitest.WriteRequest(t, s, name, fmt.Sprintf("/C=US/O=Example Inc./CN=%s.example.com", name))
		reqs[i] = pki.SignRequest{Name: name}
	}
	return reqs
}

// TestBatcherGroupsConcurrentRequests: requests that arrive while the lock
// is busy are signed together, in one or two holds of the lock, each with
// its own serial.
func TestBatcherGroupsConcurrentRequests(t *testing.T) {
	s := pkitest.NewStore(t)
	names := make([]string, 24)
	for i := range names {
		names[i] = fmt.Sprintf("proxy%02d", i)
	}
	b := &batcher{store: s}
	issued, errs := signAll(t, b, batchRequests(t, s, names...))
	serials := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
		if serials[issued[i].Serial] {
			t.Errorf("serial %s issued twice", issued[i].Serial)
		}
		serials[issued[i].Serial] = true
		if issued[i].Name != names[i] {
			t.Errorf("request %s got the certificate of %s", names[i], issued[i].Name)
		}
	}
	if n := b.batches.Load(); n > 2 {
		t.Errorf("%d requests queued behind the lock took %d batches, want at most 2", len(names), n)
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) > 0 {
		t.Errorf("check: %v %q", err, problems)
	}
}

// TestBatcherIsolatesFailures: one refused request in a batch fails alone;
// the others of its batch are signed; and two requests of one name, which
// no batch may hold twice, are both signed, one after the other.
func TestBatcherIsolatesFailures(t *testing.T) {
	s := pkitest.NewStore(t)
	reqs := batchRequests(t, s, "a", "b", "c")
	reqs = append(reqs, pki.SignRequest{Name: "missing"}, pki.SignRequest{Name: "a"})
	b := &batcher{store: s}
	issued, errs := signAll(t, b, reqs)
	for i, err := range errs {
		switch {
		case reqs[i].Name == "missing":
			if !errors.Is(err, pki.ErrNoRequest) {
				t.Errorf("missing request: %v, want ErrNoRequest", err)
			}
		case err != nil:
			t.Errorf("%s: %v", reqs[i].Name, err)
		}
	}
	if errs[0] == nil && errs[4] == nil && issued[0].Serial == issued[4].Serial {
		t.Errorf("both requests of a got serial %s", issued[0].Serial)
	}
}

// TestBatcherDropsCancelledRequests: a request whose context ends while it
// is queued is answered with the context's error and never signed.
func TestBatcherDropsCancelledRequests(t *testing.T) {
	s := pkitest.NewStore(t)
	batchRequests(t, s, "first", "late")
	b := &batcher{store: s}
	release := holdLock(t, s)
	first := make(chan error, 1)
	go func() { _, err := b.sign(context.Background(), pki.SignRequest{Name: "first"}); first <- err }()
	time.Sleep(50 * time.Millisecond) // "first" takes the batch that waits for the lock
	ctx, cancel := context.WithCancel(context.Background())
	late := make(chan error, 1)
	go func() { _, err := b.sign(ctx, pki.SignRequest{Name: "late"}); late <- err }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-late; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v, want context.Canceled", err)
	}
	if _, err := pki.ReadCertificate(s.CertPath("late")); err == nil {
		t.Error("the cancelled request was signed")
	}
}
