package main

import (
	"context"
	"io"
	"testing"
)

// BenchmarkRunVersion is the command line's own cost before any work when
// no command is named: building kong's model of every command and flag,
// and parsing (docs/performance.md).
func BenchmarkRunVersion(b *testing.B) {
	for b.Loop() {
		if code := run(context.Background(), []string{"--version"}, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkRunSignHelp is the same cost for a command line that names its
// command, and prints its help.
func BenchmarkRunSignHelp(b *testing.B) {
	for b.Loop() {
		if code := run(context.Background(), []string{"sign", "--help"}, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
