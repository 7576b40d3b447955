package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncDirs: directories on one file system, one named twice, and an
// empty name are flushed without error; a missing directory is an error
// that names it, and nothing after it is skipped silently.
func TestSyncDirs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sub := filepath.Join(dir, "certs")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := StageLocked(filepath.Join(sub, "a.pem"), []byte("a\n"), 0o644, !HaveSyncfs)
	if err != nil {
		t.Fatal(err)
	}
	if err := SyncDirs(dir, sub, "", dir); err != nil {
		t.Fatalf("SyncDirs: %v", err)
	}
	if err := s.Rename(); err != nil {
		t.Fatal(err)
	}
	if err := SyncDirs(sub); err != nil {
		t.Fatalf("SyncDirs after the rename: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(sub, "a.pem")); err != nil || string(got) != "a\n" {
		t.Fatalf("a.pem = %q, %v", got, err)
	}
	missing := filepath.Join(dir, "missing")
	err = SyncDirs(dir, missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SyncDirs of a missing directory: %v, want ErrNotExist", err)
	}
	if err != nil && !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not name %s", err, missing)
	}
}
