package est_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// hostileServer is an EST stand-in whose TLS certificate the CA issued for
// 127.0.0.1, as a server holding the CA key (or a certificate of it for
// the server's name) could be: it serves the CA and answers every
// enrollment with the certificate that answer makes of the request, signed
// by the CA.
type hostileServer struct {
	t     *testing.T
	ca    *x509.Certificate
	caKey crypto.Signer
	srv   *httptest.Server
	// tlsCert is the server's certificate, from the CA, for 127.0.0.1.
	tlsCert tls.Certificate
	// answer shapes the certificate issued for a request; nil is what
	// pkienroll serve would issue. redirect, when set, is sent instead as a
	// 307 Location.
	mu       sync.Mutex
	answer   func(tmpl *x509.Certificate, csr *x509.CertificateRequest)
	pubKey   crypto.PublicKey
	redirect string
}

func newHostileServer(t *testing.T) *hostileServer {
	t.Helper()
	store := pkitest.NewStore(t)
	h := &hostileServer{t: t}
	var err error
	if h.ca, err = pki.ReadCertificate(store.CACertPath()); err != nil {
		t.Fatal(err)
	}
	if h.caKey, err = pki.ReadKey(store.CAKeyPath(), nil); err != nil {
		t.Fatal(err)
	}
	cert, _, err := est.ServerCertificate(context.Background(), store, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	h.tlsCert = cert
	h.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	h.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	h.srv.StartTLS()
	t.Cleanup(h.srv.Close)
	return h
}

// set makes the next answers answer (with pub as the certificate's key
// when not nil) or a redirect to location.
func (h *hostileServer) set(answer func(*x509.Certificate, *x509.CertificateRequest), pub crypto.PublicKey, location string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answer, h.pubKey, h.redirect = answer, pub, location
}

func (h *hostileServer) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	answer, pub, redirect := h.answer, h.pubKey, h.redirect
	h.mu.Unlock()
	if redirect != "" {
		http.Redirect(w, r, redirect+r.URL.Path, http.StatusTemporaryRedirect)
		return
	}
	if r.URL.Path == est.PathPrefix+"cacerts" {
		writeCertsOnly(w, h.ca)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(body)), ""))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// What pkienroll serve issues: the request's subject and names, a day
	// back to 90 days on (two years for a renewal, as the current one
	// lasts), for TLS server and client.
	now := time.Now()
	life := 90 * 24 * time.Hour
	if strings.HasSuffix(r.URL.Path, "simplereenroll") {
		life = 730 * 24 * time.Hour
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		RawSubject:            csr.RawSubject,
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(-24*time.Hour + life),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:              csr.DNSNames,
		IPAddresses:           csr.IPAddresses,
	}
	if answer != nil {
		answer(tmpl, csr)
	}
	if pub == nil {
		pub = csr.PublicKey
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, h.ca, pub, h.caKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	c, err := x509.ParseCertificate(cert)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeCertsOnly(w, c)
}

func writeCertsOnly(w http.ResponseWriter, c *x509.Certificate) {
	p7, err := pkcs7.DegenerateCertificate(c.Raw)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkcs7-mime; smime-type=certs-only")
	w.Write([]byte(base64.StdEncoding.EncodeToString(p7)))
}

// recorder is a server that counts the requests it gets, and whether one
// carried credentials: where a redirect must never lead. Over TLS it has a
// certificate of the CA too, so only the redirect rule keeps the client
// away.
type recorder struct {
	mu       sync.Mutex
	requests int
	auth     bool
}

func newRecorder(t *testing.T, tlsCert *tls.Certificate) (*recorder, string) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.requests++
		rec.auth = rec.auth || r.Header.Get("Authorization") != ""
		rec.mu.Unlock()
		http.Error(w, "recorded", http.StatusNotFound)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsCert != nil {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*tlsCert}, MinVersion: tls.VersionTLS12}
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

func (rec *recorder) got() (int, bool) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.requests, rec.auth
}

// hostileCase is an answer the client must refuse, and the words of its
// refusal.
type hostileCase struct {
	name   string
	answer func(tmpl *x509.Certificate, csr *x509.CertificateRequest)
	// otherKey issues the certificate for another key than the request's.
	otherKey bool
	// redirect sends a 307 to the recorder: plain HTTP or another host.
	redirect string
	want     string
}

