package est_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestClient: the library's client bootstraps by fingerprint, enrolls with
// a token and renews with its certificate against the server.
func TestClient(t *testing.T) {
	e := newEnvTLS(t, true)
	ctx := context.Background()
	c, err := est.Bootstrap(ctx, e.srv.URL, est.Fingerprint(e.ca))
	if err != nil {
		t.Fatal(err)
	}
	if !c.CA.Equal(e.ca) {
		t.Fatal("bootstrap trusts another CA")
	}
	key := ecKey(t)
	token := e.token("proxy", "proxy.example.com", "", time.Hour)
	cert, err := c.Enroll(ctx, token, csr(t, key, proxySubject, "DNS:proxy.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := pki.ReadCertificate(e.store.CertPath("proxy"))
	if err != nil || !onDisk.Equal(cert) {
		t.Fatalf("certs/proxy.cer is not what Enroll returned (%v)", err)
	}
	_, err = c.Enroll(ctx, token, csr(t, ecKey(t), proxySubject, ""))
	var se *est.ServerError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden || !strings.Contains(se.Message, "token was used already") {
		t.Errorf("second Enroll: %v, want a 403 ServerError", err)
	}
	if !errors.Is(err, est.ErrTokenUsed) {
		t.Errorf("second Enroll: %v, want errors.Is ErrTokenUsed", err)
	}
	newKey := ecKey(t)
	renewed, err := c.Reenroll(ctx, tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key}, csr(t, newKey, proxySubject, "DNS:proxy.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if !pki.KeyMatches(renewed.PublicKey, newKey) || renewed.SerialNumber.Cmp(cert.SerialNumber) == 0 {
		t.Error("Reenroll did not return a new certificate for the new key")
	}
}

// TestBootstrapWrongFingerprint: a CA that is not the one the admin named
// is refused before anything is sent.
func TestBootstrapWrongFingerprint(t *testing.T) {
	e := newEnvTLS(t, true)
	other := newEnv(t)
	cases := []struct {
		name, fp string
		want     error
	}{
		{"another CA", est.Fingerprint(other.ca), est.ErrFingerprint},
		{"openssl's form of another CA", strings.ToUpper(colons(strings.TrimPrefix(est.Fingerprint(other.ca), "SHA256:"))), est.ErrFingerprint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := est.Bootstrap(context.Background(), e.srv.URL, tc.fp); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	// openssl's colon form of the right one works.
	if _, err := est.Bootstrap(context.Background(), e.srv.URL, strings.ToUpper(colons(strings.TrimPrefix(est.Fingerprint(e.ca), "SHA256:")))); err != nil {
		t.Errorf("openssl's fingerprint form: %v", err)
	}
	// A server whose TLS certificate is not from the CA it serves (here,
	// httptest's own) is refused even with the right fingerprint.
	if _, err := est.Bootstrap(context.Background(), other.srv.URL, est.Fingerprint(other.ca)); !errors.Is(err, est.ErrFingerprint) {
		t.Errorf("server certificate from elsewhere: %v, want ErrFingerprint", err)
	}
	if _, err := est.Bootstrap(context.Background(), e.srv.URL, "SHA256:abc"); err == nil || errors.Is(err, est.ErrFingerprint) {
		t.Errorf("short fingerprint: %v, want a format error", err)
	}
}

func colons(hex string) string {
	var b strings.Builder
	for i := 0; i < len(hex); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(hex[i : i+2])
	}
	return b.String()
}

// TestServerCertificate: issued once, reused at the next start, issued
// again for other hosts; the store stays clean.
func TestServerCertificate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, issued, err := est.ServerCertificate(ctx, e.store, []string{"engine.example.com", "192.0.2.1"}, time.Now())
	if err != nil || !issued {
		t.Fatalf("first: issued %v, %v", issued, err)
	}
	if first.Leaf.VerifyHostname("192.0.2.1") != nil || first.Leaf.VerifyHostname("engine.example.com") != nil {
		t.Errorf("server certificate names %v %v", first.Leaf.DNSNames, first.Leaf.IPAddresses)
	}
	again, issued, err := est.ServerCertificate(ctx, e.store, []string{"engine.example.com"}, time.Now())
	if err != nil || issued || !again.Leaf.Equal(first.Leaf) {
		t.Errorf("second: issued %v, %v; want the first reused", issued, err)
	}
	if _, issued, err := est.ServerCertificate(ctx, e.store, []string{"other.example.com"}, time.Now()); err != nil || !issued {
		t.Errorf("other host: issued %v, %v; want a new one", issued, err)
	}
	if _, issued, err := est.ServerCertificate(ctx, e.store, []string{"other.example.com"}, time.Now().Add(820*24*time.Hour)); err != nil || !issued {
		t.Errorf("near expiry: issued %v, %v; want a new one", issued, err)
	}
	if n := e.indexLines(); n != 3 {
		t.Errorf("%d index lines, want 3", n)
	}
	e.checkClean()
}

// TestServerCertificateRefusedChangesNothing: a re-issue the store
// refuses (certs/est-server.cer a symbolic link) fails with the key of the
// certificate being served where it was and no key written beside it: a
// reload that fails goes on serving that pair, and a restart that fails
// leaves the directory as it was.
func TestServerCertificateRefusedChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := est.ServerCertificate(ctx, e.store, []string{"engine.example.com"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	certPath := e.store.CertPath(est.ServerCertName)
	if err := os.Rename(certPath, certPath+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(t.TempDir(), "victim"), certPath); err != nil {
		t.Fatal(err)
	}
	before := pkitest.Snapshot(t, e.store.Dir())
	if _, issued, err := est.ServerCertificate(ctx, e.store, []string{"other.example.com"}, time.Now()); err == nil || issued {
		t.Fatalf("re-issue over a symbolic link: issued %v, %v; want it refused", issued, err)
	}
	pkitest.AssertUnchanged(t, e.store.Dir(), before)
}

// TestClientConnections: enrollments with a token share one kept-alive
// connection; a renewal's connection, which carries its client
// certificate, is closed when the call ends; CloseIdleConnections closes
// the rest. A program that enrolls many times (estbench, a fleet tool)
// keeps no idle connection per call for ever, on either side.
func TestClientConnections(t *testing.T) {
	e := newEnvTLS(t, true)
	c, err := est.Bootstrap(context.Background(), e.srv.URL, est.Fingerprint(e.ca))
	if err != nil {
		t.Fatal(err)
	}
	var reused []bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) },
	})
	key := ecKey(t)
	var cert *x509.Certificate
	for _, name := range []string{"proxy", "proxy2"} {
		cn := name + ".example.com"
		if cert, err = c.Enroll(ctx, e.token(name, cn, "", time.Hour), csr(t, key, "/C=US/O=Example Inc./CN="+cn, "DNS:"+cn)); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(reused, []bool{false, true}) {
		t.Errorf("connections reused %v, want [false true]: the second enrollment should reuse the first's connection", reused)
	}
	if _, err := c.Reenroll(ctx, tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key}, csr(t, key, "/C=US/O=Example Inc./CN=proxy2.example.com", "DNS:proxy2.example.com")); err != nil {
		t.Fatal(err)
	}
	// The client's read loops end as soon as their connections close.
	waitGoroutines(t, "net/http.(*persistConn).readLoop", 1, "the kept-alive token connection alone")
	c.CloseIdleConnections()
	waitGoroutines(t, "net/http.(*persistConn).readLoop", 0, "none after CloseIdleConnections")
}

