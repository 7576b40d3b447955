package metrics_test

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/pki/metrics"
)

// blocking is a Collector that waits for release, to hold scrapes in
// flight.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func (b blocking) Collect() ([]metrics.Family, error) {
	b.entered <- struct{}{}
	<-b.release
	return []metrics.Family{{Name: "x", Help: "X.", Type: metrics.Gauge, Metrics: []metrics.Metric{{Value: 1}}}}, nil
}

// TestHandlerServesWhatItGathered: the text format with promhttp's
// content type; an error is told and the rest still served; gzip when
// asked for.
func TestHandlerServesWhatItGathered(t *testing.T) {
	var told []error
	h := metrics.Handler(0, func(err error) { told = append(told, err) },
		collector{fams: []metrics.Family{{Name: "up", Help: "Up.", Type: metrics.Gauge, Metrics: []metrics.Metric{{Value: 1}}}}},
		collector{err: errors.New("tokens unreadable")})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	want := "# HELP up Up.\n# TYPE up gauge\nup 1\n"
	if rec.Code != http.StatusOK || rec.Body.String() != want || rec.Header().Get("Content-Type") != metrics.ContentType {
		t.Errorf("got %d %q %q, want 200 %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), want)
	}
	if len(told) != 1 || !strings.Contains(told[0].Error(), "tokens unreadable") {
		t.Errorf("told %v, want the collector's error", told)
	}
	for _, enc := range []string{"gzip", "deflate, gzip;q=0.5", "GZIP"} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept-Encoding", enc)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %s: not gzipped", enc)
			continue
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		if body, err := io.ReadAll(zr); err != nil || string(body) != want {
			t.Errorf("Accept-Encoding %s: %q, %v", enc, body, err)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip;q=0, identity")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != want {
		t.Errorf("gzip;q=0: encoding %q, body %q", rec.Header().Get("Content-Encoding"), rec.Body.String())
	}
}

// TestHandlerBoundsScrapes: with two scrapes in flight and a bound of
// two, a third is answered 503 at once; after they finish, one is served.
func TestHandlerBoundsScrapes(t *testing.T) {
	b := blocking{entered: make(chan struct{}), release: make(chan struct{})}
	h := metrics.Handler(2, nil, b)
	done := make(chan int, 2)
	for range 2 {
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			done <- rec.Code
		}()
		<-b.entered
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("third scrape: %d, want 503", rec.Code)
	}
	close(b.release)
	for range 2 {
		if code := <-done; code != http.StatusOK {
			t.Errorf("scrape in flight: %d", code)
		}
	}
	go func() { <-b.entered }()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("scrape after: %d", rec.Code)
	}
}
