package pki_test

import (
	"context"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestSignQueueLetsFlockWaitersIn: while 32 callers keep the queue busy,
// batch after batch, the engine's script's `flock -e -w 10 ca.pem` gets
// the lock in each of five tries: the queue lets it go after each batch. The load is bounded by a
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
