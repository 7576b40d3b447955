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

// Connection bounds of the metrics listener: a Prometheus server keeps
// one connection open, a pair of them two, and a person with curl one
// more; nobody needs more than a few, and a client that opens many takes
// no more than its share.
const (
	metricsMaxConns        = 16
	metricsMaxConnsPerAddr = 4
)

// metricsServer is --metrics-listen: bound at once, served from start.
type metricsServer struct {
	ln    net.Listener
	srv   *http.Server
	conns *est.ConnLimiter
	done  chan error
}

// bindMetrics binds --metrics-listen, when given, for /metrics on a
// listener of its own, plain HTTP, never the EST port, so that what a
// scraper may read is decided by where it listens (a loopback address, a
// management network), not by the EST clients' TLS. It binds before the
// server changes anything; start serves it once the server can start, so
// that no "serving metrics" line comes before a failed start. A nil
// metricsServer is none. The connection counts it serves are estConns's,
// the limiter of the EST listener; its own connections have their own,
// small bounds.
func (c *serveCmd) bindMetrics(e *env, store *pki.Store, estConns *est.ConnLimiter) (*metricsServer, error) {
	c.requests = nil
	if c.MetricsListen == "" {
		return nil, nil
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
	}, files, metrics.NewServer(est.OpenTokens(store.Dir()), estConns), c.requests)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", handler)
	own := &est.ConnLimiter{MaxConns: metricsMaxConns, MaxConnsPerAddr: metricsMaxConnsPerAddr}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: est.DefaultReadHeaderTimeout,
		ReadTimeout:       est.DefaultReadTimeout,
		WriteTimeout:      est.DefaultWriteTimeout,
		IdleTimeout:       est.DefaultIdleTimeout,
		MaxHeaderBytes:    est.DefaultMaxHeaderBytes,
		ConnState:         own.ConnState,
		ErrorLog:          e.log.StandardLog(log.StandardLogOptions{ForceLevel: log.DebugLevel}),
	}
	return &metricsServer{ln: own.Listener(ln), srv: srv, conns: own}, nil
}

// start serves m and says where.
func (m *metricsServer) start(e *env) {
	if m == nil {
		return
	}
	e.log.Info("serving metrics", "addr", m.ln.Addr().String(), "path", "/metrics")
	m.done = make(chan error, 1)
	go func() { m.done <- m.srv.Serve(m.ln) }()
}

// stop ends m: a scrape in flight finishes; one that does not within the
// EST server's own bound is cut. A listener never started is closed.
func (m *metricsServer) stop(e *env) {
	if m == nil {
		return
	}
	if m.done == nil {
		_ = m.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if m.srv.Shutdown(ctx) != nil {
		_ = m.srv.Close()
	}
	if err := <-m.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.log.Error("metrics listener", "err", oneLine(err.Error()))
	}
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
