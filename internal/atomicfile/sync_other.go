//go:build !linux

package atomicfile

// HaveSyncfs is false: syncfs(2) is Linux's alone. Without it a batch
// fsyncs each file as it is staged, as a single signing does, and never
// calls SyncFilesystem.
const HaveSyncfs = false

// SyncFilesystem syncs dir's entries only; it is not called where
// HaveSyncfs is false, since every file was fsynced when it was staged.
func SyncFilesystem(dir string) error {
	return SyncDir(dir)
}
