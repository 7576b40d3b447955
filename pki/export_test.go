package pki

import "context"

// Batches is the number of batches q has committed.
func (q *SignQueue) Batches() int64 { return q.batches.Load() }

// Presigned is the number of batches q wrote as they were signed ahead of
// the lock.
func (q *SignQueue) Presigned() int64 { return q.presigned.Load() }

// Taken is the number of requests q has taken into batches.
func (q *SignQueue) Taken() int64 { return q.taken.Load() }

// Queued is the number of requests waiting for a batch.
func (q *SignQueue) Queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// Presign signs reqs ahead of the lock, as a SignQueue signs a batch while
// another writes: with the CA, serials and cert.conf of now. commit writes
// them under the lock as the queue does, and reports whether the
// certificates written are the ones signed ahead.
func (s *Store) Presign(reqs []SignRequest) (commit func(context.Context) ([]*Issued, bool, error), err error) {
	jobs, err := s.prepare(reqs)
	if err != nil {
		return nil, err
	}
	ca, err := s.loadCA()
	if err != nil {
		return nil, err
	}
	b, err := s.readBasis(ca, len(jobs))
	if err != nil {
		return nil, err
	}
	pre := s.startIssuing(b, jobs, nil, nil)
	pre.waitAll() //nolint:errcheck // the commit reports it
	return func(ctx context.Context) ([]*Issued, bool, error) {
		issued, _, err := s.signJobs(ctx, jobs, pre)
		return issued, err == nil && issued[0] == pre.issued[0], err
	}, nil
}
