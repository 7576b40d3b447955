package pki

import (
	"context"
	"errors"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
)

// maxQueueBatch bounds the certificates one hold of the lock commits.
const maxQueueBatch = 64

// SignQueue signs the requests of concurrent callers, such as the
// enrollments an EST server receives at once, in batches (group commit): a
// request that arrives while a batch holds the directory's lock waits for
// the next batch, which takes every request queued by then and writes them
// under one hold of the lock with one round of flushes. A lone request is
// signed at once.
//
// The batches are pipelined: while one batch holds the lock and writes,
// the next is already being signed, with the serials that follow the
// writing batch's. When its turn comes and serial.txt, the CA and cert.conf
// are still what it was signed with, its certificates are written as they
// are; when another signer (pkienroll sign, the engine's scripts, openssl
// ca) came in between, it is signed again under the lock. Either way the
// directory sees what SignBatch would write, in the same order.
//
// A SignQueue is safe for concurrent use; its zero value is not usable:
// make one with Store.NewSignQueue.
type SignQueue struct {
	store *Store
	// slots bounds the signatures in flight across the batches.
	slots chan struct{}

	mu      sync.Mutex
	queue   []*queued
	running bool

	// For tests: taken counts the requests taken into batches, batches the
	// batches committed, presigned those whose certificates were signed
	// ahead of the lock and written as they were.
	taken, batches, presigned atomic.Int64
}

// NewSignQueue returns a queue that signs into s.
func (s *Store) NewSignQueue() *SignQueue {
	return &SignQueue{store: s, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
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
// completes (or fails) whole, as Store's methods do.
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

// run signs batches until the queue is empty. One batch at a time holds
// the lock and writes (committing); meanwhile the next is taken from the
// queue and signed ahead with the serials that follow, when they are known.
func (q *SignQueue) run() {
	var committing *batchCommit
	// basis is what the next batch is signed ahead with: what the
	// committing batch leaves, as far as it is known; nil while unknown
	// (before the first commit, after a failed one).
	var basis *issueBasis
	for {
		if committing != nil && basis == nil {
			// Nothing to sign ahead with: let the queue fill while the
			// committing batch runs, then take it all.
			basis = committing.wait()
			committing = nil
		}
		batch := q.take()
		if len(batch) == 0 {
			if committing != nil {
				basis = committing.wait()
				committing = nil
				continue
			}
			if q.idle() {
				return
			}
			continue
		}
		jobs := make([]job, len(batch))
		for i, p := range batch {
			jobs[i] = p.job
		}
		var pre *issuing
		if basis != nil {
			b := *basis
			b.now = q.store.opts.now()
			var after *issuing
			if committing != nil {
				after = committing.pre
			}
			pre = q.store.startIssuing(b, jobs, q.slots, after)
		}
		// The batch commits after the one committing now, from the serial
		// that one leaves.
		var from *issueBasis
		if committing != nil {
			from = committing.wait()
		} else if pre != nil {
			from = &pre.basis
		}
		if pre != nil && (from == nil || from.first.Cmp(pre.basis.first) != 0) {
			pre.stop() // another signer came in between: signed again
			pre = nil
		}
		basis = nil
		if from != nil {
			next := *from
			next.first = new(big.Int).Add(from.first, big.NewInt(int64(len(jobs))))
			basis = &next
		}
		committing = q.commit(batch, jobs, pre)
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

// take removes the next batch from the queue: at most maxQueueBatch
// requests, each name once (a second request of a name waits for the next
// batch, as SignBatch refuses a name twice). Requests whose context has
// ended are answered at once and dropped.
func (q *SignQueue) take() []*queued {
	q.mu.Lock()
	defer q.mu.Unlock()
	var batch, rest []*queued
	names := make(map[string]bool)
	for _, p := range q.queue {
		switch {
		case p.ctx.Err() != nil:
			p.done <- queueAnswer{err: p.ctx.Err()}
		case len(batch) < maxQueueBatch && !names[p.job.req.Name]:
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

// batchCommit is a batch taking the lock and writing, in a goroutine of
// its own.
type batchCommit struct {
	pre  *issuing
	done chan *issueBasis
}

// wait waits for the commit and returns what a batch after it would be
// signed with, or nil when the commit failed.
func (c *batchCommit) wait() *issueBasis { return <-c.done }

// commit writes the batch in the background and answers its requests:
// with pre when it still holds (see Store.signJobs). A batch that fails
// for a reason that is not the lock's would fail every request in it, for
// the fault of one (a name whose certificate file is a directory, a
// renewal whose precondition no longer holds): then each is signed on its
// own, so every caller gets its own answer.
func (q *SignQueue) commit(batch []*queued, jobs []job, pre *issuing) *batchCommit {
	c := &batchCommit{pre: pre, done: make(chan *issueBasis, 1)}
	go func() {
		// The lock wait is bounded by the store's timeout; a batch serves
		// several callers, so no one caller's context may cancel it.
		issued, next, err := q.store.signJobs(context.Background(), jobs, pre)
		q.batches.Add(1)
		switch {
		case err == nil:
			if pre != nil && len(issued) > 0 && pre.issued[0] == issued[0] {
				// The certificates written are the ones signed ahead.
				q.presigned.Add(1)
			}
			for i, p := range batch {
				p.done <- queueAnswer{issued: issued[i]}
			}
		case len(batch) == 1 || errors.Is(err, ErrLocked):
			for _, p := range batch {
				p.done <- queueAnswer{err: err}
			}
		default:
			for _, p := range batch {
				is, _, err := q.store.signJobs(p.ctx, []job{p.job}, nil)
				var one *Issued
				if err == nil {
					one = is[0]
				}
				p.done <- queueAnswer{issued: one, err: err}
			}
		}
		c.done <- next
	}()
	return c
}
