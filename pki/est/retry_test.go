package est_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/est"
)

// busyFirst answers the first n requests to paths ending in op with
// status and Retry-After retry, and hands the rest to next.
func busyFirst(next http.Handler, op string, n int32, status int, retry string) (http.Handler, *atomic.Int32) {
	var refused atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, op) && refused.Load() < n {
			refused.Add(1)
			w.Header().Set("Retry-After", retry)
			http.Error(w, "busy; retry", status)
			return
		}
		next.ServeHTTP(w, r)
	}), &refused
}

// TestClientRetriesWhenAsked: a 429 or 503 with a short Retry-After (the
// address has its share of --max-per-client, the CA is busy) is sent again
// after the wait, so a program enrolling many hosts at once from one
// address is not failed for the server's bounds; a long Retry-After, or
// too many refusals, reach the caller.
func TestClientRetriesWhenAsked(t *testing.T) {
	cases := []struct {
		name    string
		op      string
		n       int32
		status  int
		retry   string
		wantErr int
	}{
		{"429 twice, enrolled", "simpleenroll", 2, http.StatusTooManyRequests, "1", 0},
		{"503 once, enrolled", "simpleenroll", 1, http.StatusServiceUnavailable, "0", 0},
		{"cacerts 429 once, bootstrapped", "cacerts", 1, http.StatusTooManyRequests, "0", 0},
		{"a minute's 429 is not waited for", "simpleenroll", 1, http.StatusTooManyRequests, "60", http.StatusTooManyRequests},
		{"no Retry-After", "simpleenroll", 1, http.StatusServiceUnavailable, "", http.StatusServiceUnavailable},
		{"refused past the retries", "simpleenroll", 10, http.StatusServiceUnavailable, "0", http.StatusServiceUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvTLS(t, true)
			// The same server behind a front that refuses first.
			h, refused := busyFirst(e.srv.Config.Handler, tc.op, tc.n, tc.status, tc.retry)
			front := httptest.NewUnstartedServer(h)
			front.TLS = e.srv.TLS
			front.StartTLS()
			t.Cleanup(front.Close)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c, err := est.Bootstrap(ctx, front.URL, est.Fingerprint(e.ca))
			if err != nil {
				t.Fatalf("bootstrap: %v", err)
			}
			before := e.indexLines() // the server's own certificate
			token := e.token("proxy", "proxy.example.com", "", time.Hour)
			_, err = c.Enroll(ctx, token, csr(t, ecKey(t), proxySubject, "DNS:proxy.example.com"))
			var se *est.ServerError
			switch {
			case tc.wantErr == 0 && err != nil:
				t.Fatalf("enroll after %d refusals: %v", refused.Load(), err)
			case tc.wantErr != 0 && (!errors.As(err, &se) || se.Status != tc.wantErr):
				t.Fatalf("enroll: %v, want the server's %d", err, tc.wantErr)
			}
			if want := min(tc.n, 4); tc.retry != "60" && tc.retry != "" && refused.Load() != want {
				t.Errorf("%d refusals answered, want %d (at most 3 retries)", refused.Load(), want)
			}
			if n := e.indexLines() - before; (n == 1) != (tc.wantErr == 0) {
				t.Errorf("%d certificates issued", n)
			}
		})
	}
}
