package pki

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// batchPerCore bounds a batch at this many certificates per core: a full
// batch signs in about the time of eight signatures (10 ms for RSA-2048
// here), about twice its flushes. A bigger bound writes more per flush but
// makes every request behind a big batch wait for all of it; a smaller one
// pays the flushes more often. Of the bounds tried on the two cores of
// docs/performance.md (12 to 64 a batch), 16 gave the lowest p99 at 32
// clients, at the same rate.
const batchPerCore = 8

// SignQueue signs the requests of concurrent callers, such as the
// enrollments an EST server receives at once, in batches (group commit): a
// request that arrives while a batch holds the directory's lock waits for
// the next batch, which takes every request queued by then and writes them
// with one round of flushes (Store.SignBatch). A lone request is signed at
// once. While requests keep coming, one hold of the lock commits up to
// heldBatches batches, and each is signed while the one before it is
// written and flushed (hold). So under load the rate is bounded by the
// signatures, not by the lock and the flushes; the lock is taken as every
// signer takes it, and let go after each hold, so pkienroll sign, the
// engine's scripts and openssl ca go on signing in between.
//
// A SignQueue is safe for concurrent use; its zero value is not usable:
// make one with Store.NewSignQueue.
type SignQueue struct {
	store *Store
	// maxBatch bounds the certificates one batch signs.
	maxBatch int
	// held bounds the batches one hold of the lock commits (hold).
	held int

	mu      sync.Mutex
	queue   []*queued
	running bool

	// For tests: taken counts the requests taken into batches, batches the
	// batches committed, dropped the batches signed while the batch
	// before them was committed and then dropped unwritten (hold).
	// mostHeld is the most batches one hold of the lock committed.
	taken, batches, dropped, mostHeld atomic.Int64
}

// NewSignQueue returns a queue that signs into s.
func (s *Store) NewSignQueue() *SignQueue {
	return &SignQueue{store: s, maxBatch: batchPerCore * runtime.GOMAXPROCS(0), held: heldBatches}
}

// queued is one request waiting for its batch.
type queued struct {
	ctx  context.Context
	job  job
	done chan queueAnswer
}

// queueAnswer is the answer to one queued request.
type queueAnswer struct {
	issued *Issued
	err    error
}

// Sign signs req as Store.Sign does, in a batch with the requests of other
// callers. req is checked first, in the caller's goroutine: a refused
// request fails alone and at once. ctx only drops a request that is still
// queued when it ends; once its batch has the lock, the signature
// completes (or fails) whole, as Store's methods do. As from Store.Sign,
// an error that wraps ErrAfterCommit comes with the certificate it issued.
func (q *SignQueue) Sign(ctx context.Context, req SignRequest) (*Issued, error) {
	jobs, err := q.store.prepare([]SignRequest{req})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &queued{ctx: ctx, job: jobs[0], done: make(chan queueAnswer, 1)}
	q.mu.Lock()
	q.queue = append(q.queue, p)
	if !q.running {
		q.running = true
		go q.run()
	}
	q.mu.Unlock()
	a := <-p.done
	return a.issued, a.err
}

// run signs batches until the queue is empty.
func (q *SignQueue) run() {
	for {
		batch := q.take(nil)
		if len(batch) == 0 {
			if q.idle() {
				return
			}
			continue
		}
		q.hold(batch)
	}
}

// idle ends run when no request is queued, and reports whether it did.
func (q *SignQueue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) > 0 {
		return false
	}
	q.running = false
	return true
}

// take removes the next batch from the queue: at most maxBatch requests,
// each name once (a second request of a name waits for the next batch, as
// SignBatch refuses a name twice), and none of a name in busy, the batch
// being committed while this one is signed (its precondition would read
// the state before that commit). Requests whose context has ended are
// answered at once and dropped.
func (q *SignQueue) take(busy map[string]bool) []*queued {
	q.mu.Lock()
	defer q.mu.Unlock()
	var batch, rest []*queued
	names := make(map[string]bool)
	for _, p := range q.queue {
		switch name := p.job.req.Name; {
		case p.ctx.Err() != nil:
			p.done <- queueAnswer{err: p.ctx.Err()}
		case len(batch) < q.maxBatch && !names[name] && !busy[name]:
			names[name] = true
			batch = append(batch, p)
		default:
			rest = append(rest, p)
		}
	}
	q.queue = rest
	q.taken.Add(int64(len(batch)))
	return batch
}

// commit signs and writes the batch under a hold of the lock of its own
// and answers its requests, as hold does for a batch with no batch after
// it. It is hold's way out when a batch failed before its commit point.
func (q *SignQueue) commit(batch []*queued) {
	// The lock wait is bounded by the store's timeout; a batch serves
	// several callers, so no one caller's context may cancel it.
	issued, err := q.store.signJobs(context.Background(), jobsOf(batch))
	q.batches.Add(1)
	if q.answer(batch, issued, err) {
		return
	}
	q.alone(batch, err)
}

// answer gives each request of a batch that reached its commit point its
// certificate and the error of its own request, if any, and reports
// whether the batch got that far. A batch that fails after its commit
// point (the index lines are written) is never signed again: every
// certificate of it exists.
func (q *SignQueue) answer(batch []*queued, issued []*Issued, err error) bool {
	var after afterCommit
	switch {
	case err == nil:
		for i, p := range batch {
			p.done <- queueAnswer{issued: issued[i]}
		}
	case errors.As(err, &after):
		for i, p := range batch {
			p.done <- queueAnswer{issued: issued[i], err: after[i]}
		}
	default:
		return false
	}
	return true
}

// alone answers a batch that failed with err before its commit point,
// with the lock let go. Such a failure would fail every request in it for
// the fault of one (a name whose certificate file is a directory, a
// renewal whose precondition no longer holds): then each is signed on its
// own, so every caller gets its own answer. A lone request, a batch the
// lock refused, and one that found the store unsound (ErrBadStore: a
// serial.txt behind the index, an index whose failed append could not be
// cut back), which no request of it would fare better alone in, get err.
func (q *SignQueue) alone(batch []*queued, err error) {
	if len(batch) == 1 || errors.Is(err, ErrLocked) || errors.Is(err, ErrBadStore) {
		for _, p := range batch {
			p.done <- queueAnswer{err: err}
		}
		return
	}
	for _, p := range batch {
		is, err := q.store.signJobs(p.ctx, []job{p.job})
		var one *Issued
		if len(is) > 0 {
			one = is[0] // err, if any, is after the commit point
		}
		p.done <- queueAnswer{issued: one, err: err}
	}
}

// jobsOf is the jobs of a batch.
func jobsOf(batch []*queued) []job {
	jobs := make([]job, len(batch))
	for i, p := range batch {
		jobs[i] = p.job
	}
	return jobs
}

// namesOf is the set of the names of a batch.
func namesOf(batch []*queued) map[string]bool {
	names := make(map[string]bool, len(batch))
	for _, p := range batch {
		names[p.job.req.Name] = true
	}
	return names
}
