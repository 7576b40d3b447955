package atomicfile

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// maxParallelSyncs bounds the fsyncs SyncAll has in flight: a batch of 16
// certificates stages 33 files, and a thread blocked in fsync each would
// be more threads than the disk can use.
const maxParallelSyncs = 16

// SyncAll makes durable the contents of files, staged without a flush of
// their own, and the entries of each directory in dirs: one fsync each,
// issued together so that their waits overlap. Unlike syncfs(2) it flushes
// nothing else: another program's dirty data on the same file system (the
// engine's PostgreSQL) is not waited for. The first error, naming its
// file, is returned after every fsync has ended.
func SyncAll(files []*Staged, dirs []string) error {
	type target struct{ open, name string }
	targets := make([]target, 0, len(files)+len(dirs))
	for _, f := range files {
		targets = append(targets, target{f.tmp, f.path})
	}
	seen := make(map[string]bool, len(dirs))
	for _, d := range dirs {
		if d != "" && !seen[d] {
			seen[d] = true
			targets = append(targets, target{d, d})
		}
	}
	errs := make([]error, len(targets))
	slots := make(chan struct{}, maxParallelSyncs)
	var wg sync.WaitGroup
	for i, t := range targets {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := syncPath(t.open); err != nil {
				errs[i] = fmt.Errorf("write %s: %w", t.name, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// syncPath opens path (a staged file or a directory, never through a
// symbolic link) and fsyncs it.
func syncPath(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return safefile.UnwrapPathError(err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync: %w", safefile.UnwrapPathError(err))
	}
	return nil
}
