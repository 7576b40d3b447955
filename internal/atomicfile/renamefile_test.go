package atomicfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// RenameFile does what os.Rename does for a file: it replaces a file, and
// refuses a directory at the new name or a missing old name, with the same
// kind of error.
func TestRenameFile(t *testing.T) {
	dir := t.TempDir()
	from, to := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for name, data := range map[string]string{from: "new", to: "old"} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := atomicfile.RenameFile(from, to); err != nil {
		t.Fatalf("RenameFile over a file: %v", err)
	}
	if got, err := os.ReadFile(to); err != nil || string(got) != "new" {
		t.Fatalf("after the rename %s holds %q, %v; want \"new\"", to, got, err)
	}

	err := atomicfile.RenameFile(from, to)
	var le *os.LinkError
	if !errors.As(err, &le) || !errors.Is(err, fs.ErrNotExist) || le.Old != from || le.New != to {
		t.Errorf("RenameFile of a missing file = %v; want an *os.LinkError naming both, ErrNotExist", err)
	}

	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.RenameFile(to, sub); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("RenameFile over a directory = %v; want EISDIR", err)
	}
	if fi, err := os.Lstat(sub); err != nil || !fi.IsDir() {
		t.Errorf("the directory is gone after a refused rename: %v, %v", fi, err)
	}
	if got, err := os.ReadFile(to); err != nil || string(got) != "new" {
		t.Errorf("the file moved after a refused rename: %q, %v", got, err)
	}
}
