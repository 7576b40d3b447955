package pki

import (
	"context"
	"math/big"
)

// heldBatches bounds the batches one hold of the lock commits. While
// requests keep coming the queue keeps the lock from one batch to the
// next, so that it signs the next batch while the last one's files and
// index lines are being flushed and the cores never wait on the disk; it
// then lets the lock go, so that pkienroll sign, the engine's scripts and
// openssl ca, waiting in the kernel's queue, get it in turn. Four batches
// of 16 hold it for about as long as 64 signatures take.
const heldBatches = 4

// signed is a batch signed under the lock and not yet committed.
type signed struct {
	batch  []*queued
	jobs   []job
	issued []*Issued
	next   *big.Int
	err    error
}

// hold signs batch, and the batches queued meanwhile, under one hold of
// the lock (at most q.held), and answers their requests. The batches
// are committed strictly in order; batch n+1 is signed, with the serials
// that follow batch n's, while batch n is being written and flushed, and
// its preconditions run once batch n is committed, before anything of it
// is written. Should batch n fail before its commit point, batch n+1's
// signatures are dropped, never written nor handed out, and it is signed
// again after batch n's requests are answered; its serials are then those
// batch n did not use. Should batch n+1's signing or preconditions fail,
// it fails as a batch of its own does (alone).
func (q *SignQueue) hold(batch []*queued) {
	s := q.store
	// The lock wait is bounded by the store's timeout; a batch serves
	// several callers, so no one caller's context may cancel it.
	ca, lock, err := s.lockCA(context.Background())
	if err != nil {
		q.batches.Add(1)
		q.alone(batch, err)
		return
	}
	locked := true
	unlock := func() {
		if locked {
			lock.Unlock()
			locked = false
		}
	}
	defer unlock()
	cur := signed{batch: batch, jobs: jobsOf(batch)}
	if cur.err = preconditions(cur.jobs); cur.err == nil {
		cur.issued, cur.next, cur.err = s.issueAll(ca, cur.jobs)
	}
	if cur.err != nil {
		unlock()
		q.batches.Add(1)
		q.alone(cur.batch, cur.err)
		return
	}
	for n := 1; ; n++ {
		var following []*queued
		if n < q.held {
			following = q.take(namesOf(cur.batch))
		}
		nxt := signed{batch: following, jobs: jobsOf(following)}
		done := make(chan struct{})
		if len(following) > 0 {
			go func() {
				defer close(done)
				nxt.issued, nxt.next, nxt.err = s.issueFrom(ca, nxt.jobs, cur.next)
			}()
		} else {
			close(done)
		}
		err := s.commit(cur.jobs, cur.issued, cur.next)
		q.batches.Add(1)
		if int64(n) > q.mostHeld.Load() {
			q.mostHeld.Store(int64(n)) // only run writes it
		}
		committed := q.answer(cur.batch, cur.issued, err)
		<-done
		if !committed {
			// Nothing of cur was issued, so the serials nxt was signed
			// with are not used: its signatures are dropped.
			unlock()
			q.alone(cur.batch, err)
			if len(following) > 0 {
				q.dropped.Add(1)
				q.commit(following)
			}
			return
		}
		if len(following) == 0 {
			return
		}
		if nxt.err == nil {
			nxt.err = preconditions(nxt.jobs)
		}
		if nxt.err != nil {
			unlock()
			q.dropped.Add(1)
			q.batches.Add(1)
			q.alone(following, nxt.err)
			return
		}
		cur = nxt
	}
}
