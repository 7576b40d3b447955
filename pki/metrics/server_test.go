package metrics_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/est"
	"github.com/pkienroll/pkienroll/pki/metrics"
)

// TestServerReadsTokensAtScrape: pkienroll_tokens counts the token
// records as they are when scraped, every state shown (0 when none); the
// connection counts are the limiter's.
func TestServerReadsTokensAtScrape(t *testing.T) {
	s := pkitest.NewStore(t)
	tokens := est.OpenTokens(s.Dir())
	c := metrics.NewServer(tokens, &est.ConnLimiter{})
	count := func() map[string]float64 {
		out := map[string]float64{}
		for _, ss := range gather(t, c)["pkienroll_tokens"] {
			out[ss.labels["state"]] = ss.value
		}
		return out
	}
	if got := count(); len(got) != 5 || got["active"] != 0 {
		t.Errorf("no tokens: %v, want the five states at 0", got)
	}
	for _, name := range []string{"a", "b"} {
		if _, _, err := tokens.Create(est.TokenRequest{Name: name, Subject: pkitest.Name(t, "/CN="+name+".example.com")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tokens.Revoke("a"); err != nil {
		t.Fatal(err)
	}
	if got := count(); got["active"] != 1 || got["revoked"] != 1 || got["used"] != 0 {
		t.Errorf("after two tokens, one revoked: %v", got)
	}
	got := gather(t, c)
	if o := got["pkienroll_connections_open"]; len(o) != 1 || o[0].value != 0 {
		t.Errorf("pkienroll_connections_open: %v", o)
	}
	if r := got["pkienroll_connections_refused_total"]; len(r) != 1 || r[0].value != 0 {
		t.Errorf("pkienroll_connections_refused_total: %v", r)
	}
}

// TestRequestsByResult: Observe counts each answer by operation, result
// and status, and its latency by operation.
func TestRequestsByResult(t *testing.T) {
	r := metrics.NewRequests()
	for _, ev := range []est.Event{
		{Op: "simpleenroll", Status: http.StatusOK, Duration: 30 * time.Millisecond},
		{Op: "simpleenroll", Status: http.StatusForbidden, Duration: time.Millisecond},
		{Op: "simplereenroll", Status: http.StatusOK, Duration: 3 * time.Second},
		{Op: "simplereenroll", Status: http.StatusServiceUnavailable, Duration: 21 * time.Second},
		{Op: "", Status: http.StatusNotFound},
	} {
		r.Observe(ev)
	}
	got := map[[3]string]float64{}
	for _, ss := range gather(t, r)["pkienroll_est_requests_total"] {
		got[[3]string{ss.labels["op"], ss.labels["result"], ss.labels["code"]}] = ss.value
	}
	want := map[[3]string]float64{
		{"simpleenroll", "ok", "200"}: 1, {"simpleenroll", "refused", "403"}: 1,
		{"simplereenroll", "ok", "200"}: 1, {"simplereenroll", "failed", "503"}: 1,
		{"other", "refused", "404"}: 1,
	}
	if len(got) != len(want) {
		t.Errorf("requests: %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("requests %v = %v, want %v", k, got[k], v)
		}
	}
}

// TestRequestsBuckets: a latency on a bucket's bound counts in that
// bucket (le is "less or equal"), and the histogram reads back whole.
func TestRequestsBuckets(t *testing.T) {
	r := metrics.NewRequests()
	for _, d := range []time.Duration{5 * time.Millisecond, 6 * time.Millisecond, time.Minute} {
		r.Observe(est.Event{Op: "simpleenroll", Status: http.StatusOK, Duration: d})
	}
	fams, err := metrics.Gather(r)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := metrics.WriteText(&text, fams); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`pkienroll_est_request_duration_seconds_bucket{op="simpleenroll",le="0.005"} 1`,
		`pkienroll_est_request_duration_seconds_bucket{op="simpleenroll",le="0.01"} 2`,
		`pkienroll_est_request_duration_seconds_bucket{op="simpleenroll",le="40"} 2`,
		`pkienroll_est_request_duration_seconds_bucket{op="simpleenroll",le="+Inf"} 3`,
		`pkienroll_est_request_duration_seconds_sum{op="simpleenroll"} 60.011`,
		`pkienroll_est_request_duration_seconds_count{op="simpleenroll"} 3`,
		`pkienroll_est_requests_total{code="200",op="simpleenroll",result="ok"} 3`,
	} {
		if !strings.Contains(text.String(), want+"\n") {
			t.Errorf("no %s in:\n%s", want, text.String())
		}
	}
}

// TestRequestsConcurrent: Observe from many goroutines while scraped
// loses no count (run with -race).
func TestRequestsConcurrent(t *testing.T) {
	r := metrics.NewRequests()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				r.Observe(est.Event{Op: "cacerts", Status: http.StatusOK, Duration: time.Millisecond})
				if _, err := metrics.Gather(r); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := gather(t, r)["pkienroll_est_requests_total"]; len(got) != 1 || got[0].value != 800 {
		t.Errorf("requests: %v, want one series of 800", got)
	}
}

// TestServerCountsUnreadableTokens: a damaged token record no longer takes
// pkienroll_tokens away: the others are counted by state, the damaged one
// in pkienroll_tokens_unreadable, and the scrape's error says why.
func TestServerCountsUnreadableTokens(t *testing.T) {
	s := pkitest.NewStore(t)
	tokens := est.OpenTokens(s.Dir())
	if _, _, err := tokens.Create(est.TokenRequest{Name: "a", Subject: pkitest.Name(t, "/CN=a.example.com")}); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(s.Dir(), "est", "tokens", strings.Repeat("ab", 32)+".json")
	if err := os.WriteFile(damaged, []byte(`{"name":`), 0o600); err != nil {
		t.Fatal(err)
	}
	fams, err := metrics.Gather(metrics.NewServer(tokens, nil))
	if err == nil || !strings.Contains(err.Error(), "pkienroll_tokens_unreadable") {
		t.Errorf("gather: %v, want the unreadable record's error", err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.Metrics {
			key := f.Name
			for _, l := range m.Labels {
				key += "/" + l.Value
			}
			got[key] = m.Value
		}
	}
	if got["pkienroll_tokens/active"] != 1 || got["pkienroll_tokens_unreadable"] != 1 {
		t.Errorf("got %v, want one active token and one unreadable record", got)
	}
}
