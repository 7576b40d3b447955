package est_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestCertReloaderReissuesWhenDue: a reloader of the store's own server
// certificate, asked again as the server's periodic check does, reuses it
// until 30 days are left and then presents a new one at the next
// handshake, issued through the store. The clock is the test's.
func TestCertReloaderReissuesWhenDue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clock := time.Now()
	// The store signs at the same clock.
	store, err := pki.OpenStore(e.store.Dir(), pki.WithNow(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	r, err := est.NewCertReloader(ctx, func(ctx context.Context) (tls.Certificate, error) {
		c, _, err := est.ServerCertificate(ctx, store, []string{"engine.example.com"}, clock)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	first := r.Certificate().Leaf
	for _, tc := range []struct {
		name    string
		at      time.Time
		changed bool
	}{
		{"a day later", time.Now().Add(24 * time.Hour), false},
		{"31 days left", first.NotAfter.Add(-31 * 24 * time.Hour), false},
		{"29 days left", first.NotAfter.Add(-29 * 24 * time.Hour), true},
		{"just renewed", first.NotAfter.Add(-29*24*time.Hour + time.Hour), false},
	} {
		clock = tc.at
		changed, err := r.Reload(ctx)
		if err != nil || changed != tc.changed {
			t.Errorf("%s: Reload = %v, %v; want changed %v", tc.name, changed, err, tc.changed)
		}
	}
	served, err := r.GetCertificate(&tls.ClientHelloInfo{ServerName: "engine.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if served.Leaf.Equal(first) || served.Leaf.SerialNumber.Cmp(first.SerialNumber) <= 0 {
		t.Errorf("served serial %s after the renewal, first was %s", served.Leaf.SerialNumber, first.SerialNumber)
	}
	if !served.Leaf.NotAfter.After(first.NotAfter) {
		t.Errorf("the renewed certificate ends %s, not after the first's %s", served.Leaf.NotAfter, first.NotAfter)
	}
	if n := e.indexLines(); n != 2 {
		t.Errorf("%d index lines, want 2: the first server certificate and its renewal", n)
	}
	e.checkClean()
}

// TestCertReloaderKeepsCertificateOnError: a failed reload returns its
// error and the certificate served before goes on being served.
func TestCertReloaderKeepsCertificateOnError(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fail := errors.New("broken")
	var loadErr error
	r, err := est.NewCertReloader(ctx, func(ctx context.Context) (tls.Certificate, error) {
		if loadErr != nil {
			return tls.Certificate{}, loadErr
		}
		c, _, err := est.ServerCertificate(ctx, e.store, []string{"engine.example.com"}, time.Now())
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	before := r.Certificate()
	loadErr = fail
	if changed, err := r.Reload(ctx); !errors.Is(err, fail) || changed {
		t.Errorf("Reload = %v, %v; want the load's error", changed, err)
	}
	if got, _ := r.GetCertificate(nil); got != before {
		t.Error("a failed reload replaced the certificate")
	}
	if _, err := est.NewCertReloader(ctx, func(context.Context) (tls.Certificate, error) { return tls.Certificate{}, fail }); !errors.Is(err, fail) {
		t.Errorf("NewCertReloader with a failing load: %v", err)
	}
}

// TestLoadKeyPair reads a server certificate with its chain and key
// through the bounded readers: a FIFO or a device is refused at once
// with the file's name, and a key of another certificate is
// pki.ErrKeyMismatch.
func TestLoadKeyPair(t *testing.T) {
	e := newEnv(t)
	cert, _, err := est.ServerCertificate(context.Background(), e.store, []string{"engine.example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := e.store.CertPath(est.ServerCertName), est.ServerKeyPath(e.store)
	chain := filepath.Join(dir, "chain.pem")
	data := append(pki.EncodeCertificatePEM(cert.Leaf.Raw), pki.EncodeCertificatePEM(e.ca.Raw)...)
	if err := os.WriteFile(chain, data, 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.key")
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteKey(other, k, pki.KeyEncoding{}, false); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, cert, key string
		want            string // error text; "" for success
		wantErr         error
		chain           int
	}{
		{"certificate", certFile, keyFile, "", nil, 1},
		{"with its chain", chain, keyFile, "", nil, 2},
		{"another key", certFile, other, other, pki.ErrKeyMismatch, 0},
		{"certificate is a FIFO", fifo, keyFile, fifo + ": not a regular file", nil, 0},
		{"key is a FIFO", certFile, fifo, fifo + ": not a regular file", nil, 0},
		{"certificate is /dev/zero", "/dev/zero", keyFile, "/dev/zero: not a regular file", nil, 0},
		{"key is /dev/zero", certFile, "/dev/zero", "/dev/zero: not a regular file", nil, 0},
		{"key is the certificate", certFile, certFile, certFile, pki.ErrNotKey, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			var got tls.Certificate
			var err error
			go func() {
				defer close(done)
				got, err = est.LoadKeyPair(tc.cert, tc.key)
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("LoadKeyPair blocked")
			}
			if tc.want == "" {
				if err != nil || len(got.Certificate) != tc.chain || !got.Leaf.Equal(cert.Leaf) || !pki.KeyMatches(got.Leaf.PublicKey, got.PrivateKey.(*ecdsa.PrivateKey)) {
					t.Fatalf("LoadKeyPair = %d certificates, %v", len(got.Certificate), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadKeyPair error = %v, want %q", err, tc.want)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tc.wantErr)
			}
		})
	}
}
