package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlushChoosesBySystemDirt: with little data waiting to be written
// Flush is a syncfs of the directories (where syncfs is), which does not
// open the staged files; with much, or where that is unknown, it fsyncs
// each file, so a staged file gone is an error naming its destination.
// Both flush the files that are there without error.
func TestFlushChoosesBySystemDirt(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "certs")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	stage := func(path string) *Staged {
		s, err := StageLocked(path, []byte("x\n"), 0o644, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Abort)
		return s
	}
	files := []*Staged{stage(filepath.Join(dir, "serial.txt")), stage(filepath.Join(sub, "a.pem"))}
	state := t.TempDir()
	for _, tc := range []struct {
		name  string
		dirty int64
		known bool
	}{
		{"quiet", 0, true},
		{"busy", syncfsDirtyBound + 1, true},
		{"unknown", 0, false},
	} {
		readDirty = func() (int64, bool) { return tc.dirty, tc.known }
		if err := Flush(files, []string{state, state, ""}); err != nil {
			t.Errorf("%s: Flush: %v", tc.name, err)
		}
	}
	gone := stage(filepath.Join(sub, "b.pem"))
	if err := os.Remove(gone.tmp); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		dirty       int64
		wantPerFile bool
	}{
		{"quiet", 0, !HaveSyncfs},
		{"busy", syncfsDirtyBound + 1, true},
	} {
		readDirty = func() (int64, bool) { return tc.dirty, true }
		err := Flush([]*Staged{gone}, nil)
		if tc.wantPerFile != (err != nil) {
			t.Errorf("%s: Flush of a staged file gone: %v; want an fsync of each file: %v", tc.name, err, tc.wantPerFile)
		}
		if err != nil && !strings.Contains(err.Error(), filepath.Join(sub, "b.pem")) {
			t.Errorf("%s: %q does not name the destination", tc.name, err)
		}
	}
	readDirty = systemDirty
}

// TestSystemDirty: where syncfs is, /proc/meminfo gives the system's data
// waiting to be written.
func TestSystemDirty(t *testing.T) {
	if !HaveSyncfs {
		t.Skip("no syncfs, Flush does not ask")
	}
	if n, ok := systemDirty(); !ok || n < 0 {
		t.Errorf("systemDirty() = %d, %v; want a count from /proc/meminfo", n, ok)
	}
}
