package main

import (
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki/est"
)

// checkLimits refuses bounds that would refuse everything, before the
// server starts.
func (c *serveCmd) checkLimits() error {
	for _, f := range []struct {
		flag string
		n    int
	}{
		{"--max-concurrent", c.MaxConcurrent},
		{"--max-per-client", c.MaxPerClient},
		{"--max-conns", c.MaxConns},
		{"--max-conns-per-addr", c.MaxConnsPerAddr},
		{"--body-timeout", c.BodyTimeout},
	} {
		if f.n < 1 {
			return fmt.Errorf("%s %d: want at least 1", f.flag, f.n)
		}
	}
	if c.MaxFailures < 0 {
		return fmt.Errorf("--max-failures %d: want 0 or more", c.MaxFailures)
	}
	return nil
}

// estOptions are the EST server's bounds from the flags, and its access
// log.
func (c *serveCmd) estOptions(e *env) []est.Option {
	return []est.Option{
		est.WithMaxConcurrent(c.MaxConcurrent),
		est.WithMaxPerClient(c.MaxPerClient),
		est.WithBodyTimeout(time.Duration(c.BodyTimeout) * time.Second),
		est.WithFailureLimit(c.MaxFailures, time.Minute),
		est.WithEvents(c.events(e)),
	}
}

// connLimiter bounds the server's connections as the flags say; its
// Listener wraps the listening socket and its ConnState is the
// http.Server's.
func (c *serveCmd) connLimiter() *est.ConnLimiter {
	return &est.ConnLimiter{MaxConns: c.MaxConns, MaxConnsPerAddr: c.MaxConnsPerAddr}
}
