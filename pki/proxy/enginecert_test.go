package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// engineStandIn serves body at the engine's pki-resource path over HTTPS
// with the certificate and key given (nil for httptest's own), and returns
// its port.
func engineStandIn(t *testing.T, certFile, keyFile string, status int, body []byte) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ovirt-engine/services/pki-resource" || r.URL.RawQuery != "resource=engine-certificate&format=X509-PEM" {
			http.Error(w, "no such resource", http.StatusNotFound)
			return
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}
	// The refused handshakes are the point of some tests.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

func TestFetchEngineCertificate(t *testing.T) {
	f := issued(t)
	cas, err := pki.ReadCertificates(f.ca)
	if err != nil {
		t.Fatal(err)
	}
	enginePEM, err := os.ReadFile(f.otherCer)
	if err != nil {
		t.Fatal(err)
	}
	foreign := foreignCA(t)
	foreignPEM, err := os.ReadFile(foreign.CACertPath())
	if err != nil {
		t.Fatal(err)
	}
	// The stand-in's HTTPS certificate names proxy.example.com, and is the
	// CA's; it serves the other certificate as the engine's.
	port := engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, enginePEM)
	fetch := EngineFetch{Engine: "proxy.example.com:" + strconv.Itoa(port), Address: "127.0.0.1", CAs: cas, Timeout: time.Minute}
	cert, err := FetchEngineCertificate(context.Background(), fetch)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := pki.ReadCertificate(f.otherCer)
	if !cert.Equal(want) {
		t.Errorf("fetched %s, want the engine's certificate", cert.Subject)
	}
	https := fetch
	https.Engine = "https://proxy.example.com:" + strconv.Itoa(port) + "/"
	if _, err := FetchEngineCertificate(context.Background(), https); err != nil {
		t.Errorf("https://HOST:PORT/: %v", err)
	}

	tests := []struct {
		name string
		port int
		edit func(*EngineFetch)
		want string
		is   error
	}{
		{"server certificate not from the CA", engineStandIn(t, "", "", http.StatusOK, enginePEM), nil,
			"the server's certificate does not chain to the CA", ErrUntrustedServer},
		{"server certificate for another name", port, func(e *EngineFetch) { e.Engine = "engine.example.com:" + strconv.Itoa(port) },
			"the server's certificate does not name the engine", ErrUntrustedServer},
		{"trusting another CA", port, func(e *EngineFetch) { e.CAs, _ = pki.ReadCertificates(foreign.CACertPath()) },
			"does not chain to the CA", ErrUntrustedServer},
		{"engine certificate from another CA", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, foreignPEM), nil,
			"chain: signed by another CA", ErrUnfitCertificate},
		{"not found", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusBadRequest, []byte("Resource is invalid")), nil,
			"the engine answered 400 Bad Request", nil},
		{"not PEM", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, []byte("<html>engine starting</html>")), nil,
			"not a PEM certificate", pki.ErrNotCertificate},
		{"too large", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, []byte(strings.Repeat("x", 70<<10))), nil,
			"larger than 65536 bytes", pki.ErrNotCertificate},
		{"plain HTTP", port, func(e *EngineFetch) { e.Engine = "http://proxy.example.com" }, "plain HTTP is refused", ErrBadValue},
		{"path", port, func(e *EngineFetch) { e.Engine = "https://proxy.example.com/x" }, "without a path", ErrBadValue},
		{"no CA", port, func(e *EngineFetch) { e.CAs = nil }, "no CA certificate", ErrBadValue},
		{"nobody listens", freeLoopbackPort(t), nil, "connection refused", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := fetch
			e.Engine = "proxy.example.com:" + strconv.Itoa(tc.port)
			if tc.edit != nil {
				tc.edit(&e)
			}
			cert, err := FetchEngineCertificate(context.Background(), e)
			if err == nil {
				t.Fatalf("fetched %s, want an error", cert.Subject)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q does not say %q in one line", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
		})
	}
}

func TestEngineCertificateURL(t *testing.T) {
	for in, want := range map[string]string{
		"engine.example.com":          "https://engine.example.com:443" + EngineCertificateResource,
		"engine.example.com.:8443":    "https://engine.example.com:8443" + EngineCertificateResource,
		"HTTPS://engine.example.com/": "https://engine.example.com:443" + EngineCertificateResource,
		"[2001:db8::1]:443":           "https://[2001:db8::1]:443" + EngineCertificateResource,
	} {
		if got, err := EngineCertificateURL(in); err != nil || got != want {
			t.Errorf("EngineCertificateURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"http://engine.example.com", "ftp://engine.example.com", "engine.example.com:0", "user@engine.example.com", ""} {
		if got, err := EngineCertificateURL(bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("EngineCertificateURL(%q) = %q, %v; want ErrBadValue", bad, got, err)
		}
	}
}

// freeLoopbackPort is a loopback port nobody listens on.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
