package est_test

import (
	"context"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestNetworkCertificatesPassZlint: what the network path issues — a
// certificate enrolled with a token, its renewal, and the server's own TLS
// certificate — passes the same lints as every certificate pkienroll
// issues (pki/zlint_test.go; internal/pkitest/zlint.go lists what is
// excluded and why).
func TestNetworkCertificatesPassZlint(t *testing.T) {
	reg := pkitest.ZlintRegistry(t)
	e := newEnv(t)
	token := e.token("proxy", "proxy.example.com", "DNS:proxy.example.com,DNS:portal.example.com", time.Hour)
	key := ecKey(t)
	cert := e.enroll(token, csr(t, key, "/CN=proxy.example.com", ""))
	pkitest.AssertZlintClean(t, reg, "EST enrollment", cert.Raw)

	r := e.post(e.client(tlsCert(cert, key)), "simplereenroll", "", "application/pkcs10",
		b64(csr(t, ecKey(t), proxySubject, "DNS:proxy.example.com,DNS:portal.example.com")))
	pkitest.AssertZlintClean(t, reg, "EST renewal", e.wantCert(r).Raw)

	server, _, err := est.ServerCertificate(context.Background(), e.store, []string{"engine.example.com", "192.0.2.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pkitest.AssertZlintClean(t, reg, "EST server certificate", server.Leaf.Raw)
}
