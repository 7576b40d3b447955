package main

import (
	"context"
	"io"
	"testing"
)

// BenchmarkRunVersion is the command line's own cost before any work:
// building kong's model of every command and flag, and parsing. Every
// `pkienroll` process pays it once (docs/performance.md).
func BenchmarkRunVersion(b *testing.B) {
	for b.Loop() {
		if code := run(context.Background(), []string{"--version"}, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
