package pki

import (
	"os"
	"syscall"
)

// FailIndexWrites makes every append to the index write half of its lines
// and fail with ENOSPC, as a full disk does, until restore is called. Not
// for parallel tests.
func FailIndexWrites() (restore func()) {
	saved := writeIndexAt
	writeIndexAt = func(f *os.File, b []byte, off int64) (int, error) {
		n, err := f.WriteAt(b[:len(b)/2], off)
		if err != nil {
			return n, err
		}
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return func() { writeIndexAt = saved }
}
