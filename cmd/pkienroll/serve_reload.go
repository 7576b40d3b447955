package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// ownCertCheckEvery is how often serve asks whether its own certificate
// is due (30 days before its expiry), so that a server nobody signals
// still renews it long before it expires.
const ownCertCheckEvery = 12 * time.Hour

// notifyReload catches SIGHUP, whose default action would end the
// process: serve calls it before anything else, so that a reload that
// arrives while the certificate is being issued is done later instead of
// killing the server.
func notifyReload() chan os.Signal {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup
}

// reloading reloads cert on each signal from hup and, when it is the
// store's own, every ownCertCheckEvery, until e.ctx is done or stop is
// called; stop waits for a reload under way.
func (c *serveCmd) reloading(e *env, hup <-chan os.Signal, cert *est.CertReloader) (stop func()) {
	ctx, cancel := context.WithCancel(e.ctx)
	var check <-chan time.Time
	if c.Cert == "" {
		t := time.NewTicker(ownCertCheckEvery)
		check = t.C
		context.AfterFunc(ctx, t.Stop)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				reload(ctx, e, cert, true)
			case <-check:
				reload(ctx, e, cert, false)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// reload loads the certificate again and logs one line: the certificate
// now served (on a signal, or when it changed), or the error, in which
// case the certificate served before stays.
func reload(ctx context.Context, e *env, cert *est.CertReloader, signalled bool) {
	changed, err := cert.Reload(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		// Stopping: the old certificate serves the last requests.
	case err != nil:
		leaf := cert.Certificate().Leaf
		e.log.Error("reload failed, serving the previous certificate", "err", oneLine(err.Error()),
			"serial", pki.FormatSerial(leaf.SerialNumber), "expires", leaf.NotAfter.Format(time.DateOnly))
	case changed || signalled:
		leaf := cert.Certificate().Leaf
		e.log.Info("reloaded server certificate", "changed", changed, "subject", certSubject(leaf),
			"serial", pki.FormatSerial(leaf.SerialNumber), "expires", leaf.NotAfter.Format(time.DateOnly))
	}
}
