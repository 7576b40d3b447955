package est_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/est"
)

// TestNewHTTPServer: the server NewHTTPServer returns has the settings
// `pkienroll serve` relies on (TLS 1.2 at least, client certificates
// requested for renewal, every timeout, a bound on headers, the connection
// limiter's ConnState), and serves an enrollment and a renewal as it is.
func TestNewHTTPServer(t *testing.T) {
	e := newEnvTLS(t, true)
	cert, _, err := est.ServerCertificate(context.Background(), e.store, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	conns := &est.ConnLimiter{MaxConns: 8, MaxConnsPerAddr: 4}
	srv := est.NewHTTPServer(est.NewServer(e.store), func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }, conns)
	switch {
	case srv.TLSConfig == nil || srv.TLSConfig.MinVersion != tls.VersionTLS12 || srv.TLSConfig.ClientAuth != tls.RequestClientCert || srv.TLSConfig.GetCertificate == nil:
		t.Errorf("TLS settings %+v: want TLS 1.2 at least, client certificates requested, GetCertificate", srv.TLSConfig)
	case srv.ReadHeaderTimeout != est.DefaultReadHeaderTimeout || srv.ReadTimeout != est.DefaultReadTimeout ||
		srv.WriteTimeout != est.DefaultWriteTimeout || srv.IdleTimeout != est.DefaultIdleTimeout:
		t.Errorf("timeouts %v %v %v %v: want the package's defaults", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	case srv.MaxHeaderBytes != est.DefaultMaxHeaderBytes:
		t.Errorf("MaxHeaderBytes %d, want %d", srv.MaxHeaderBytes, est.DefaultMaxHeaderBytes)
	case srv.ConnState == nil:
		t.Error("ConnState is not the limiter's")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(conns.Listener(ln), "", "") }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	ctx := context.Background()
	c, err := est.Bootstrap(ctx, "https://"+ln.Addr().String(), est.Fingerprint(e.ca))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	key := ecKey(t)
	issued, err := c.Enroll(ctx, e.token("proxy", "proxy.example.com", "", time.Hour), csr(t, key, proxySubject, "DNS:proxy.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reenroll(ctx, tls.Certificate{Certificate: [][]byte{issued.Raw}, PrivateKey: key}, csr(t, ecKey(t), proxySubject, "DNS:proxy.example.com")); err != nil {
		t.Fatal(err)
	}
	if st := conns.Stats(); st.Open == 0 {
		t.Errorf("limiter stats %+v: the client's kept connection is not counted", st)
	}
}
