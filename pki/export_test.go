package pki

// Batches is the number of batches q has committed.
func (q *SignQueue) Batches() int64 { return q.batches.Load() }

// Taken is the number of requests q has taken into batches.
func (q *SignQueue) Taken() int64 { return q.taken.Load() }

// Queued is the number of requests waiting for a batch.
func (q *SignQueue) Queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}
