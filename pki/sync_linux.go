package pki

import (
	"os"

	"golang.org/x/sys/unix"
)

// haveSyncfs is true where syncFilesystem is one syncfs(2).
const haveSyncfs = true

// syncFilesystem flushes every file of the file system holding dir with
// one syncfs(2): for a batch, one flush instead of one fsync per file.
func syncFilesystem(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return unwrapPathError(err)
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
