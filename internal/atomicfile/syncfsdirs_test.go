package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncfsDirs: directories on one file system, one named twice, and an
// empty name are flushed without error; a missing directory is an error
// that names it, and nothing after it is skipped silently.
func TestSyncfsDirs(t *testing.T) {
	t.Parallel()
	if !HaveSyncfs {
		t.Skip("no syncfs here: Flush fsyncs each file")
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "certs")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := StageLocked(filepath.Join(sub, "a.pem"), []byte("a\n"), 0o644, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := syncfsDirs([]string{dir, sub, "", dir}); err != nil {
		t.Fatalf("syncfsDirs: %v", err)
	}
	if err := s.Rename(); err != nil {
		t.Fatal(err)
	}
	if err := syncfsDirs([]string{sub}); err != nil {
		t.Fatalf("syncfsDirs after the rename: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(sub, "a.pem")); err != nil || string(got) != "a\n" {
		t.Fatalf("a.pem = %q, %v", got, err)
	}
	missing := filepath.Join(dir, "missing")
	err = syncfsDirs([]string{dir, missing})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("syncfsDirs of a missing directory: %v, want ErrNotExist", err)
	}
	if err != nil && !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not name %s", err, missing)
	}
}
