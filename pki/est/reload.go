package est

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// CertReloader holds a server's TLS certificate and replaces it while the
// server runs, as step-ca reloads on SIGHUP: with r.GetCertificate as the
// tls.Config's GetCertificate, every new handshake presents the current
// certificate, and a connection established before a Reload keeps the
// one it was made with, so no connection is dropped.
//
// Make one with NewCertReloader: the zero CertReloader has no certificate
// to present, and its Reload is an error.
type CertReloader struct {
	load func(context.Context) (tls.Certificate, error)
	mu   sync.Mutex // one load at a time
	cur  atomic.Pointer[tls.Certificate]
}

// NewCertReloader loads the first certificate with load, which Reload
// calls again: LoadKeyPair of the same files, or ServerCertificate, which
// re-issues the store's own certificate when it is due. A nil load is an
// error.
func NewCertReloader(ctx context.Context, load func(context.Context) (tls.Certificate, error)) (*CertReloader, error) {
	r := &CertReloader{load: load}
	c, err := r.loadLeaf(ctx)
	if err != nil {
		return nil, err
	}
	r.cur.Store(c)
	return r, nil
}

// GetCertificate returns the current certificate; it is the signature
// of tls.Config.GetCertificate.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c := r.cur.Load()
	if c == nil {
		return nil, errors.New("server certificate: none loaded")
	}
	return c, nil
}

// Certificate returns the current certificate. Its Leaf is set.
func (r *CertReloader) Certificate() *tls.Certificate { return r.cur.Load() }

// Reload loads the certificate again. When that succeeds the new one is
// presented at every later handshake, and changed says whether it differs
// from the one before; when it fails, the one before stays.
func (r *CertReloader) Reload(ctx context.Context) (changed bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.loadLeaf(ctx)
	if err != nil {
		return false, err
	}
	old := r.cur.Load()
	changed = old == nil || !c.Leaf.Equal(old.Leaf)
	r.cur.Store(c)
	return changed, nil
}

// loadLeaf calls load and makes sure the certificate's Leaf is set, so
// that callers can read names and dates without parsing.
func (r *CertReloader) loadLeaf(ctx context.Context) (*tls.Certificate, error) {
	if r.load == nil {
		return nil, errors.New("server certificate: no function to load it with")
	}
	c, err := r.load(ctx)
	if err != nil {
		return nil, err
	}
	if len(c.Certificate) == 0 {
		return nil, errors.New("server certificate: none loaded")
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, fmt.Errorf("server certificate: %w", err)
		}
	}
	return &c, nil
}
