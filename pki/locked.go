package pki

import "context"

// Locked runs f while it holds the directory's lock, taken as signers take
// it (waiting up to the store's lock timeout), and returns f's error. It is
// for state kept beside the store that must agree with the index, such as
// pki/est's enrollment tokens: under the lock no signer is between its
// checks and its index line, so what the index says is final.
func (s *Store) Locked(ctx context.Context, f func() error) error {
	lock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return f()
}
