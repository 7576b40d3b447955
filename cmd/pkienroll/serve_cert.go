package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// certificate is the served certificate, loaded again on each reload:
// --cert/--key, read through the bounded readers (a FIFO or a device is
// refused, not waited on or read for ever), or the server certificate
// kept in the store, issued now when there is none that serves --host or
// it is due.
func (c *serveCmd) certificate(e *env, store *pki.Store) (*est.CertReloader, error) {
	if c.Cert != "" {
		return est.NewCertReloader(e.ctx, func(context.Context) (tls.Certificate, error) {
			cert, err := est.LoadKeyPair(c.Cert, c.Key)
			if err != nil {
				return cert, fmt.Errorf("--cert/--key: %w", err)
			}
			// Every client would refuse it: at start, or in place of a
			// certificate they take on a reload, it is an error.
			switch t := now(); {
			case t.After(cert.Leaf.NotAfter):
				return tls.Certificate{}, fmt.Errorf("--cert %s expired at %s", c.Cert, cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
			case t.Before(cert.Leaf.NotBefore):
				return tls.Certificate{}, fmt.Errorf("--cert %s is not valid before %s", c.Cert, cert.Leaf.NotBefore.UTC().Format(time.RFC3339))
			}
			return cert, nil
		})
	}
	hosts := splitList(c.Host)
	if len(hosts) == 0 {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("no --host, and the host name is unknown: %w", err)
		}
		hosts = []string{h}
	}
	return est.NewCertReloader(e.ctx, func(ctx context.Context) (tls.Certificate, error) {
		cert, issued, err := est.ServerCertificate(ctx, store, hosts, now())
		if err == nil && issued {
			e.log.Info("issued server certificate", "name", est.ServerCertName, "serial", pki.FormatSerial(cert.Leaf.SerialNumber),
				"hosts", strings.Join(hosts, ","), "key", est.ServerKeyPath(store))
		}
		return cert, err
	})
}

// certSubject is how the log shows a certificate's subject: in the
// engine's slash form when it has one.
func certSubject(c *x509.Certificate) string {
	if n, err := dn.FromCertificate(c); err == nil {
		return n.String()
	}
	return c.Subject.String()
}
