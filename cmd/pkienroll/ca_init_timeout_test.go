package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestCAInitTakesTimeout: ca init takes a lock as every command that
// writes the PKI directory does (the directory itself, and for a second CA
// the lock of each CA already there), so it takes --timeout as they do:
// with the lock held it gives up after the timeout with the busy error
// and changes nothing.
func TestCAInitTakesTimeout(t *testing.T) {
	tests := []struct {
		name string
		// lock returns the directory to init and the file to hold locked.
		lock func(f *fixture) (dir, locked string)
		args []string
	}{
		{name: "new directory", lock: func(f *fixture) (string, string) {
			dir := f.path("new")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			return dir, dir
		}},
		{name: "second CA", lock: func(f *fixture) (string, string) { return f.pki, f.caPEM },
			args: []string{"--ca-file", "qemu-ca"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			dir, locked := tc.lock(f)
			pkitest.HoldLock(t, locked)
			before := pkitest.Snapshot(t, f.dir)
			args := append([]string{"ca", "init", "--pki-dir", dir, "--subject", "/CN=qemu-ca", "--timeout", "0.2"}, tc.args...)
			start := time.Now()
			r := runCLI(t, args...)
			if r.code != exitError || !strings.Contains(r.stderr, "busy") || !strings.Contains(r.stderr, filepath.Base(locked)) {
				t.Errorf("pkienroll %s with %s locked:\n%s\nwant exit 1 and the busy error naming it", strings.Join(args, " "), locked, r)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("gave up after %v, want about 0.2s", elapsed)
			}
			pkitest.AssertUnchanged(t, f.dir, before)
		})
	}
}
