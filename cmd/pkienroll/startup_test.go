package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// TestStartupBuildsOneCommand: a command line that names a command builds
// kong's model of that command only, not of the whole command line, which
// was most of a `sign` process (docs/performance.md). Allocations stand in
// for the time, since they do not move with the machine's load: the run,
// command included, must allocate less than a quarter of what the whole
// model alone does.
func TestStartupBuildsOneCommand(t *testing.T) {
	whole := testing.AllocsPerRun(5, func() {
		if _, err := newParser(&cli{}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	})
	noStore := filepath.Join(t.TempDir(), "none")
	for _, args := range [][]string{
		{"version"},
		{"-q", "sign", "--pki-dir", noStore, "--name", "proxy", "--days", "730"},
	} {
		allocs := testing.AllocsPerRun(5, func() {
			run(context.Background(), args, io.Discard, io.Discard)
		})
		if allocs > whole/4 {
			t.Errorf("%q: %.0f allocations, the whole model alone %.0f: more than a quarter of it", args, allocs, whole)
		}
	}
}
