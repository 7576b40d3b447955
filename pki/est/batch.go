package est

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/pkienroll/pkienroll/pki"
)

// maxBatch bounds the certificates one hold of the store's lock signs.
const maxBatch = 64

// batcher signs the requests of concurrent enrollments in batches (group
// commit): a request that arrives while a batch holds the store's lock
// waits for the next batch, which takes every request queued by then, under
// one hold of the lock and with one flush of the disk (pki.SignBatch). So
// under load the server's rate is bounded by the signatures, not by the
// lock and the fsyncs; a lone request is signed at once, as before.
//
// A batch that fails before it writes anything because of one of its
// requests (a bad name, a refused key) would fail them all: then each is
// signed on its own, so every client gets its own answer.
type batcher struct {
	store *pki.Store

	mu      sync.Mutex
	queue   []*pending
	running bool

	// batches counts the calls of SignBatch, for tests.
	batches atomic.Int64
}

// pending is one request waiting for its batch.
type pending struct {
	ctx  context.Context
	req  pki.SignRequest
	done chan signed
}

// signed is the answer to one pending request.
type signed struct {
	issued *pki.Issued
	err    error
}

// sign queues req for the next batch and waits for its answer. ctx only
// drops a request that is still queued when it ends; once its batch has the
// lock, the signature completes (or fails) whole, as pki.Store's methods do.
func (b *batcher) sign(ctx context.Context, req pki.SignRequest) (*pki.Issued, error) {
	p := &pending{ctx: ctx, req: req, done: make(chan signed, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	if !b.running {
		b.running = true
		go b.run()
	}
	b.mu.Unlock()
	r := <-p.done
	return r.issued, r.err
}

// run signs batches until the queue is empty.
func (b *batcher) run() {
	for {
		b.mu.Lock()
		batch := b.take()
		if batch == nil && len(b.queue) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		if batch != nil {
			b.signBatch(batch)
		}
	}
}

// take removes the next batch from the queue: at most maxBatch requests,
// each name once (SignBatch refuses a name twice; a second request of a
// name waits for the next batch). Requests whose context has ended are
// answered at once and dropped. The caller holds mu.
func (b *batcher) take() []*pending {
	var batch, rest []*pending
	names := make(map[string]bool)
	for _, p := range b.queue {
		switch {
		case p.ctx.Err() != nil:
			p.done <- signed{err: p.ctx.Err()}
		case len(batch) < maxBatch && !names[p.req.Name]:
			names[p.req.Name] = true
			batch = append(batch, p)
		default:
			rest = append(rest, p)
		}
	}
	b.queue = rest
	return batch
}

// signBatch signs the batch under one hold of the lock, or, when the batch
// fails for a reason that is not the lock's, each request on its own.
func (b *batcher) signBatch(batch []*pending) {
	reqs := make([]pki.SignRequest, len(batch))
	for i, p := range batch {
		reqs[i] = p.req
	}
	b.batches.Add(1)
	// The lock wait is bounded by the store's timeout; a batch serves
	// several clients, so no one client's context may cancel it.
	issued, err := b.store.SignBatch(context.Background(), reqs)
	switch {
	case err == nil:
		for i, p := range batch {
			p.done <- signed{issued: issued[i]}
		}
	case len(batch) == 1 || errors.Is(err, pki.ErrLocked):
		for _, p := range batch {
			p.done <- signed{err: err}
		}
	default:
		for _, p := range batch {
			is, err := b.store.Sign(p.ctx, p.req)
			p.done <- signed{issued: is, err: err}
		}
	}
}
