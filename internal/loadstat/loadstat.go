// Package loadstat is what the load benches (internal/estbench and
// internal/peerbench) compute and print alike: a level's rate and its
// latencies' percentiles, and the words and units of their tables.
package loadstat

import (
	"fmt"
	"slices"
	"time"
)

// Summary is one level's rate and latencies.
type Summary struct {
	Rate     float64 // certificates per second
	P50, P99 time.Duration
}

// Summarize is the rate of len(lat) enrollments in elapsed and their
// latencies' p50 and p99 (nearest rank); lat is left as it was. No
// latencies, or no time, is the zero Summary.
func Summarize(lat []time.Duration, elapsed time.Duration) Summary {
	if len(lat) == 0 || elapsed <= 0 {
		return Summary{}
	}
	p50, p99 := Percentiles(lat)
	return Summary{Rate: float64(len(lat)) / elapsed.Seconds(), P50: p50, P99: p99}
}

// Percentiles are the p50 and p99 of lat (nearest rank), zero for no
// latencies; lat is left as it was.
func Percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	n := len(lat)
	if n == 0 {
		return 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[(n*50+99)/100-1], s[(n*99+99)/100-1]
}

// Connections names a level's way with connections: each client's kept
// alive from one enrollment to the next, or one per enrollment.
func Connections(keep bool) string {
	if keep {
		return "kept alive"
	}
	return "one per enrollment"
}

// Ms is d in milliseconds with one decimal, as the tables print it.
func Ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
