package host_test

import (
	"errors"
	"os"
	"testing"

	"github.com/pkienroll/pkienroll/pki/host"
)

// TestPending: the marker is written 0600 beside the certificate, found,
// and removed; removing none is no error.
func TestPending(t *testing.T) {
	f := filesIn(t)
	if f.Pending() {
		t.Fatal("pending before any mark")
	}
	if err := f.MarkPending([]byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(f.Cert + ".hook-pending"); err != nil || fi.Mode().Perm() != 0o600 || !f.Pending() {
		t.Fatalf("marker: %v", err)
	}
	if err := f.MarkPending([]byte("{}\n")); err != nil {
		t.Errorf("a second mark: %v", err)
	}
	for range 2 {
		if err := f.ClearPending(); err != nil {
			t.Errorf("clear: %v", err)
		}
	}
	if f.Pending() {
		t.Error("still pending")
	}
}

// TestPendingWithoutCert: Files that name no certificate have no marker:
// MarkPending is ErrNoPath and writes nothing (it wrote ".hook-pending" in
// the working directory), Pending is false, ClearPending removes nothing.
func TestPendingWithoutCert(t *testing.T) {
	t.Chdir(t.TempDir())
	var f host.Files
	if err := f.MarkPending([]byte("note\n")); !errors.Is(err, host.ErrNoPath) {
		t.Errorf("MarkPending: %v, want ErrNoPath", err)
	}
	if _, err := os.Lstat(".hook-pending"); err == nil {
		t.Error("MarkPending wrote .hook-pending in the working directory")
	}
	if err := os.WriteFile(".hook-pending", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if f.Pending() || f.PendingPath() != "" {
		t.Errorf("Pending %v, PendingPath %q", f.Pending(), f.PendingPath())
	}
	if err := f.ClearPending(); err != nil {
		t.Errorf("ClearPending: %v", err)
	}
	if _, err := os.Lstat(".hook-pending"); err != nil {
		t.Error("ClearPending removed a file it does not own")
	}
}
