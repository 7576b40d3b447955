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
// under one hold of the lock with one round of flushes (Store.SignBatch).
// A lone request is signed at once. So under load the rate is bounded by
// the signatures, not by the lock and the flushes; the lock is taken as
// every signer takes it, so pkienroll sign, the engine's scripts and
// openssl ca go on signing in between.
//
// A SignQueue is safe for concurrent use; its zero value is not usable:
// make one with Store.NewSignQueue.
type SignQueue struct {
	store *Store
	// maxBatch bounds the certificates one hold of the lock signs.
	maxBatch int

	mu      sync.Mutex
	queue   []*queued
	running bool

	// For tests: taken counts the requests taken into batches, batches the
	// batches committed.
	taken, batches atomic.Int64
}

// NewSignQueue returns a queue that signs into s.
func (s *Store) NewSignQueue() *SignQueue {
	return &SignQueue{store: s, maxBatch: batchPerCore * runtime.GOMAXPROCS(0)}
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
		batch := q.take()
		if len(batch) == 0 {
			if q.idle() {
				return
			}
			continue
		}
		q.commit(batch)
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
// SignBatch refuses a name twice). Requests whose context has ended are
// answered at once and dropped.
func (q *SignQueue) take() []*queued {
	q.mu.Lock()
	defer q.mu.Unlock()
	var batch, rest []*queued
	names := make(map[string]bool)
	for _, p := range q.queue {
		switch {
		case p.ctx.Err() != nil:
			p.done <- queueAnswer{err: p.ctx.Err()}
		case len(batch) < q.maxBatch && !names[p.job.req.Name]:
			names[p.job.req.Name] = true
			batch = append(batch, p)
		default:
			rest = append(rest, p)
		}
	}
	q.queue = rest
	q.taken.Add(int64(len(batch)))
	return batch
}

// commit signs and writes the batch under one hold of the lock and
// answers its requests. A batch that fails for a reason that is not the
// lock's would fail every request in it, for the fault of one (a name
// whose certificate file is a directory, a renewal whose precondition no
// longer holds): then each is signed on its own, so every caller gets its
// own answer. A batch that fails after its commit point (the index lines
// are written) is never signed again: each caller gets its certificate and
// the error of its own request, if any.
func (q *SignQueue) commit(batch []*queued) {
	jobs := make([]job, len(batch))
	for i, p := range batch {
		jobs[i] = p.job
	}
	// The lock wait is bounded by the store's timeout; a batch serves
	// several callers, so no one caller's context may cancel it.
	issued, err := q.store.signJobs(context.Background(), jobs)
	q.batches.Add(1)
	var after afterCommit
	switch {
	case err == nil:
		for i, p := range batch {
			p.done <- queueAnswer{issued: issued[i]}
		}
	case errors.As(err, &after):
		// Past the commit point every certificate of the batch exists:
		// signing any again would issue it twice.
		for i, p := range batch {
			p.done <- queueAnswer{issued: issued[i], err: after[i]}
		}
	case len(batch) == 1 || errors.Is(err, ErrLocked):
		for _, p := range batch {
			p.done <- queueAnswer{err: err}
		}
	default:
		for _, p := range batch {
			is, err := q.store.signJobs(p.ctx, []job{p.job})
			var one *Issued
			if len(is) > 0 {
				one = is[0] // err, if any, is after the commit point
			}
			p.done <- queueAnswer{issued: one, err: err}
		}
	}
}