// waitGoroutines waits up to two seconds for the goroutines whose stack
// holds fn to be want.
func waitGoroutines(t *testing.T, fn string, want int, what string) {
	t.Helper()
	var n int
	for range 100 {
		if n = goroutinesIn(fn); n == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%d client connections open, want %d (%s)", n, want, what)
}

// goroutinesIn counts the goroutines whose stack holds fn.
func goroutinesIn(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			count++
		}
	}
	return count
}

// TestNewClientEnrolls: a client made from a kept CA certificate, without
// bootstrap, enrolls with a token and renews as a bootstrapped one does.
func TestNewClientEnrolls(t *testing.T) {
	e := newEnvTLS(t, true)
	c, err := est.NewClient(e.srv.URL, e.ca)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	key := ecKey(t)
	cert, err := c.Enroll(t.Context(), e.token("proxy", "proxy.example.com", "", time.Hour), csr(t, key, proxySubject, "DNS:proxy.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reenroll(t.Context(), tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key}, csr(t, key, proxySubject, "DNS:proxy.example.com")); err != nil {
		t.Fatal(err)
	}
}

// TestClientErrorsAreSentinels: the client maps the server's refusals of a
// token or of what a request asks to the package's sentinels, so a program
// tests them with errors.Is, and keeps the *ServerError for the status.
func TestClientErrorsAreSentinels(t *testing.T) {
	e := newEnvTLS(t, true)
	ctx := context.Background()
	c, err := est.Bootstrap(ctx, e.srv.URL, est.Fingerprint(e.ca))
	if err != nil {
		t.Fatal(err)
	}
	revoked := e.token("old", "old.example.com", "", time.Hour)
	if _, err := e.tokens.Revoke("old"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		token  string
		csr    []byte
		want   error
		status int
	}{
		{"unknown token", "pkienroll-tok-unknown", csr(t, ecKey(t), proxySubject, ""), est.ErrUnknownToken, http.StatusUnauthorized},
		{"revoked token", revoked, csr(t, ecKey(t), "/CN=old.example.com", ""), est.ErrTokenRevoked, http.StatusForbidden},
		{"another name", e.token("p2", "p2.example.com", "", time.Hour), csr(t, ecKey(t), "/CN=other.example.com", ""), est.ErrNotAllowed, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Enroll(ctx, tc.token, tc.csr)
			var se *est.ServerError
			if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Status != tc.status {
				t.Errorf("Enroll: %v, want %v in a %d ServerError", err, tc.want, tc.status)
			}
		})
	}
}

// TestServerCredentials: a server URL with credentials is refused before
// anything is sent (net/http would send them as Basic authorization, in
// Bootstrap to a server not trusted yet), and the password is not shown.
func TestServerCredentials(t *testing.T) {
	const pw = "S3cretPW"
	for _, server := range []string{"https://admin:" + pw + "@127.0.0.1:1", "http://admin:" + pw + "@127.0.0.1:1"} {
		_, err := est.Bootstrap(context.Background(), server, "SHA256:"+strings.Repeat("0", 64))
		if err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "admin:xxxxx@127.0.0.1:1") {
			t.Errorf("Bootstrap(%s): %v, want a refusal showing admin:xxxxx@", server, err)
		}
		_, err = est.NewClient(server, nil)
		if err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "admin:xxxxx@127.0.0.1:1") {
			t.Errorf("NewClient(%s): %v, want a refusal showing admin:xxxxx@", server, err)
		}
	}
}
