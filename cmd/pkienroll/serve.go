package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/charmbracelet/log"

	"github.com/pkienroll/pkienroll/pki/est"
	"github.com/pkienroll/pkienroll/pki/metrics"
)

// shutdownTimeout bounds how long a stop waits for requests in flight;
// the server's own limits are est.NewHTTPServer's.
const shutdownTimeout = 60 * time.Second

// serveCmd serves EST (RFC 7030) on the engine: enrollment with tokens,
// renewal with the current certificate, through the PKI directory's store.
type serveCmd struct {
	storeFlags
	lockFlags
	Listen        string   `default:":8443" help:"Address to listen on, host:port."`
	Cert          string   `placeholder:"FILE" and:"certkey" help:"The server's TLS certificate (PEM, leaf first); default certs/est-server.cer, issued on first start."`
	Key           string   `placeholder:"FILE" and:"certkey" help:"The key of --cert."`
	Host          []string `placeholder:"NAME" help:"Host names or IP addresses for the certificate issued on first start (repeat or comma-separate); default this machine's host name."`
	MaxConcurrent int      `name:"max-concurrent" default:"64" help:"Requests served at once; more get 503 and retry."`
	MaxFailures   int      `name:"max-failures" default:"20" help:"Refused requests (401, 403) and wasted ones (408, 429) one client address may have a minute; past that it gets 429 until the minute ends (0: no bound)."`
	// The bounds that keep one client from taking the service
	// (serve_limits.go).
	MaxPerClient    int `name:"max-per-client" default:"4" help:"Requests one client address may have in progress; one more gets 429 and counts as refused."`
	BodyTimeout     int `name:"body-timeout" default:"10" help:"Seconds a client has to send a request's body; a slower one gets 408 and counts as refused."`
	MaxConns        int `name:"max-conns" default:"1024" help:"Connections open at once; at the bound an idle one, of the address holding the most, is closed for a newcomer."`
	MaxConnsPerAddr int `name:"max-conns-per-addr" default:"32" help:"Connections one client address (IPv6: its /64) may have open; more are closed at once."`
	// Metrics on a listener of their own (serve_metrics.go).
	MetricsListen string            `name:"metrics-listen" placeholder:"ADDR" help:"Serve Prometheus metrics on http://ADDR/metrics (host:port), a listener of its own, never the EST port."`
	requests      *metrics.Requests `kong:"-"`
}

// Run serves until SIGTERM or SIGINT, then lets requests in flight
// finish. SIGHUP reloads the certificate (serve_reload.go).
func (c *serveCmd) Run(e *env) error {
	hup := notifyReload()
	defer signal.Stop(hup)
	e.log.Debug("garbage collector", "gogc", tuneServeGC(os.Getenv))
	if err := c.checkLimits(); err != nil {
		return err
	}
	store, err := c.openStore(c.storeFlags)
	if err != nil {
		return err
	}
	// Bind before anything changes: a server that cannot listen must not
	// issue its certificate.
	ln, err := listenAddr(c.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	conns := c.connLimiter()
	metricsSrv, err := c.bindMetrics(e, store, conns)
	if err != nil {
		return err
	}
	defer metricsSrv.stop(e)
	cert, err := c.certificate(e, store)
	if err != nil {
		return err
	}
	metricsSrv.start(e)
	ln = conns.Listener(ln)
	srv := est.NewHTTPServer(est.NewServer(store, c.estOptions(e)...), cert.GetCertificate, conns)
	srv.ErrorLog = e.log.StandardLog(log.StandardLogOptions{ForceLevel: log.DebugLevel})
	leaf := cert.Certificate().Leaf
	e.log.Info("serving EST", "addr", ln.Addr().String(), "pki_dir", store.Dir(),
		"subject", certSubject(leaf), "expires", leaf.NotAfter.Format(time.DateOnly))
	stopReloading := c.reloading(e, hup, cert)
	defer stopReloading()
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-done:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-e.ctx.Done():
	}
	e.log.Info("stopping: letting requests in flight finish")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	e.log.Info("stopped")
	return nil
}

// listenAddr binds --listen, host:port.
func listenAddr(addr string) (net.Listener, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("--listen %s: want host:port, such as :8443 (every address) or 127.0.0.1:8443", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", addr, err)
	}
	return ln, nil
}

// splitList flattens repeated, comma-separated flag values.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// accessLog logs each request the EST server answers: never a token (the
// server reports only its hash prefix) nor key material.
// Where the log shows no colours its lines skip lipgloss (accesslog.go).
func accessLog(e *env) func(est.Event) {
	plain := newPlainLog(e)
	return func(ev est.Event) {
		level, msg, kv := accessRecord(ev)
		if plain == nil || !plain.log(level, msg, kv...) {
			e.log.Log(level, msg, kv...)
		}
	}
}

// accessRecord is the level, message and key/value pairs of ev's line.
func accessRecord(ev est.Event) (log.Level, string, []any) {
	kv := []any{"op", ev.Op, "remote", ev.Remote, "status", ev.Status, "ms", ev.Duration.Milliseconds()}
	for _, p := range [][2]string{{"name", ev.Name}, {"serial", ev.Serial}, {"token", ev.TokenID}, {"client_serial", ev.ClientSerial}} {
		if p[1] != "" {
			kv = append(kv, p[0], p[1])
		}
	}
	switch {
	case ev.Status >= 500:
		return log.ErrorLevel, "request failed", append(kv, "reason", ev.Refusal, "err", oneLine(fmt.Sprint(ev.Err)))
	case ev.Status >= 300:
		return log.WarnLevel, "request refused", append(kv, "reason", ev.Refusal)
	case ev.Err != nil:
		return log.WarnLevel, "request done with a problem", append(kv, "err", oneLine(ev.Err.Error()))
	}
	return log.InfoLevel, "request", kv
}
