package est_test

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smallstep/pkcs7"

	"github.com/pkienroll/pkienroll/pki/est"
)

// standIn is a server with the hostile server's CA and TLS certificate
// that answers every request with handler.
func standIn(t *testing.T, handler http.HandlerFunc) *est.Client {
	t.Helper()
	h := newHostileServer(t)
	srv := httptest.NewUnstartedServer(handler)
	srv.TLS = h.srv.TLS
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err := est.NewClient(srv.URL, h.ca)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// TestClientRedactsItsToken: a server that quotes the token it was sent,
// in its refusal or in a redirect, does not have the client show it: the
// error says xxxxx where the token was.
func TestClientRedactsItsToken(t *testing.T) {
	const token = "tok-1810-abcdef0123456789abcdef0123456789"
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"in the refusal", func(w http.ResponseWriter, r *http.Request) {
			_, secret, _ := r.BasicAuth()
			http.Error(w, "token was used already: "+secret, http.StatusForbidden)
		}},
		{"in a redirect", func(w http.ResponseWriter, r *http.Request) {
			_, secret, _ := r.BasicAuth()
			http.Redirect(w, r, "https://127.0.0.1:1/steal?t="+secret, http.StatusTemporaryRedirect)
		}},
		{"in a busy answer's Retry-After", func(w http.ResponseWriter, r *http.Request) {
			_, secret, _ := r.BasicAuth()
			w.Header().Set("Retry-After", secret)
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := standIn(t, tc.handler)
			_, err := c.Enroll(t.Context(), token, csr(t, ecKey(t), proxySubject, "DNS:proxy.example.com"))
			if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "abcdef0123") || !strings.Contains(err.Error(), "xxxxx") {
				t.Errorf("got %v; want the token shown as xxxxx", err)
			}
		})
	}
}

// TestClientAnswerErrors: what the client says of an answer it cannot
// use: one larger than the 1 MiB it reads (not "not base64"), a busy
// server it retried until it gave up (its status and what happened, not
// an empty "server answered 429:"), a busy server whose Retry-After is
// longer than the client waits.
func TestClientAnswerErrors(t *testing.T) {
	h := newHostileServer(t)
	p7, err := pkcs7.DegenerateCertificate(h.ca.Raw)
	if err != nil {
		t.Fatal(err)
	}
	valid := b64(p7)
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    []string
		status  int
	}{
		{"a valid answer over 1 MiB", func(w http.ResponseWriter, _ *http.Request) {
			w.Write(valid)
			w.Write([]byte(strings.Repeat("\n", 1<<20)))
		}, []string{"est simpleenroll: the answer is larger than 1 MiB: refused"}, 0},
		{"429 retried until the client gave up", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}, []string{"server answered 429 Too Many Requests, without a reason", "the server is busy: the request was sent 4 times"}, http.StatusTooManyRequests},
		{"503 with a minute's Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "the CA is busy; retry", http.StatusServiceUnavailable)
		}, []string{"server answered 503: the CA is busy; retry (the server is busy and asks to wait 1m0s (Retry-After: 60)"}, http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := standIn(t, tc.handler)
			_, err := c.Enroll(t.Context(), "token", csr(t, ecKey(t), proxySubject, "DNS:proxy.example.com"))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			var se *est.ServerError
			if tc.status != 0 && (!errors.As(err, &se) || se.Status != tc.status) {
				t.Errorf("error %v is not the server's %d", err, tc.status)
			}
		})
	}
}

// TestParseFingerprint: the forms an admin copies, and what is refused
// before a server is contacted.
func TestParseFingerprint(t *testing.T) {
	hex := strings.Repeat("ab", 31) + "0F"
	want := strings.ToLower(hex)
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"SHA256:" + hex, true},
		{"sha256:" + hex, true},
		{hex, true},
		{colons(hex), true},
		{"SHA256:" + colons(hex), true},
		{" " + colons(hex) + "\n", true},
		{"garbage", false},
		{strings.Repeat("z", 64), false},
		{hex[:62], false},
		{hex + "00", false},
		{colons(hex[:62]), false},
		{colons(hex)[1:], false},
		{"SHA1:" + hex, false},
		{strings.ReplaceAll(colons(hex), ":", "::"), false},
		{"", false},
	} {
		got, err := est.ParseFingerprint(tc.in)
		switch {
		case tc.ok && (err != nil || got != want):
			t.Errorf("ParseFingerprint(%q) = %q, %v; want %q", tc.in, got, err, want)
		case !tc.ok && !errors.Is(err, est.ErrFingerprintForm):
			t.Errorf("ParseFingerprint(%q) = %q, %v; want ErrFingerprintForm", tc.in, got, err)
		}
	}
}
