package main

import "runtime/debug"

// serveGCPercent is the garbage collector's target (GOGC) that serve runs
// with unless its environment sets GOGC. Go's default, 100, collects
// whenever the heap doubles, and serve's live heap is a few megabytes: at 32
// clients it collected 13 times a second, and each collection took one of a
// 2-core machine's two processors for its marking and stopped both for up
// to 3 ms. At 200 the heap's smallest goal is 8 MB instead of 4 MB, and a
// collection comes about two and a half times less often. 400 saved a
// little more CPU, but the heap of a metrics scrape, which grows with the
// directory, then peaked at 2.4 times Go's default instead of 1.4 times
// (docs/performance.md, "The serve path").
const serveGCPercent = 200

// tuneServeGC sets serve's GC target to serveGCPercent unless GOGC, read
// with getenv, chose one, which the runtime has then applied. It returns the
// target in force.
func tuneServeGC(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		current := debug.SetGCPercent(100)
		debug.SetGCPercent(current)
		return current
	}
	debug.SetGCPercent(serveGCPercent)
	return serveGCPercent
}
