package est_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/est"
)

// FuzzEnrollBody: whatever body arrives with a valid token, the server
// answers one line or a certificate, never panics, and changes the store
// only when it issues.
func FuzzEnrollBody(f *testing.F) {
	e := newEnv(f, est.WithFailureLimit(0, 0))
	// The token is for a name no fuzzed request will match by chance, so
	// it is never spent.
	token := e.token("proxy", "proxy.example.com", "", 24*time.Hour)
	srv := est.NewServer(e.store, est.WithFailureLimit(0, 0))
	f.Add([]byte("MIIB"), "application/pkcs10")
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"), "application/pkcs10")
	f.Add([]byte{0, 1, 2, 0xff}, "application/pkcs10; charset=x")
	f.Add([]byte(strings.Repeat("QUFB", 100)), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		before := pkitest.Snapshot(t, e.store.Dir())
		req := httptest.NewRequest(http.MethodPost, est.PathPrefix+"simpleenroll", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.SetBasicAuth("proxy", token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			return
		}
		if got := rec.Body.String(); strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
			t.Errorf("status %d, reply not one line: %q", rec.Code, got)
		}
		pkitest.AssertUnchanged(t, e.store.Dir(), before)
	})
}
