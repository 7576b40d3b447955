package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/est"
)

// BenchmarkRunVersion is the command line's own cost before any work when
// no command is named (--version): building kong's model of every command
// and flag, and parsing (docs/performance.md).
func BenchmarkRunVersion(b *testing.B) {
	for b.Loop() {
		if code := run(context.Background(), []string{"--version"}, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkRunOneCommand is the command line's cost for a command that
// names its command and asks for no help: kong models that command only
// (model.go), then `version` prints one line.
func BenchmarkRunOneCommand(b *testing.B) {
	for b.Loop() {
		if code := run(context.Background(), []string{"-q", "version"}, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkRunSignHelp is the same cost for a command line that names its
// command and prints its help, which takes the whole model.
func BenchmarkRunSignHelp(b *testing.B) {
	for b.Loop() {
		if code := run(context.Background(), []string{"sign", "--help"}, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkAccessLog is one line of serve's access log for an enrollment,
// written as text to a file that is not a terminal (the journal, or
// 2>>file): the cost the server pays per request for its log.
func BenchmarkAccessLog(b *testing.B) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	logged := accessLog(&env{log: newLogger(f, Globals{LogFormat: "text"}), logTo: f, logFormat: "text"})
	ev := est.Event{Op: "simpleenroll", Remote: "127.0.0.1:53412", Status: 200, Name: "proxy.example.com",
		Serial: "1A2B", TokenID: "0123456789ab", Duration: 3 * time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		logged(ev)
	}
}
