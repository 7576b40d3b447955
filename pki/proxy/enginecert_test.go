package proxy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// engineStandIn serves body at the engine's pki-resource path over HTTPS
// with the certificate and key given (nil for httptest's own), and returns
// its port.
func engineStandIn(t *testing.T, certFile, keyFile string, status int, body []byte) int {
	t.Helper()
	return pkitest.ServeTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ovirt-engine/services/pki-resource" || r.URL.RawQuery != "resource=engine-certificate&format=X509-PEM" {
			http.Error(w, "no such resource", http.StatusNotFound)
			return
		}
		w.WriteHeader(status)
		w.Write(body)
	}), certFile, keyFile)
}

func TestFetchEngineCertificate(t *testing.T) {
	f := issued(t)
	cas, err := pki.ReadCertificates(f.ca)
	if err != nil {
		t.Fatal(err)
	}
	enginePEM, err := os.ReadFile(f.proxyCer)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM, err := os.ReadFile(f.otherCer)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(f.ca)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(f.proxyKey)
	if err != nil {
		t.Fatal(err)
	}
	foreign := foreignCA(t)
	foreignPEM, err := os.ReadFile(foreign.CACertPath())
	if err != nil {
		t.Fatal(err)
	}
	// The stand-in's HTTPS certificate names proxy.example.com, and is the
	// CA's; it serves it as the engine's too, as an engine's HTTPS and
	// engine certificates both name the engine.
	port := engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, enginePEM)
	fetch := EngineFetch{Engine: "proxy.example.com:" + strconv.Itoa(port), Address: "127.0.0.1", CAs: cas, Timeout: time.Minute}
	cert, err := FetchEngineCertificate(context.Background(), fetch)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := pki.ReadCertificate(f.proxyCer)
	if !cert.Equal(want) {
		t.Errorf("fetched %s, want the engine's certificate", cert.Subject)
	}
	// White space around the one certificate is fine (CRLF included).
	spaced := engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK,
		append(append([]byte("\r\n\n"), strings.ReplaceAll(string(enginePEM), "\n", "\r\n")...), "\r\n\t\n"...))
	padded := fetch
	padded.Engine = "proxy.example.com:" + strconv.Itoa(spaced)
	if _, err := FetchEngineCertificate(context.Background(), padded); err != nil {
		t.Errorf("one certificate between white space: %v", err)
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
		{"engine certificate for another host", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, otherPEM), nil,
			"does not name the engine proxy.example.com", ErrUnfitCertificate},
		{"the CA's own certificate", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, caPEM), nil,
			"is a CA certificate", ErrUnfitCertificate},
		{"not found", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusBadRequest, []byte("Resource is invalid")), nil,
			"the engine answered 400 Bad Request", nil},
		// One PEM certificate and nothing else: not the first of several,
		// and never a key beside it.
		{"two certificates", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, append(append([]byte{}, enginePEM...), otherPEM...)), nil,
			`not one PEM certificate: a "CERTIFICATE" block follows it`, pki.ErrNotCertificate},
		{"certificate and key", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, append(append([]byte{}, enginePEM...), keyPEM...)), nil,
			`not one PEM certificate: a "PRIVATE KEY" block follows it`, pki.ErrNotCertificate},
		{"key and certificate", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, append(append([]byte{}, keyPEM...), enginePEM...)), nil,
			`the answer is a PEM "PRIVATE KEY" block, not a certificate`, pki.ErrNotCertificate},
		{"text before", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, append([]byte("<html>\n"), enginePEM...)), nil,
			"text comes before it", pki.ErrNotCertificate},
		{"text after", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK, append(append([]byte{}, enginePEM...), "</html>\n"...)), nil,
			"text follows it", pki.ErrNotCertificate},
		{"headers", engineStandIn(t, f.proxyCer, f.proxyKey, http.StatusOK,
			[]byte(strings.Replace(string(enginePEM), "-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1))), nil,
			"it has headers", pki.ErrNotCertificate},
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
			if strings.Contains(err.Error(), string(keyPEM[40:80])) {
				t.Errorf("error %q shows the key", err)
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

// TestVerifyEngineLeaf: a CA certificate (by basicConstraints or by
// keyCertSign) is never the engine's; with a host, the certificate must
// name it, by its SANs, or by its CN when it has none.
func TestVerifyEngineLeaf(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert := func(edit func(*x509.Certificate)) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "engine.example.com"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageDigitalSignature, DNSNames: []string{"engine.example.com"}}
		edit(tmpl)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		edit func(*x509.Certificate)
		host string
		want string
	}{
		{"the engine's", func(*x509.Certificate) {}, "engine.example.com", ""},
		{"the engine's, host in capitals", func(*x509.Certificate) {}, "ENGINE.example.com", ""},
		{"no host to check (--from)", func(c *x509.Certificate) { c.DNSNames = []string{"other.example.com"} }, "", ""},
		{"CN alone, without SANs", func(c *x509.Certificate) { c.DNSNames = nil }, "engine.example.com", ""},
		{"CN alone, another host", func(c *x509.Certificate) { c.DNSNames = nil }, "other.example.com", "does not name the engine other.example.com (names CN engine.example.com)"},
		{"SANs decide, not the CN", func(c *x509.Certificate) { c.DNSNames = []string{"other.example.com"} }, "engine.example.com", "does not name the engine engine.example.com (names other.example.com)"},
		{"CA:TRUE", func(c *x509.Certificate) { c.IsCA = true; c.KeyUsage |= x509.KeyUsageCertSign }, "", "is a CA certificate"},
		{"keyCertSign", func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageCertSign }, "engine.example.com", "may sign certificates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyEngineLeaf(cert(tc.edit), tc.host)
			if tc.want == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUnfitCertificate) {
				t.Errorf("got %v; want ErrUnfitCertificate saying %q", err, tc.want)
			}
		})
	}
}
