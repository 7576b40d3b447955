package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// syncfsDirtyBound is the most data waiting to be written, in the whole
// system, for which Flush uses syncfs(2). syncfs flushes every dirty page
// of the file system, another program's too: a few megabytes are written
// in tens of milliseconds, but the engine's PostgreSQL on the same file
// system may hold hundreds, and the flush is made under the store's lock.
// Above the bound each file is fsynced on its own (SyncAll). A pkienroll
// serve at full load keeps the system's dirty data under 2 MB on the
// machine of docs/performance.md.
const syncfsDirtyBound = 4 << 20

// readDirty reports the bytes the system has waiting to be written
// (Dirty and Writeback of /proc/meminfo); false where that is not known.
// A variable for tests.
var readDirty = systemDirty

// Flush makes durable the contents of files, staged without a flush of
// their own, and the entries of each directory in dirs, before a caller
// renames any of them. Where syncfs is and the system has little data
// waiting to be written, it is one syncfs per file system involved:
// cheaper than an fsync each (docs/performance.md). Otherwise it is
// SyncAll, an fsync of each, issued together, which waits for nothing
// else.
func Flush(files []*Staged, dirs []string) error {
	if !HaveSyncfs {
		return SyncAll(files, dirs)
	}
	if dirty, ok := readDirty(); !ok || dirty > syncfsDirtyBound {
		return SyncAll(files, dirs)
	}
	all := make([]string, 0, len(files)+len(dirs))
	for _, f := range files {
		all = append(all, filepath.Dir(f.tmp))
	}
	return syncfsDirs(append(all, dirs...))
}

// syncfsDirs is one syncfs(2) per file system that dirs are on (a
// directory mounted elsewhere, say a certificate directory on a file
// system of its own, gets its own): the renames in them and every file
// staged unflushed there. An empty name is skipped. Only where
// HaveSyncfs.
func syncfsDirs(dirs []string) error {
	done := make(map[uint64]bool, len(dirs))
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			dev := uint64(st.Dev) //nolint:unconvert // Dev's type differs between platforms
			if done[dev] {
				continue
			}
			done[dev] = true
		}
		if err := SyncFilesystem(dir); err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return nil
}
