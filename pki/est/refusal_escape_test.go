package est_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestRefusalEscapesControlBytes: a refusal that quotes the client's own
// request (here "CSR asks for SAN ...") reaches the client with its
// control characters escaped, as the CLI and the log escape them, so no
// ESC, BEL or DEL from a request reaches curl's or estclient's terminal.
func TestRefusalEscapesControlBytes(t *testing.T) {
	e := newEnv(t)
	token := e.token("proxy", "proxy.example.com", "DNS:proxy.example.com", time.Hour)
	// pki.CreateRequest refuses such a name: build the request directly.
	evil := "evil\x1b]0;pwned\x07\x7f.example.com"
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: "proxy.example.com"},
		DNSNames: []string{"proxy.example.com", evil},
	}, ecKey(t))
	if err != nil {
		t.Fatal(err)
	}
	before := pkitest.Snapshot(t, e.store.Dir())
	r := e.post(e.client(nil), "simpleenroll", token, "application/pkcs10", b64(der))
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "CSR asks for SAN") {
		t.Fatalf("status %d: %q, want 403 naming the SAN", r.status, r.body)
	}
	body := strings.TrimSuffix(r.body, "\n")
	for i := 0; i < len(body); i++ {
		if c := body[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("refusal holds byte %#x: %q", c, r.body)
		}
	}
	if !strings.Contains(body, `evil\x1B]0;pwned\x07\x7F.example.com`) {
		t.Errorf("refusal %q does not show the SAN escaped", body)
	}
	if ev := e.lastEvent(); ev.Refusal != body {
		t.Errorf("the access log's refusal %q, want the client's %q", ev.Refusal, body)
	}
	pkitest.AssertUnchanged(t, e.store.Dir(), before)
}

// TestRefusalIsOneLine: a SAN with a newline in it, quoted by a refusal,
// reaches the client and the access log (Event.Refusal) on one line, so
// no client can start a log record of its own ("...\n<time> ERRO ...").
func TestRefusalIsOneLine(t *testing.T) {
	e := newEnv(t)
	token := e.token("proxy", "proxy.example.com", "DNS:proxy.example.com", time.Hour)
	forged := "x\n2026-01-01T00:00:00.000Z ERRO pkienroll: injected"
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: "proxy.example.com"},
		DNSNames: []string{"proxy.example.com", forged},
	}, ecKey(t))
	if err != nil {
		t.Fatal(err)
	}
	r := e.post(e.client(nil), "simpleenroll", token, "application/pkcs10", b64(der))
	body := strings.TrimSuffix(r.body, "\n")
	if r.status != http.StatusForbidden || strings.Contains(body, "\n") || !strings.Contains(body, "x 2026-01-01T00:00:00.000Z ERRO pkienroll: injected") {
		t.Fatalf("status %d: %q, want 403 quoting the SAN on one line", r.status, r.body)
	}
	if ev := e.lastEvent(); strings.ContainsAny(ev.Refusal, "\n\r") || ev.Refusal != body {
		t.Errorf("the access log's refusal %q, want the client's one line %q", ev.Refusal, body)
	}
}