// hostileCases are the answers both enrollment and renewal refuse.
func hostileCases() []hostileCase {
	return []hostileCase{
		{name: "CA:TRUE", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.IsCA = true
			c.KeyUsage |= x509.KeyUsageCertSign
		}, want: "is a CA certificate"},
		{name: "keyCertSign", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.KeyUsage |= x509.KeyUsageCertSign
		}, want: "may sign certificates"},
		{name: "another key", otherKey: true, want: "is for another key"},
		{name: "extra wildcard name", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.DNSNames = append(c.DNSNames, "*.example.com")
		}, want: `names DNS:*.example.com, which was not asked for`},
		{name: "a name missing", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.DNSNames = nil
		}, want: "lacks the name DNS:proxy.example.com"},
		{name: "another CN", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.RawSubject = nil
			c.Subject = pkix.Name{Country: []string{"US"}, Organization: []string{"Example Inc."}, CommonName: "other.example.com"}
		}, want: `has CN "other.example.com", not "proxy.example.com"`},
		{name: "another organisation, the right CN", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.RawSubject = nil
			c.Subject = pkix.Name{Country: []string{"US"}, Organization: []string{"Evil Corp"}, CommonName: "proxy.example.com"}
		}, want: "subject is /C=US/O=Evil Corp/CN=proxy.example.com, not /C=US/O=Example Inc./CN=proxy.example.com"},
		{name: "an attribute more", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.RawSubject = nil
			c.Subject = pkix.Name{Country: []string{"US"}, Organization: []string{"Example Inc."}, OrganizationalUnit: []string{"Ops"}, CommonName: "proxy.example.com"}
		}, want: "subject is /C=US/O=Example Inc./OU=Ops/CN=proxy.example.com, not"},
		{name: "a CN with ESC, escaped once", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.RawSubject = nil
			c.Subject = pkix.Name{Country: []string{"US"}, Organization: []string{"Example Inc."}, CommonName: "proxy.example.com\x1b[2J"}
		}, want: `has CN "proxy.example.com\x1B[2J", not "proxy.example.com"`},
		{name: "no serverAuth", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}, want: "not for TLS servers"},
		{name: "expires in 90 seconds", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.NotAfter = time.Now().Add(90 * time.Second)
		}, want: "expires"},
		{name: "not valid for two days", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.NotBefore = time.Now().Add(48 * time.Hour)
		}, want: "is not valid before"},
		{name: "redirect to http", redirect: "http", want: "redirects to http://127.0.0.1:"},
		{name: "redirect to another server", redirect: "https", want: "redirects to https://127.0.0.1:"},
	}
}

// prepare sets the server up for tc and returns the recorder a redirect
// leads to (nil without one).
func (h *hostileServer) prepare(t *testing.T, tc hostileCase) *recorder {
	t.Helper()
	var pub crypto.PublicKey
	if tc.otherKey {
		pub = ecKey(t).Public()
	}
	var rec *recorder
	location := ""
	if tc.redirect != "" {
		var cert *tls.Certificate
		if tc.redirect == "https" {
			cert = &h.tlsCert
		}
		rec, location = newRecorder(t, cert)
	}
	h.set(tc.answer, pub, location)
	return rec
}

// refusedCleanly wants one line that says want, and no request at the
// recorder.
func refusedCleanly(t *testing.T, err error, want string, rec *recorder) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want a refusal saying %q", want)
	}
	if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("error %q does not say %q in one line", msg, want)
	}
	if rec != nil {
		if n, auth := rec.got(); n != 0 {
			t.Errorf("the redirect was followed: %d requests (credentials sent: %v)", n, auth)
		}
	}
}

// TestEnrollFilesRefusesWhatWasNotAsked: a server with a certificate from
// the CA answers an enrollment with a CA certificate, a certificate for
// another key, other or more names, no serverAuth, a short or future
// validity, or a redirect: EnrollFiles refuses each in one line and writes
// nothing; the honest answer is taken.
func TestEnrollFilesRefusesWhatWasNotAsked(t *testing.T) {
	h := newHostileServer(t)
	c, err := est.NewClient(h.srv.URL, h.ca)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	sans, _ := pki.ParseSANs("DNS:proxy.example.com")
	enroll := func(f est.Files) error {
		_, err := c.EnrollFiles(t.Context(), est.EnrollRequest{Token: "token", CN: "proxy.example.com", SANs: sans, Files: f, NewKey: ecSigner(t)})
		return err
	}
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.prepare(t, tc)
			f := proxyFiles(t)
			refusedCleanly(t, enroll(f), tc.want, rec)
			if entries, _ := os.ReadDir(filepath.Dir(f.Cert)); len(entries) != 0 {
				t.Errorf("%d files written", len(entries))
			}
		})
	}
	t.Run("honest", func(t *testing.T) {
		h.set(nil, nil, "")
		f := proxyFiles(t)
		if err := enroll(f); err != nil {
			t.Fatal(err)
		}
		opensslVerify(t, f)
	})
	t.Run("the CN in another case", func(t *testing.T) {
		// The server issues the token's spelling of the host name.
		h.set(func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.RawSubject = nil
			c.Subject = pkix.Name{Country: []string{"US"}, Organization: []string{"Example Inc."}, CommonName: "Proxy.Example.com"}
		}, nil, "")
		if err := enroll(proxyFiles(t)); err != nil {
			t.Errorf("a CN that differs in case only: %v", err)
		}
	})
	t.Run("no name asked, the CN alone", func(t *testing.T) {
		h.set(func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.DNSNames = []string{"proxy.example.com", "portal.example.com"}
		}, nil, "")
		f := proxyFiles(t)
		_, err := c.EnrollFiles(t.Context(), est.EnrollRequest{Token: "token", CN: "proxy.example.com", Files: f, NewKey: ecSigner(t)})
		refusedCleanly(t, err, "names DNS:portal.example.com, which was not asked for", nil)
		if entries, _ := os.ReadDir(filepath.Dir(f.Cert)); len(entries) != 0 {
			t.Errorf("%d files written", len(entries))
		}
	})
}

