package pki

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// DefaultLockTimeout is how long signing waits for the PKI directory's lock,
// as the engine script's --timeout does.
const DefaultLockTimeout = 20 * time.Second

// lockPollInterval is how often a waiting signer retries the lock. flock(2)
// has no timed wait, so we poll with LOCK_NB; 20 ms keeps the wait short
// without burning the CPU the holder needs.
const lockPollInterval = 20 * time.Millisecond

// fileLock is an exclusive flock(2) held on an open file.
type fileLock struct{ f *os.File }

// lockExclusive takes an exclusive flock on path, the lock the engine's
// pki-enroll-request.sh takes on the CA certificate with `flock -e -w`, so
// that both can sign into one directory. It waits up to timeout (at least one
// try) or until ctx ends, then fails with ErrLocked.
//
// A lock belongs to an inode, and RenewCA replaces ca.pem with a new one: a
// waiter that opened the old file would otherwise get a lock nobody else
// contends for. So once locked, we check that path still names the locked
// inode, and start over on the new file when it does not.
func lockExclusive(ctx context.Context, path string, timeout time.Duration) (*fileLock, error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrSymlink)
		}
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, unwrapPathError(err))
		}
		if err := flockUntil(ctx, f, path, timeout, deadline); err != nil {
			f.Close()
			return nil, err
		}
		if sameInode(f, path) {
			return &fileLock{f: f}, nil
		}
		f.Close()
	}
}

// flockUntil polls for the lock on f until the deadline or ctx ends.
func flockUntil(ctx context.Context, f *os.File, path string, timeout time.Duration, deadline time.Time) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return fmt.Errorf("lock %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("lock %s: another signer held it for %s: %w", path, timeout, ErrLocked)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-time.After(lockPollInterval):
		}
	}
}

// sameInode reports whether path still names the open file f.
func sameInode(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

// unlock releases the lock; closing the descriptor drops the flock.
func (l *fileLock) unlock() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
