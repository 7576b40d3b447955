package loadstat

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(100-i) * time.Millisecond // unsorted on purpose
	}
	r := Summarize(lat, 2*time.Second)
	if r.Rate != 50 || r.P50 != 50*time.Millisecond || r.P99 != 99*time.Millisecond {
		t.Fatalf("Summarize = %+v", r)
	}
	if lat[0] != 100*time.Millisecond {
		t.Fatal("Summarize sorted its caller's slice")
	}
	if r := Summarize(nil, time.Second); r != (Summary{}) {
		t.Fatalf("Summarize(nil) = %+v", r)
	}
}

func TestFormat(t *testing.T) {
	if got := Ms(1234567 * time.Nanosecond); got != "1.2 ms" {
		t.Errorf("Ms = %q", got)
	}
	if Connections(true) != "kept alive" || Connections(false) != "one per enrollment" {
		t.Errorf("Connections: %q, %q", Connections(true), Connections(false))
	}
}
