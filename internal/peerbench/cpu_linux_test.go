package main

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with a space and a parenthesis of its own; utime 250
	// and stime 31 ticks.
	line := []byte("4242 (a b) c) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 31 0 0 20 0 5 0 100 0 0\n")
	got, err := parseStatCPU(line)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2810 * time.Millisecond; got != want {
		t.Errorf("parseStatCPU = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "4242 (x S 1", "4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194560 900 0 0 0 2x5 31 0"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q) took it", bad)
		}
	}
}

// TestCPUGrows checks both readers against this process's own work: a
// busy loop must show in each, and neither may go backwards.
func TestCPUGrows(t *testing.T) {
	p0, s0 := bothCPU(t)
	x := 0
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
		x++
	}
	p1, s1 := bothCPU(t)
	// The loop ran 300 ms of wall time; on a machine shared with other
	// tests it gets at least some tenth of it.
	if p1-p0 < 30*time.Millisecond || s1-s0 < 30*time.Millisecond {
		t.Errorf("a 300 ms busy loop (%d turns) showed as %v in /proc and %v in getrusage", x, p1-p0, s1-s0)
	}
}

// bothCPU is this process's CPU time by processCPU and by selfCPU.
func bothCPU(t *testing.T) (proc, self time.Duration) {
	t.Helper()
	proc, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self, err = selfCPU(); err != nil {
		t.Fatal(err)
	}
	return proc, self
}
