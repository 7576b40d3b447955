package est_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestNilOptionsKeepDefaults: WithEvents(nil), WithNow(nil) and a nil
// Option keep the defaults; the server answers instead of panicking at
// its first request.
func TestNilOptionsKeepDefaults(t *testing.T) {
	subject, err := dn.Parse(caSubject)
	if err != nil {
		t.Fatal(err)
	}
	store, err := pki.InitStore(filepath.Join(t.TempDir(), "pki"), pki.InitRequest{Subject: subject}, pki.WithNow(nil), pki.WithKeyGenerator(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := est.NewServer(store, est.WithEvents(nil), est.WithNow(nil), nil)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://127.0.0.1"+est.PathPrefix+"cacerts", nil))
	if w.Code != http.StatusOK {
		t.Errorf("cacerts: %d %s", w.Code, w.Body)
	}
}

// TestClientNotMadeByNewClient: NewClient refuses a nil CA, and a Client
// not made by NewClient or Bootstrap (even with CA set) answers with an
// error instead of panicking.
func TestClientNotMadeByNewClient(t *testing.T) {
	if _, err := est.NewClient("https://127.0.0.1:1", nil); err == nil {
		t.Error("NewClient with a nil CA")
	}
	req := csr(t, ecKey(t), "/CN=proxy.example.com", "")
	for _, c := range []*est.Client{{}, {CA: &x509.Certificate{}}} {
		c.CloseIdleConnections()
		if _, err := c.Enroll(context.Background(), "token", req); err == nil {
			t.Error("Enroll with a zero Client")
		}
		if _, err := c.Reenroll(context.Background(), tls.Certificate{}, req); err == nil {
			t.Error("Reenroll with a zero Client")
		}
	}
}

// TestNilCertificates: the helpers that take a certificate answer a nil
// one: due at once, no fingerprint, and Reconcile without a store and a
// CertReloader without a load function are errors.
func TestNilCertificates(t *testing.T) {
	now := time.Now()
	if !est.Due(nil, 0, now) || !est.RenewAt(nil, time.Hour).IsZero() || est.Fingerprint(nil) != "" {
		t.Error("a nil certificate")
	}
	if _, err := est.OpenTokens(t.TempDir()).Reconcile(context.Background(), nil); err == nil {
		t.Error("Reconcile without a store")
	}
	if _, err := est.NewCertReloader(context.Background(), nil); err == nil {
		t.Error("NewCertReloader without load")
	}
	var r est.CertReloader
	if c, err := r.GetCertificate(nil); c != nil || err == nil {
		t.Errorf("zero CertReloader GetCertificate: %v, %v", c, err)
	}
	if _, err := r.Reload(context.Background()); err == nil {
		t.Error("zero CertReloader Reload")
	}
}

// TestTokenDirErrorsNamePathOnce: a token directory under a regular file
// is named once in the error, with the step ("list tokens X: not a
// directory", not "list tokens X: open X: not a directory").
func TestTokenDirErrorsNamePathOnce(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ts := est.OpenTokens(file)
	_, err := ts.List()
	_, _, err2 := ts.Create(est.TokenRequest{Name: "proxy", Subject: mustName(t, "/CN=proxy.example.com")})
	for _, err := range []error{err, err2} {
		if err == nil || strings.Count(err.Error(), file) != 1 || !strings.Contains(err.Error(), "not a directory") {
			t.Errorf("error %v: want the path once and the cause", err)
		}
	}
}
