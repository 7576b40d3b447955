package atomicfile

import (
	"os"

	"github.com/pkienroll/pkienroll/internal/safefile"
	"golang.org/x/sys/unix"
)

// HaveSyncfs is true where SyncFilesystem is one syncfs(2).
const HaveSyncfs = true

// SyncFilesystem flushes every file of the file system holding dir with
// one syncfs(2): for a batch, one flush instead of one fsync per file.
func SyncFilesystem(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return safefile.UnwrapPathError(err)
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
