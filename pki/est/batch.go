package est

import (
	"context"
	"errors"
	"sync"

	"github.com/pkienroll/pkienroll/pki"
)

// batcher signs the requests of concurrent enrollments together: while one
// batch holds the store's lock, the requests that arrive queue up and are
// signed as the next batch, under one hold of the lock with one round of
// flushes (pki.Store.SignBatch). Throughput is then bounded by the
// signatures, not by the lock and the disk. A batch that fails is signed
// again one request at a time, so that one bad request (or one renewal
// that lost a race, see SignRequest.Precondition) fails alone. No
// goroutine runs while nothing is queued.
type batcher struct {
	store   *pki.Store
	mu      sync.Mutex
	queue   []pending
	running bool
}

type pending struct {
	req   pki.SignRequest
	reply chan<- signed
}

type signed struct {
	is  *pki.Issued
	err error
}

// sign queues req and waits for its certificate. It does not give up when
// ctx ends: the batch may be signing it already, and an enrollment must
// learn whether its certificate was issued (the lock's timeout bounds the
// wait). A request whose ctx has ended before its batch starts is not
// signed.
func (b *batcher) sign(ctx context.Context, req pki.SignRequest) (*pki.Issued, error) {
	reply := make(chan signed, 1)
	if ctx.Err() == nil {
		// Keep ctx's cancellation for the lock wait of a batch of one.
		pre := req.Precondition
		req.Precondition = func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if pre != nil {
				return pre()
			}
			return nil
		}
	}
	b.mu.Lock()
	b.queue = append(b.queue, pending{req, reply})
	if !b.running {
		b.running = true
		go b.run()
	}
	b.mu.Unlock()
	r := <-reply
	return r.is, r.err
}

// run signs batches until the queue is empty.
func (b *batcher) run() {
	for {
		b.mu.Lock()
		batch := b.queue
		b.queue = nil
		if len(batch) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.signBatch(batch)
	}
}

func (b *batcher) signBatch(batch []pending) {
	reqs := make([]pki.SignRequest, len(batch))
	for i, p := range batch {
		reqs[i] = p.req
	}
	// The lock wait is bounded by the store's timeout; the requests' own
	// contexts are checked by their preconditions, under the lock.
	issued, err := b.store.SignBatch(context.Background(), reqs)
	if err == nil {
		for i, p := range batch {
			p.reply <- signed{is: issued[i]}
		}
		return
	}
	if len(batch) == 1 || errors.Is(err, pki.ErrLocked) {
		// One request, or a lock not obtained in time: signing each alone
		// would fail the same way (and wait as long again).
		for _, p := range batch {
			p.reply <- signed{err: err}
		}
		return
	}
	for _, p := range batch {
		is, err := b.store.SignBatch(context.Background(), []pki.SignRequest{p.req})
		if err != nil {
			p.reply <- signed{err: err}
		} else {
			p.reply <- signed{is: is[0]}
		}
	}
}
