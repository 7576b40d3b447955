package est_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

const caSubject = "/C=US/O=Example Inc./CN=engine.example.com.81108"

// testEnv is a PKI directory served by an EST server over TLS, in process.
type testEnv struct {
	t      testing.TB
	store  *pki.Store
	tokens *est.Tokens
	srv    *httptest.Server
	ca     *x509.Certificate
	// offset moves the server's clock, for expiry.
	offset atomic.Int64
	mu     sync.Mutex
	events []est.Event
}

func newEnv(t testing.TB, opts ...est.Option) *testEnv {
	t.Helper()
	return buildEnv(t, envConfig{}, opts...)
}

// newEnvTLS is newEnv; with storeCert the server's TLS certificate is
// issued by the store's CA for 127.0.0.1, as `pkienroll serve` makes it.
func newEnvTLS(t testing.TB, storeCert bool, opts ...est.Option) *testEnv {
	t.Helper()
	return buildEnv(t, envConfig{storeCert: storeCert}, opts...)
}

// newEnvStore is newEnv with options for the store as well, such as a
// fixed clock.
func newEnvStore(t testing.TB, storeOpts []pki.StoreOption, opts ...est.Option) *testEnv {
	t.Helper()
	return buildEnv(t, envConfig{storeOpts: storeOpts}, opts...)
}

// envConfig is how buildEnv makes a test's store and server.
type envConfig struct {
	// storeOpts are the store's options (a fixed clock, say).
	storeOpts []pki.StoreOption
	// storeCert has the server's TLS certificate issued by the store's CA
	// for 127.0.0.1, as `pkienroll serve` makes it.
	storeCert bool
	// limiter, when set, bounds the server's connections as `pkienroll
	// serve` does; connState is then called with each change of state too.
	limiter   *est.ConnLimiter
	connState func(net.Conn, http.ConnState)
}

// buildEnv makes a PKI directory with a CA and serves its EST service over
// TLS on loopback, with the server's clock movable (offset) and every
// Event kept.
func buildEnv(t testing.TB, cfg envConfig, opts ...est.Option) *testEnv {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	subject, err := dn.Parse(caSubject)
	if err != nil {
		t.Fatal(err)
	}
	store, err := pki.InitStore(dir, pki.InitRequest{Subject: subject}, cfg.storeOpts...)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, store: store, tokens: est.OpenTokens(dir)}
	if e.ca, err = pki.ReadCertificate(store.CACertPath()); err != nil {
		t.Fatal(err)
	}
	opts = append([]est.Option{
		est.WithNow(func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }),
		est.WithEvents(func(ev est.Event) { e.mu.Lock(); e.events = append(e.events, ev); e.mu.Unlock() }),
	}, opts...)
	e.srv = httptest.NewUnstartedServer(est.NewServer(store, opts...))
	e.srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	if cfg.storeCert {
		cert, issued, err := est.ServerCertificate(context.Background(), store, []string{"127.0.0.1"}, time.Now())
		if err != nil || !issued {
			t.Fatalf("server certificate: issued %v, %v", issued, err)
		}
		e.srv.TLS.Certificates = []tls.Certificate{cert}
	}
	if l := cfg.limiter; l != nil {
		e.srv.Listener = l.Listener(e.srv.Listener)
		e.srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
			if cfg.connState != nil {
				cfg.connState(c, s)
			}
			l.ConnState(c, s)
		}
	}
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	return e
}

// client is an HTTPS client of the server, with cert as its TLS client
// certificate when not nil.
func (e *testEnv) client(cert *tls.Certificate) *http.Client {
	c := e.srv.Client()
	tr := c.Transport.(*http.Transport).Clone()
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// token creates a token for name with CN cn and the given SANs.
func (e *testEnv) token(name, cn, sans string, ttl time.Duration) string {
	e.t.Helper()
	caName, err := dn.FromCertificate(e.ca)
	if err != nil {
		e.t.Fatal(err)
	}
	subject, err := dn.Derive(caName, cn)
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := pki.ParseSANs(sans)
	if err != nil {
		e.t.Fatal(err)
	}
	secret, _, err := e.tokens.Create(est.TokenRequest{Name: name, Subject: subject, SANs: s, Days: 90, TTL: ttl})
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   string
}

// post sends body to op; token, when not empty, as the Basic password.
func (e *testEnv) post(c *http.Client, op, token, contentType string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+est.PathPrefix+op, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.SetBasicAuth("proxy", token)
	}
	return e.do(c, req)
}

func (e *testEnv) get(op string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+est.PathPrefix+op, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(e.client(nil), req)
}

func (e *testEnv) do(c *http.Client, req *http.Request) response {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

// enroll sends csr with token and wants a certificate back.
func (e *testEnv) enroll(token string, csr []byte) *x509.Certificate {
	e.t.Helper()
	r := e.post(e.client(nil), "simpleenroll", token, "application/pkcs10", b64(csr))
	return e.wantCert(r)
}

func (e *testEnv) wantCert(r response) *x509.Certificate {
	e.t.Helper()
	if r.status != http.StatusOK {
		e.t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/pkcs7-mime; smime-type=certs-only" {
		e.t.Errorf("Content-Type %q", ct)
	}
	certs := certsOnly(e.t, r.body)
	if len(certs) != 1 {
		e.t.Fatalf("%d certificates in the reply, want 1", len(certs))
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: pool(e.ca), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		e.t.Fatalf("issued certificate does not verify: %v", err)
	}
	return certs[0]
}

func certsOnly(t testing.TB, body string) []*x509.Certificate {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		t.Fatalf("reply is not base64: %v", err)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatalf("reply is not PKCS#7: %v", err)
	}
	return p7.Certificates
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func b64(der []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(der)) }

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// csr is a request by key for subject (slash form) and sans.
func csr(t testing.TB, key crypto.Signer, subject, sans string) []byte {
	t.Helper()
	n, err := dn.Parse(subject)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pki.ParseSANs(sans)
	if err != nil {
		t.Fatal(err)
	}
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: n, SANs: s, NoDefaultSAN: true})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// tlsCert pairs a certificate with its key for a TLS client.
func tlsCert(c *x509.Certificate, key crypto.Signer) *tls.Certificate {
	return &tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
}

// indexLines is the number of lines of database.txt.
func (e *testEnv) indexLines() int {
	e.t.Helper()
	return len(e.issuedEntries())
}

// issuedEntries are the index lines of the certificates the CA issued: all
// but the CA's own, which a new store's index starts with (serial 1000, as
// the engine's pki-create-ca.sh writes it).
func (e *testEnv) issuedEntries() []pki.Entry {
	e.t.Helper()
	entries, err := pki.ReadDatabase(e.store.DatabasePath())
	if err != nil {
		e.t.Fatal(err)
	}
	if len(entries) > 0 && entries[0].Serial == "1000" {
		entries = entries[1:]
	}
	return entries
}

// checkClean wants Store.Check to find nothing.
func (e *testEnv) checkClean() {
	e.t.Helper()
	problems, err := e.store.Check(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if len(problems) > 0 {
		e.t.Errorf("Check: %q", problems)
	}
}
