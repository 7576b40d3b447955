//go:build !linux

package pki

// haveSyncfs is false: syncfs(2) is Linux's alone. Without it a batch
// fsyncs each file as it is staged, as a single signing does, and never
// calls syncFilesystem.
const haveSyncfs = false

// syncFilesystem syncs dir's entries only; it is not called where
// haveSyncfs is false, since every file was fsynced when it was staged.
func syncFilesystem(dir string) error {
	return syncDir(dir)
}
