package main

import "runtime/debug"

// serveGCPercent is the garbage collector's target (GOGC) that serve runs
// with unless its environment sets GOGC. Go's default, 100, collects
// whenever the heap doubles, and serve's live heap is a few megabytes: at 32
// clients it collected 13 times a second, and each collection took one of a
// 2-core machine's two processors for its marking and stopped both for up
// to 3 ms. At 400 the heap's smallest goal is 16 MB instead of 4 MB, and a
// collection comes about four times less often (docs/performance.md, "The
// serve path").
const serveGCPercent = 400

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
