package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// RenameFile renames the file oldpath to newpath, replacing a file there:
// os.Rename without its Lstat of newpath, which it makes to refuse
// replacing a directory. rename(2) refuses that itself when oldpath is not
// a directory (EISDIR), and the Lstat cost about as much as the rename:
// with a token's three renames per enrollment and every staged file's,
// some 3 % of serve's CPU at 32 clients. The error is os.Rename's
// *os.LinkError.
func RenameFile(oldpath, newpath string) error {
	for {
		err := syscall.Rename(oldpath, newpath)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		}
		return nil
	}
}
