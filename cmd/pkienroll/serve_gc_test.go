package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneServeGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range []struct {
		gogc string
		set  int // what the runtime holds before serve starts
		want int
	}{
		{gogc: "", set: 100, want: serveGCPercent},
		{gogc: "50", set: 50, want: 50},
		{gogc: "off", set: -1, want: -1},
	} {
		debug.SetGCPercent(tc.set)
		got := tuneServeGC(func(key string) string {
			if key == "GOGC" {
				return tc.gogc
			}
			return ""
		})
		if held := debug.SetGCPercent(tc.set); got != tc.want || held != tc.want {
			t.Errorf("GOGC=%q: tuneServeGC = %d, runtime holds %d; want %d", tc.gogc, got, held, tc.want)
		}
	}
}
