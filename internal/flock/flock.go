// Package flock takes the exclusive flock(2) that the engine's scripts take
// with flock(1) (`flock -e -w TIMEOUT ca.pem`), waiting in the kernel's
// queue as flock(1) does, bounded by a timeout and a context.
package flock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// ErrLocked reports a lock that was not obtained in time.
var ErrLocked = errors.New("pki directory is busy")

// ErrSymlink reports a lock file that is a symbolic link.
var ErrSymlink = safefile.ErrSymlink

// Lock is an exclusive flock(2) held on an open file.
type Lock struct{ f *os.File }

// Exclusive takes an exclusive flock on path, the lock the engine's
// pki-enroll-request.sh takes on the CA certificate with `flock -e -w`, so
// that both can sign into one directory. It waits up to timeout (at least one
// try) or until ctx ends, then fails with ErrLocked (or ctx's error).
//
// It waits as flock(1) waits, in a blocking flock(2), so that it is in the
// kernel's queue of waiters with the engine's scripts and gets its turn
// (polling with LOCK_NB almost never found the lock free while scripts
// queued for it). See waitFlock for how the wait is bounded.
//
// A lock belongs to an inode, and a CA renewal replaces ca.pem with a new one: a
// waiter that opened the old file would otherwise get a lock nobody else
// contends for. So once locked, we check that path still names the locked
// inode, and start over on the new file when it does not.
func Exclusive(ctx context.Context, path string, timeout time.Duration) (*Lock, error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrSymlink)
		}
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, safefile.UnwrapPathError(err))
		}
		if err := waitFlock(ctx, f, deadline); err != nil {
			if errors.Is(err, ErrLocked) {
				return nil, fmt.Errorf("lock %s: another signer held it for %s: %w", path, timeout, err)
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if sameInode(f, path) {
			return &Lock{f: f}, nil
		}
		f.Close()
	}
}

// waitFlock takes an exclusive flock on f, waiting until the deadline or
// until ctx ends. On success the caller owns f, which holds the lock; on
// failure f is no longer the caller's: it is closed, now or (see below)
// later.
//
// flock(2) has no timeout, and Go's signal handlers use SA_RESTART, so a
// blocked flock cannot be interrupted. The blocking call therefore runs in
// a goroutine of its own, on f alone. When the deadline or ctx comes first,
// waitFlock returns and leaves the goroutine to finish: when the holder
// releases the lock, the abandoned waiter gets it and closes f at once,
// which releases it again. Until then it costs one goroutine and one
// descriptor, as long as the holder keeps the lock (and no longer than the
// process lives).
func waitFlock(ctx context.Context, f *os.File, deadline time.Time) error {
	fd := int(f.Fd())
	err := flockRetry(fd, syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return err
	}
	wait := time.Until(deadline)
	if wait <= 0 {
		f.Close()
		return ErrLocked
	}
	if err := ctx.Err(); err != nil {
		f.Close()
		return err
	}

	var mu sync.Mutex
	abandoned := false
	done := make(chan error, 1)
	go func() {
		err := flockRetry(fd, syscall.LOCK_EX)
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			f.Close() // drops the lock just taken
			return
		}
		done <- err
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var failure error
	select {
	case err := <-done:
		if err != nil {
			f.Close()
		}
		return err
	case <-timer.C:
		failure = ErrLocked
	case <-ctx.Done():
		failure = ctx.Err()
	}
	mu.Lock()
	abandoned = true
	select {
	case <-done: // the lock came just as we gave up: ours to drop
		f.Close()
	default: // the goroutine closes f when its flock returns
	}
	mu.Unlock()
	return failure
}

// flockRetry is flock(2), retried when a signal interrupts it.
func flockRetry(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			return err
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

// Unlock releases the lock; closing the descriptor drops the flock. It is
// safe to call more than once, and on nil.
func (l *Lock) Unlock() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
