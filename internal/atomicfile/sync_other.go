//go:build !linux

package atomicfile

// HaveSyncfs is false: syncfs(2) is Linux's alone. Without it Flush
// fsyncs each file (SyncAll), and nothing calls SyncFilesystem.
const HaveSyncfs = false

// SyncFilesystem syncs dir's entries only; it is not called where
// HaveSyncfs is false, since every file was fsynced when it was staged.
func SyncFilesystem(dir string) error {
	return SyncDir(dir)
}

// systemDirty is not known here; Flush does not ask where HaveSyncfs is
// false.
func systemDirty() (int64, bool) { return 0, false }
