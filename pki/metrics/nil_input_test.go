package metrics_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/est"
	"github.com/pkienroll/pkienroll/pki/metrics"
)

// TestNilInputs: nil options keep their defaults (WithErrors(nil) panicked
// at the first unreadable file, WithNow(nil) at every scrape), a nil
// collector is passed over, and the zero Requests counts.
func TestNilInputs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.pem"), []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := metrics.NewFiles("", []string{filepath.Join(dir, "bad.pem")}, metrics.WithErrors(nil), metrics.WithNow(nil), nil)
	var reqs metrics.Requests
	reqs.Observe(est.Event{Op: "simpleenroll", Status: 200, Duration: time.Millisecond})
	fams, err := metrics.Gather(files, nil, &reqs)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range fams {
		found[f.Name] = true
	}
	for _, name := range []string{"x509_read_errors", "pkienroll_est_requests_total"} {
		if !found[name] {
			t.Errorf("no %s in %v", name, found)
		}
	}
}
