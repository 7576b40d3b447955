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

// Dropped is the number of batches q signed while the batch before them
// was committed, and then dropped unwritten.
func (q *SignQueue) Dropped() int64 { return q.dropped.Load() }

// SetHeld bounds the batches one hold of q's lock commits; 1 signs each
// batch in a hold of its own, none while another is written.
func (q *SignQueue) SetHeld(n int) { q.held = n }

// MostHeld is the most batches one hold of q's lock committed.
func (q *SignQueue) MostHeld() int64 { return q.mostHeld.Load() }

// Held is the bound on the batches one hold of q's lock commits.
func (q *SignQueue) Held() int { return q.held }
