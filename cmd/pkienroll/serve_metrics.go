package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"

	"github.com/charmbracelet/log"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
	"github.com/pkienroll/pkienroll/pki/metrics"
)

// serveMetrics serves --metrics-listen, when given: /metrics on a
// listener of its own, plain HTTP, never the EST port, so that what a
// scraper may read is decided by where it listens (a loopback address, a
// management network), not by the EST clients' TLS. It binds at once,
// before the server changes anything, and returns the function that stops
// it. The connection counts are conns's, the limiter of the EST listener.
func (c *serveCmd) serveMetrics(e *env, store *pki.Store, conns *est.ConnLimiter) (stop func(), err error) {
	c.requests = nil
	if c.MetricsListen == "" {
		return func() {}, nil
	}
	if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
		return nil, fmt.Errorf("--metrics-listen %s: want host:port, such as 127.0.0.1:9443", c.MetricsListen)
	}
	ln, err := net.Listen("tcp", c.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen %s: %w", c.MetricsListen, err)
	}
	c.requests = metrics.NewRequests()
	files := metrics.NewFiles(store.Dir(), nil, metrics.WithCertDir(filepath.Dir(store.CertPath("x"))), metrics.WithErrors(func(err error) {
		e.log.Debug("metrics: cannot read", "err", printable.Escape(oneLine(err.Error())))
	}))
	// What could be gathered is served; an error (a token directory that
	// cannot be listed) is a log line, as promhttp's ContinueOnError.
	handler := metrics.Handler(4, func(err error) {
		e.log.Debug("metrics: gather", "err", printable.Escape(oneLine(err.Error())))
	}, files, metrics.NewServer(est.OpenTokens(store.Dir()), conns), c.requests)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", handler)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: est.DefaultReadHeaderTimeout,
		ReadTimeout:       est.DefaultReadTimeout,
		WriteTimeout:      est.DefaultWriteTimeout,
		IdleTimeout:       est.DefaultIdleTimeout,
		MaxHeaderBytes:    est.DefaultMaxHeaderBytes,
		ErrorLog:          e.log.StandardLog(log.StandardLogOptions{ForceLevel: log.DebugLevel}),
	}
	e.log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	return func() {
		// A scrape in flight finishes; one that does not within the
		// EST server's own bound is cut.
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("metrics listener", "err", oneLine(err.Error()))
		}
	}, nil
}

// events is what the EST server tells of each request: the access log,
// and the request metrics when --metrics-listen is given.
func (c *serveCmd) events(e *env) func(est.Event) {
	logged := accessLog(e)
	if c.requests == nil {
		return logged
	}
	counted := c.requests
	return func(ev est.Event) {
		logged(ev)
		counted.Observe(ev)
	}
}
