package pki_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// queueInOrder signs reqs through q while another signer holds the lock,
// each request reaching q after the one before it, so that the first
// request takes the batch that waits for the lock and the others fill the
// batches after it in their order; it lets the lock go once all have
// arrived and returns each answer.
func queueInOrder(t *testing.T, s *pki.Store, q *pki.SignQueue, reqs []pki.SignRequest) ([]*pki.Issued, []error) {
	t.Helper()
	release := pkitest.HoldLock(t, s.CACertPath())
	issued := make([]*pki.Issued, len(reqs))
	errs := make([]error, len(reqs))
	done := make(chan int, len(reqs))
	for i, req := range reqs {
		go func() {
			issued[i], errs[i] = q.Sign(context.Background(), req)
			done <- i
		}()
		waitArrived(t, q, i+1)
	}
	release()
	for range reqs {
		<-done
	}
	return issued, errs
}

// assertIssuedRecorded checks that every certificate handed out is the
// one of its serial in the index and in certs/SERIAL.pem, that no serial
// was handed out twice, that the index holds nothing else but its before
// lines, and that the store is clean.
func assertIssuedRecorded(t *testing.T, s *pki.Store, before int, issued []*pki.Issued) {
	t.Helper()
	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	inIndex := make(map[string]bool, len(entries))
	for _, e := range entries {
		inIndex[e.Serial] = true
	}
	seen := make(map[string]string)
	for _, is := range issued {
		if is == nil {
			continue
		}
		if other, ok := seen[is.Serial]; ok {
			t.Errorf("serial %s handed out to %s and %s", is.Serial, other, is.Name)
		}
		seen[is.Serial] = is.Name
		if !inIndex[is.Serial] {
			t.Errorf("%s got serial %s, which the index does not hold", is.Name, is.Serial)
			continue
		}
		if onDisk := pkitest.ReadCert(t, is.SerialCertPath); !onDisk.Equal(is.Certificate) {
			t.Errorf("%s: %s is not the certificate handed out", is.Name, is.SerialCertPath)
		}
	}
	if len(entries) != before+len(seen) {
		t.Errorf("%d index lines, %d before and %d certificates handed out", len(entries), before, len(seen))
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) > 0 {
		t.Errorf("check: %v %q", err, problems)
	}
}

// TestSignQueueDropsBatchAfterFailedCommit: batch n fails before its
// commit point (certs/bad.cer is a directory) while batch n+1 is signed
// with the serials after its own; batch n+1's signatures are dropped, the
// batch signed again with the serials batch n did not use, and every
// caller but bad's gets a certificate the index holds, none twice.
func TestSignQueueDropsBatchAfterFailedCommit(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	q := s.NewSignQueue()
	// Batch 0 is "first", alone, waiting for the lock; batch 1 is the next
	// MaxBatch requests, "bad" among them; batch 2 the three after them.
	n := 1 + q.MaxBatch() + 3
	all := names("host", n)
	all[2] = "bad"
	reqs := queueRequests(t, s, all...)
	if err := os.Mkdir(s.CertPath("bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := indexLines(t, s)
	issued, errs := queueInOrder(t, s, q, reqs)
	for i, err := range errs {
		if reqs[i].Name == "bad" {
			if err == nil || issued[i] != nil {
				t.Errorf("bad: signed over a directory (%v)", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", reqs[i].Name, err)
		}
	}
	if q.Dropped() != 1 {
		t.Errorf("%d batches signed and dropped, want 1 (the one after the failed batch)", q.Dropped())
	}
	if err := os.Remove(s.CertPath("bad")); err != nil {
		t.Fatal(err)
	}
	assertIssuedRecorded(t, s, before, issued)
}

// TestSignQueuePreconditionAfterSigning: a batch signed while the one
// before it is committed runs its preconditions once that commit is done,
// before anything of it is written; one that fails there is refused alone,
// with nothing issued, and the others of its batch are signed.
func TestSignQueuePreconditionAfterSigning(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	q := s.NewSignQueue()
	n := 1 + q.MaxBatch() + 3
	reqs := queueRequests(t, s, names("host", n)...)
	errGone := errors.New("the token was revoked meanwhile")
	last := len(reqs) - 1
	checked := make(chan struct{}, n)
	reqs[last].Precondition = func() error { checked <- struct{}{}; return errGone }
	before := indexLines(t, s)
	issued, errs := queueInOrder(t, s, q, reqs)
	for i, err := range errs {
		switch {
		case i == last:
			if !errors.Is(err, errGone) || issued[i] != nil {
				t.Errorf("%s: %v (issued %v), want the precondition's error and nothing issued", reqs[i].Name, err, issued[i] != nil)
			}
		case err != nil:
			t.Errorf("%s: %v", reqs[i].Name, err)
		}
	}
	if len(checked) == 0 {
		t.Error("the precondition never ran")
	}
	if q.Dropped() != 1 {
		t.Errorf("%d batches signed and dropped, want 1", q.Dropped())
	}
	if _, err := os.Lstat(s.CertPath(reqs[last].Name)); err == nil {
		t.Errorf("%s was written", s.CertPath(reqs[last].Name))
	}
	assertIssuedRecorded(t, s, before, issued)
}

// TestSignQueueLetsFlockWaitersIn: while 32 callers keep the queue busy,
// so that it keeps the lock from batch to batch, the engine's script's
// `flock -e -w 10 ca.pem` gets the lock in each of five tries, and no hold
// of the lock commits more than the queue's bound of batches. The load is bounded by a
// number of signatures, and must still be going when the last try ends.
func TestSignQueueLetsFlockWaitersIn(t *testing.T) {
	if testing.Short() {
		t.Skip("keeps the queue busy for seconds; skipped with -short")
	}
	flock := flockBinary(t)
	s := pkitest.NewStore(t)
	const callers = 32
	reqs := queueRequests(t, s, names("busy", callers)...)
	q := s.NewSignQueue()
	stop := make(chan struct{})
	var signedCount atomic.Int64
	const most = 4000 // signatures at most, whatever happens
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if signedCount.Add(1) > most {
					return
				}
				if _, err := q.Sign(context.Background(), reqs[c]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	waitBatches(t, q, 2)
	for try := range 5 {
		out, err := exec.Command(flock, "-e", "-w", "10", s.CACertPath(), "true").CombinedOutput()
		if err != nil {
			t.Errorf("try %d: flock -e -w 10 did not get the lock while the queue signed: %v %s", try, err, out)
		}
	}
	busy := signedCount.Load() < most
	close(stop)
	wg.Wait()
	if !busy {
		t.Fatalf("the queue's load ended (%d signatures) before the flock tries did: nothing was tested", most)
	}
	// The load kept the lock from batch to batch, within the bound.
	if m := q.MostHeld(); m < 2 || m > int64(q.Held()) {
		t.Errorf("one hold of the lock committed up to %d batches, want 2 to %d", m, q.Held())
	}
}

// waitBatches waits until q has committed n batches.
func waitBatches(t *testing.T, q *pki.SignQueue, n int64) {
	t.Helper()
	for range 5000 {
		if q.Batches() >= n {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%d batches after 10 s, want %d", q.Batches(), n)
}
