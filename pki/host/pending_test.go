package host_test

import (
	"os"
	"testing"
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