// TestRenewFilesRefusesWhatWasNotAsked: the same answers to a renewal,
// and a certificate that ends before the current one, are refused in one
// line and leave the files byte-identical; the honest answer is taken.
func TestRenewFilesRefusesWhatWasNotAsked(t *testing.T) {
	h := newHostileServer(t)
	c, err := est.NewClient(h.srv.URL, h.ca)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	f := currentCert(t, h, time.Now())
	dir := filepath.Dir(f.Cert)

	cases := append(hostileCases(),
		hostileCase{name: "90 days replacing two years", answer: func(c *x509.Certificate, _ *x509.CertificateRequest) {
			c.NotAfter = c.NotBefore.Add(90 * 24 * time.Hour)
		}, want: "before the current certificate's end"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.prepare(t, tc)
			before := pkitest.Snapshot(t, dir)
			res, err := c.RenewFiles(t.Context(), est.RenewRequest{Files: f, Always: true})
			refusedCleanly(t, err, tc.want, rec)
			if res != nil {
				t.Errorf("result %+v with an error", res)
			}
			pkitest.AssertUnchanged(t, dir, before)
		})
	}
	t.Run("honest", func(t *testing.T) {
		h.set(nil, nil, "")
		res, err := c.RenewFiles(t.Context(), est.RenewRequest{Files: f, Always: true})
		if err != nil || !res.Renewed {
			t.Fatalf("%+v, %v", res, err)
		}
	})
}

// currentCert writes a proxy's files: a key and the current certificate,
// from h's CA, for two years, issued two days before now, and the CA
// certificate.
func currentCert(t *testing.T, h *hostileServer, now time.Time) est.Files {
	t.Helper()
	f := proxyFiles(t)
	key := ecKey(t)
	cur := &x509.Certificate{
		SerialNumber: big.NewInt(7), NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-48*time.Hour + 730*24*time.Hour),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"Example Inc."}, CommonName: "proxy.example.com"},
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"proxy.example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, cur, h.ca, key.Public(), h.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pki.EncodeKey(key, pki.KeyEncoding{})
	if err != nil {
		t.Fatal(err)
	}
	pkitest.WriteFile(t, f.Key, keyPEM, 0o600)
	pkitest.WriteFile(t, f.Cert, pki.EncodeCertificatePEM(der), 0o644)
	pkitest.WriteFile(t, f.CA, pki.EncodeCertificatePEM(h.ca.Raw), 0o644)
	return f
}

// TestBootstrapFollowsNoRedirect: a server that redirects cacerts
// elsewhere is refused; nothing is fetched there.
func TestBootstrapFollowsNoRedirect(t *testing.T) {
	h := newHostileServer(t)
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			rec := h.prepare(t, hostileCase{redirect: scheme})
			_, err := est.Bootstrap(t.Context(), h.srv.URL, est.Fingerprint(h.ca))
			refusedCleanly(t, err, "redirects to "+scheme+"://127.0.0.1:", rec)
		})
	}
}

// TestEnrollRefusesWhatWasNotAsked: Client.Enroll, which writes nothing,
// checks the certificate against the request too, so that no caller of the
// library takes another's certificate.
func TestEnrollRefusesWhatWasNotAsked(t *testing.T) {
	h := newHostileServer(t)
	c, err := est.NewClient(h.srv.URL, h.ca)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.prepare(t, tc)
			_, err := c.Enroll(t.Context(), "token", csr(t, ecKey(t), proxySubject, "DNS:proxy.example.com"))
			refusedCleanly(t, err, tc.want, rec)
		})
	}
}
