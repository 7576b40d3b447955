package atomicfile

import (
	"fmt"
	"os"
	"syscall"
)

// SyncDirs makes durable what was written under each of dirs: the renames
// in them and, where HaveSyncfs, the files written without a flush of
// their own. Where HaveSyncfs it is one syncfs(2) per file system the
// directories are on (a directory mounted elsewhere, say a certificate
// directory on a file system of its own, gets its own), so that one call
// covers several directories and every file staged unsynced in them;
// elsewhere it is an fsync of each directory, the files having been synced
// when they were staged. A directory named twice is flushed once.
func SyncDirs(dirs ...string) error {
	seen := make(map[uint64]bool, len(dirs))
	done := make(map[string]bool, len(dirs))
	for _, dir := range dirs {
		if dir == "" || done[dir] {
			continue
		}
		done[dir] = true
		if !HaveSyncfs {
			if err := SyncDir(dir); err != nil {
				return fmt.Errorf("sync %s: %w", dir, err)
			}
			continue
		}
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok {
			dev := uint64(st.Dev) //nolint:unconvert // Dev's type differs between platforms
			if seen[dev] {
				continue
			}
			seen[dev] = true
		}
		if err := SyncFilesystem(dir); err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return nil
}
