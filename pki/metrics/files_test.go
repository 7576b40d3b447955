package metrics_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/metrics"
)

// series is one gathered metric: its labels (the empty ones left out)
// and value.
type series struct {
	labels map[string]string
	value  float64
}

// gather collects c once as a scrape does, writes it in the text format
// and reads that back with Prometheus's own parser (expfmt), and returns
// the series of each metric name.
func gather(t *testing.T, c metrics.Collector) map[string][]series {
	t.Helper()
	got, err := metrics.Gather(c)
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var text strings.Builder
	if err := metrics.WriteText(&text, got); err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(pmodel.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(text.String()))
	if err != nil {
		t.Fatalf("parse metrics: %v\n%s", err, text.String())
	}
	out := map[string][]series{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			s := series{labels: map[string]string{}, value: value(m)}
			for _, l := range m.GetLabel() {
				if l.GetValue() != "" {
					s.labels[l.GetName()] = l.GetValue()
				}
			}
			out[f.GetName()] = append(out[f.GetName()], s)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	}
	return m.GetUntyped().GetValue()
}

// paths are the filepath labels of name's series.
func paths(ss []series) map[string]bool {
	out := map[string]bool{}
	for _, s := range ss {
		out[s.labels["filepath"]] = true
	}
	return out
}

// signed makes a store at start with certs/NAME.cer of days for each name.
func signed(t *testing.T, start time.Time, days map[string]int) *pki.Store {
	t.Helper()
	s := pkitest.NewStore(t, pki.WithNow(func() time.Time { return start }))
	for name, d := range days {
		pkitest.WriteRequest(t, s, name, "/C=US/O=Example Inc./CN="+name+".example.com")
		if _, err := s.Sign(context.Background(), pki.SignRequest{Name: name, Days: d}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestFilesReadsTheDirectory: the CA, certs/*.cer (not the certs/*.pem
// copies), a CRL at the top; a key at the top is passed over, private/
// and keys/ are never read; the labels are the exporter's.
func TestFilesReadsTheDirectory(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := signed(t, start, map[string]int{"apache": 30})
	dir := s.Dir()
	if _, err := s.PublishCRL(context.Background(), pki.CRLRequest{Out: filepath.Join(dir, "engine.crl"), Days: 7}); err != nil {
		t.Fatal(err)
	}
	pkitest.WriteFile(t, filepath.Join(dir, "notes.pem"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
	// Unreadable places: reading them would be a read error.
	for _, sub := range []string{"private", "keys"} {
		pkitest.WriteFile(t, filepath.Join(dir, sub, "junk.cer"), []byte("junk"), 0o600)
	}

	got := gather(t, metrics.NewFiles(dir, nil, metrics.WithNow(func() time.Time { return start.Add(40 * 24 * time.Hour) })))
	want := map[string]bool{filepath.Join(dir, "ca.pem"): true, filepath.Join(dir, "certs", "apache.cer"): true}
	if p := paths(got["x509_cert_not_after"]); len(p) != len(want) || !p[filepath.Join(dir, "ca.pem")] || !p[filepath.Join(dir, "certs", "apache.cer")] {
		t.Errorf("certificates read: %v, want %v", p, want)
	}
	if n := got["x509_read_errors"]; len(n) != 1 || n[0].value != 0 {
		t.Errorf("x509_read_errors: %v", n)
	}
	for _, ss := range got["x509_cert_expired"] {
		want := 1.0 // apache, 30 days, seen at day 40
		if ss.labels["filename"] == "ca.pem" {
			want = 0
		}
		if ss.value != want {
			t.Errorf("x509_cert_expired %v = %v, want %v", ss.labels, ss.value, want)
		}
	}
	apache := pkitest.ReadCert(t, filepath.Join(dir, "certs", "apache.cer"))
	for _, ss := range got["x509_cert_not_after"] {
		if ss.labels["filename"] != "apache.cer" {
			continue
		}
		wantLabels := map[string]string{
			"filename": "apache.cer", "filepath": filepath.Join(dir, "certs", "apache.cer"),
			"serial_number": apache.SerialNumber.String(),
			"issuer_C":      "US", "issuer_O": "Example Inc.", "issuer_CN": "engine.example.com.81108",
			"subject_C": "US", "subject_O": "Example Inc.", "subject_CN": "apache.example.com",
		}
		if len(ss.labels) != len(wantLabels) {
			t.Errorf("labels %v, want %v", ss.labels, wantLabels)
		}
		for k, v := range wantLabels {
			if ss.labels[k] != v {
				t.Errorf("label %s = %q, want %q", k, ss.labels[k], v)
			}
		}
		if ss.value != float64(apache.NotAfter.Unix()) {
			t.Errorf("x509_cert_not_after = %v, want %v", ss.value, apache.NotAfter.Unix())
		}
	}
	crl := got["x509_crl_stale"]
	if len(crl) != 1 || crl[0].value != 1 || crl[0].labels["crl_number"] != "1" || crl[0].labels["filename"] != "engine.crl" {
		t.Errorf("x509_crl_stale: %v, want one stale CRL number 1", crl)
	}
}

// TestFilesReadErrors: a file named that is missing, a FIFO (never
// waited on), garbage in certs/ are each one error, told to the error
// function with the file's path, and the rest is still collected.
func TestFilesReadErrors(t *testing.T) {
	s := signed(t, time.Now(), map[string]int{"apache": 30})
	dir := s.Dir()
	other := t.TempDir()
	missing := filepath.Join(other, "missing.cer")
	fifo := filepath.Join(other, "fifo.cer")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "certs", "garbage.cer")
	pkitest.WriteFile(t, garbage, []byte("not a certificate\n"), 0o644)
	malformed := filepath.Join(other, "malformed.pem")
	pkitest.WriteFile(t, malformed, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}), 0o644)

	var errs []string
	done := make(chan map[string][]series, 1)
	go func() {
		done <- gather(t, metrics.NewFiles(dir, []string{missing, fifo, malformed}, metrics.WithErrors(func(err error) { errs = append(errs, err.Error()) })))
	}()
	var got map[string][]series
	select {
	case got = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("collecting waited on the FIFO")
	}
	if n := got["x509_read_errors"]; len(n) != 1 || n[0].value != 4 {
		t.Errorf("x509_read_errors: %v, want 4", n)
	}
	for _, p := range []string{missing, fifo, garbage, malformed} {
		found := false
		for _, e := range errs {
			found = found || strings.Contains(e, p)
		}
		if !found {
			t.Errorf("no error names %s: %q", p, errs)
		}
	}
	if p := paths(got["x509_cert_not_after"]); !p[filepath.Join(dir, "certs", "apache.cer")] {
		t.Errorf("apache.cer not collected beside the errors: %v", p)
	}
}

// TestFilesHostileNames: a subject with control characters and a file
// name that is not UTF-8 are escaped in the labels (a label value must
// be UTF-8 in the text format), never printed raw.
func TestFilesHostileNames(t *testing.T) {
	key := pkitest.SharedKey(t, pkitest.OtherKey)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "evil\x1b[31m\n.example.com"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bad\xff.cer")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	got := gather(t, metrics.NewFiles("", []string{path}))
	ss := got["x509_cert_not_after"]
	if len(ss) != 1 {
		t.Fatalf("x509_cert_not_after: %v", ss)
	}
	if cn := ss[0].labels["subject_CN"]; cn != `evil\x1B[31m\x0A.example.com` {
		t.Errorf("subject_CN = %q", cn)
	}
	if fp := ss[0].labels["filepath"]; !strings.HasSuffix(fp, `bad\xFF.cer`) {
		t.Errorf("filepath = %q", fp)
	}
}

// TestFilesCertDir: WithCertDir reads the issued certificates where the
// store keeps them (the scripts' --cert-dir), and certs/ is then not read.
func TestFilesCertDir(t *testing.T) {
	s := pkitest.NewStore(t, pki.WithCertDir("issued"))
	pkitest.WriteRequest(t, s, "apache", pkitest.EngineProxySubject)
	if _, err := s.Sign(context.Background(), pki.SignRequest{Name: "apache"}); err != nil {
		t.Fatal(err)
	}
	got := gather(t, metrics.NewFiles(s.Dir(), nil, metrics.WithCertDir("issued")))
	if p := paths(got["x509_cert_not_after"]); !p[filepath.Join(s.Dir(), "issued", "apache.cer")] || len(p) != 2 {
		t.Errorf("certificates read: %v, want ca.pem and issued/apache.cer", p)
	}
	if n := got["x509_read_errors"]; len(n) != 1 || n[0].value != 0 {
		t.Errorf("x509_read_errors: %v", n)
	}
}

// TestFilesRepeatedSeries: series that would have the same labels never
// make Gather refuse the scrape. A bundle that lists a certificate twice
// is one series and no error; a second certificate with the first one's
// serial, issuer and subject in one file, and a file whose name escapes
// to another's label (a\xFF.cer beside a file named with the byte 0xFF),
// are each a read error, and the rest is still collected.
func TestFilesRepeatedSeries(t *testing.T) {
	s := signed(t, time.Now(), map[string]int{"apache": 30})
	ca := pkitest.ReadFile(t, s.CACertPath())
	other := t.TempDir()
	bundle := filepath.Join(other, "bundle.pem")
	pkitest.WriteFile(t, bundle, []byte(ca+ca), 0o644)

	key := pkitest.SharedKey(t, pkitest.OtherKey)
	var twins []byte
	for _, days := range []int{1, 2} {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "twin.example.com"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Duration(days) * 24 * time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		twins = append(twins, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	twinFile := filepath.Join(other, "twins.pem")
	pkitest.WriteFile(t, twinFile, twins, 0o644)
	for _, name := range []string{`a\xFF.cer`, "a\xff.cer"} {
		pkitest.WriteFile(t, filepath.Join(s.Dir(), "certs", name), []byte(pkitest.ReadFile(t, filepath.Join(s.Dir(), "certs", "apache.cer"))), 0o644)
	}

	var errs []string
	got := gather(t, metrics.NewFiles(s.Dir(), []string{bundle, twinFile}, metrics.WithErrors(func(err error) { errs = append(errs, err.Error()) })))
	if n := got["x509_read_errors"]; len(n) != 1 || n[0].value != 2 {
		t.Errorf("x509_read_errors: %v, want 2 (%q)", n, errs)
	}
	if len(errs) != 2 || !strings.Contains(errs[0]+errs[1], twinFile+": certificate 2") {
		t.Errorf("errors %q, want one naming %s's second certificate", errs, twinFile)
	}
	count := map[string]int{}
	for _, ss := range got["x509_cert_not_after"] {
		count[filepath.Base(ss.labels["filepath"])]++
	}
	for name, want := range map[string]int{"bundle.pem": 1, "twins.pem": 1, `a\xFF.cer`: 1, "apache.cer": 1, "ca.pem": 1} {
		if count[name] != want {
			t.Errorf("x509_cert_not_after series of %s: %d, want %d (all: %v)", name, count[name], want, count)
		}
	}
}

// TestFilesNamedOnce: a file of the directory also named besides is read
// once, however the two spell it. Before, a relative directory and the
// same file named by its absolute path (the command line makes FILE
// absolute) gave two sets of series, and every alert on it fired twice.
func TestFilesNamedOnce(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, named string }{
		{rel, filepath.Join(s.Dir(), "ca.pem")},
		{s.Dir(), filepath.Join(rel, "ca.pem")},
	} {
		got := gather(t, metrics.NewFiles(tc.dir, []string{tc.named}))
		if n := len(got["x509_cert_not_after"]); n != 1 {
			t.Errorf("dir %s, named %s: %d series of x509_cert_not_after, want 1 (ca.pem once): %v", tc.dir, tc.named, n, paths(got["x509_cert_not_after"]))
		}
	}
}
