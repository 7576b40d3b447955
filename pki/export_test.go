package pki

// Batches is the number of batches q has committed.
func (q *SignQueue) Batches() int64 { return q.batches.Load() }

// MaxBatch is the most requests one batch of q takes.
func (q *SignQueue) MaxBatch() int { return q.maxBatch }

// Taken is the number of requests q has taken into batches.
func (q *SignQueue) Taken() int64 { return q.taken.Load() }

// Queued is the number of requests waiting for a batch.
func (q *SignQueue) Queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}
