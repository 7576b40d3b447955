package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"text/template"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki"
)

// metricsStore makes a PKI directory whose clock stood at start: a CA of
// caDays, certs/NAME.cer for each name with its days, and a CRL of one
// day published as crl.pem at the directory's top.
func metricsStore(t *testing.T, start time.Time, caDays int, certs map[string]int) string {
	t.Helper()
	clock := pki.WithNow(func() time.Time { return start })
	dir := filepath.Join(t.TempDir(), "pki")
	s, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject), Days: caDays},
		pkitest.SharedCAKeyGenerator(t), clock)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(certs))
	for n := range certs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pkitest.WriteRequest(t, s, n, "/C=US/O=Example Inc./CN="+n+".example.com")
		if _, err := s.Sign(context.Background(), pki.SignRequest{Name: n, Days: certs[n]}); err != nil {
			t.Fatalf("sign %s: %v", n, err)
		}
	}
	if _, err := s.PublishCRL(context.Background(), pki.CRLRequest{Out: filepath.Join(dir, "crl.pem"), Days: 1}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// parseMetrics parses the text format.
func parseMetrics(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(pmodel.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse metrics: %v\n%s", err, text)
	}
	return fams
}

// TestMetricsCommand: `pkienroll metrics` prints every certificate of the
// PKI directory (the CA, certs/*.cer), its CRL and a file named on the
// command line, in a text format that the real promtool accepts; a file
// it cannot read is one log line and x509_read_errors, and the exit is 0,
// as the exporter's.
func TestMetricsCommand(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	start := time.Now().Add(-time.Hour)
	dir := metricsStore(t, start, 3650, map[string]int{"apache": 365, "websocket-proxy": 30})
	proxy := filepath.Join(t.TempDir(), "proxy.cer")
	pkitest.WriteFile(t, proxy, []byte(pkitest.ReadFile(t, filepath.Join(dir, "certs", "apache.cer"))), 0o644)
	missing := filepath.Join(t.TempDir(), "squid.cer")
	before := pkitest.Snapshot(t, dir)

	r := runCLI(t, "metrics", "--pki-dir", dir, proxy, missing)
	if r.code != 0 {
		t.Fatalf("metrics: %s", r)
	}
	pkitest.AssertUnchanged(t, dir, before)
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], missing) {
		t.Errorf("stderr: %q, want one line naming %s", r.stderr, missing)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(r.stdout)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, r.stdout)
	}

	fams := parseMetrics(t, r.stdout)
	paths := map[string]string{}
	for _, m := range fams["x509_cert_not_after"].GetMetric() {
		l := labels(m)
		paths[l["filepath"]] = l["subject_CN"]
		if l["serial_number"] == "" || l["issuer_CN"] == "" || l["filename"] != filepath.Base(l["filepath"]) {
			t.Errorf("labels %v", l)
		}
	}
	want := map[string]string{
		filepath.Join(dir, "ca.pem"):                       "engine.example.com.81108",
		filepath.Join(dir, "certs", "apache.cer"):          "apache.example.com",
		filepath.Join(dir, "certs", "websocket-proxy.cer"): "websocket-proxy.example.com",
		proxy: "apache.example.com",
	}
	for p, cn := range want {
		if got, ok := paths[p]; !ok || got != cn {
			t.Errorf("x509_cert_not_after of %s: %q, present %v; all: %v", p, got, ok, paths)
		}
	}
	if len(paths) != len(want) {
		t.Errorf("certificates: %v, want %v", paths, want)
	}
	if got := value(t, fams, "x509_read_errors", nil); got != 1 {
		t.Errorf("x509_read_errors = %v, want 1", got)
	}
	if got := value(t, fams, "x509_crl_next_update", map[string]string{"filename": "crl.pem", "crl_number": "1"}); math.Abs(got-float64(start.Add(24*time.Hour).Unix())) > 60 {
		t.Errorf("x509_crl_next_update = %v, want %v", got, float64(start.Add(24*time.Hour).Unix()))
	}
	if got := value(t, fams, "x509_cert_expired", map[string]string{"filepath": proxy}); got != 0 {
		t.Errorf("x509_cert_expired of a valid certificate = %v", got)
	}
	if got := value(t, fams, "pkienroll_cert_ca", map[string]string{"filepath": filepath.Join(dir, "ca.pem")}); got != 1 {
		t.Errorf("pkienroll_cert_ca of ca.pem = %v", got)
	}
}

// TestAlertRules runs the real `promtool test rules` on the shipped alert
// rules, with input series that `pkienroll metrics` printed for a PKI
// directory made at the Unix epoch (the start of promtool's clock): a
// certificate of 20 days, one of 5, one of a year, a CA of 200 days and a
// CRL of one day.
func TestAlertRules(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	epoch := time.Unix(0, 0).UTC()
	dir := metricsStore(t, epoch, 200, map[string]int{"soon": 20, "week": 5, "fine": 365})
	old := now
	now = func() time.Time { return epoch }
	t.Cleanup(func() { now = old })
	fams := parseMetrics(t, mustRun(t, "metrics", "--pki-dir", dir))

	var series strings.Builder
	byCN := map[string]map[string]string{}
	for _, name := range []string{"x509_cert_not_after", "pkienroll_cert_ca", "x509_crl_next_update"} {
		for _, m := range fams[name].GetMetric() {
			l := labels(m)
			fmt.Fprintf(&series, "      - series: '%s%s'\n        values: '%vx2000'\n", name, promLabels(l), metricValue(m))
			if name == "x509_cert_not_after" {
				byCN[strings.SplitN(l["subject_CN"], ".", 2)[0]] = l
			}
			if name == "x509_crl_next_update" {
				byCN["crl"] = l
			}
		}
	}
	ca := "engine"
	rules, err := filepath.Abs(filepath.Join("..", "..", "docs", "monitoring", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	annotations := ruleAnnotations(t, rules)
	alert := func(name, severity, who string) string {
		l := map[string]string{"severity": severity}
		for k, v := range byCN[who] {
			l[k] = v
		}
		a := map[string]string{}
		for k, text := range annotations[name] {
			var b strings.Builder
			if err := template.Must(template.New(k).Parse("{{$labels := .}}"+text)).Execute(&b, byCN[who]); err != nil {
				t.Fatal(err)
			}
			a[k] = b.String()
		}
		return fmt.Sprintf("          - exp_labels: %s\n            exp_annotations: %s\n", yamlMap(l), yamlMap(a))
	}
	check := func(at, name string, alerts ...string) string {
		return fmt.Sprintf("      - eval_time: %s\n        alertname: %s\n        exp_alerts:\n%s", at, name, strings.Join(alerts, ""))
	}
	none := func(at, name string) string {
		return fmt.Sprintf("      - eval_time: %s\n        alertname: %s\n        exp_alerts: []\n", at, name)
	}
	tests := []string{
		check("2h", "X509CertificateExpiresIn30Days", alert("X509CertificateExpiresIn30Days", "warning", "soon")),
		check("2h", "X509CertificateExpiresIn7Days", alert("X509CertificateExpiresIn7Days", "critical", "week")),
		none("2h", "X509CertificateExpired"),
		check("2h", "X509CAExpiresWithinAYear", alert("X509CAExpiresWithinAYear", "warning", ca)),
		none("2h", "X509CRLPastNextUpdate"),
		check("2d", "X509CRLPastNextUpdate", alert("X509CRLPastNextUpdate", "critical", "crl")),
		check("6d", "X509CertificateExpired", alert("X509CertificateExpired", "critical", "week")),
		check("6d", "X509CertificateExpiresIn7Days"),
		check("14d", "X509CertificateExpiresIn7Days", alert("X509CertificateExpiresIn7Days", "critical", "soon")),
	}
	// exp_alerts of an empty check must be an empty list.
	for i, s := range tests {
		if strings.HasSuffix(s, "exp_alerts:\n") {
			tests[i] = strings.TrimSuffix(s, "\n") + " []\n"
		}
	}
	test := fmt.Sprintf("rule_files:\n  - %s\nevaluation_interval: 15m\ntests:\n  - interval: 15m\n    input_series:\n%s    alert_rule_test:\n%s",
		rules, series.String(), strings.Join(tests, ""))
	path := filepath.Join(t.TempDir(), "alerts_test.yml")
	pkitest.WriteFile(t, path, []byte(test), 0o644)
	out, err := exec.Command(promtool, "test", "rules", path).CombinedOutput()
	if err != nil {
		t.Errorf("promtool test rules: %v\n%s\ntest file:\n%s", err, out, test)
	}
	if out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		if p.GetValue() != "" {
			l[p.GetName()] = p.GetValue()
		}
	}
	return l
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}

// value is the value of the one series of name whose labels include
// match; it fails the test when there is not exactly one.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	t.Helper()
	var found []float64
	for _, m := range fams[name].GetMetric() {
		l := labels(m)
		ok := true
		for k, v := range match {
			ok = ok && l[k] == v
		}
		if ok {
			found = append(found, metricValue(m))
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, match, len(found))
	}
	return found[0]
}

func promLabels(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%s=%q", k, l[k])
	}
	b.WriteString("}")
	return b.String()
}

func yamlMap(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %q", k, l[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// ruleAnnotations reads the annotations of each alert of the rules file,
// to expect them rendered with the alert's labels.
func ruleAnnotations(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal([]byte(pkitest.ReadFile(t, path)), &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = r.Annotations
		}
	}
	return out
}

// TestMonitoringCronRecipes runs the cron lines of docs/monitoring.md as
// they are written, with the engine's, node_exporter's and Squid's
// directories moved to a scratch directory: each leaves a .prom file that
// the real promtool accepts, holding the certificates it names, and no
// temporary file.
func TestMonitoringCronRecipes(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	doc := pkitest.ReadFile(t, filepath.Join("..", "..", "docs", "monitoring.md"))
	var recipes []string
	for _, line := range strings.Split(doc, "\n") {
		if rest, ok := strings.CutPrefix(line, "*/15 * * * * root "); ok {
			recipes = append(recipes, rest)
		}
	}
	if len(recipes) != 2 {
		t.Fatalf("docs/monitoring.md has %d cron lines, want 2 (engine, proxy)", len(recipes))
	}
	root := t.TempDir()
	pkiDir := metricsStore(t, time.Now(), 3650, map[string]int{"apache": 365})
	squid := filepath.Join(root, "squid")
	textfiles := filepath.Join(root, "node-exporter")
	for _, d := range []string{squid, textfiles} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pkitest.WriteFile(t, filepath.Join(squid, "proxy.cer"), []byte(pkitest.ReadFile(t, filepath.Join(pkiDir, "certs", "apache.cer"))), 0o644)
	pkitest.WriteFile(t, filepath.Join(squid, "ca.pem"), []byte(pkitest.ReadFile(t, filepath.Join(pkiDir, "ca.pem"))), 0o644)
	moved := strings.NewReplacer("/etc/pki/ovirt-engine", pkiDir, "/var/lib/prometheus/node-exporter", textfiles,
		"/etc/squid", squid, "pkienroll ", shellQuote(binary(t))+" ")
	for i, recipe := range recipes {
		bash(t, root, moved.Replace(recipe))
		prom := filepath.Join(textfiles, "pkienroll.prom")
		text := pkitest.ReadFile(t, prom)
		check := exec.Command(promtool, "check", "metrics")
		check.Stdin = strings.NewReader(text)
		if out, err := check.CombinedOutput(); err != nil {
			t.Errorf("recipe %d: promtool check metrics: %v\n%s", i+1, err, out)
		}
		want := []string{filepath.Join(pkiDir, "ca.pem"), filepath.Join(pkiDir, "certs", "apache.cer")}
		if i == 1 {
			want = []string{filepath.Join(squid, "proxy.cer"), filepath.Join(squid, "ca.pem")}
		}
		for _, p := range want {
			if !strings.Contains(text, `filepath="`+p+`"`) {
				t.Errorf("recipe %d: %s not in the metrics:\n%s", i+1, p, text)
			}
		}
		if !strings.Contains(text, "x509_read_errors 0") {
			t.Errorf("recipe %d: read errors:\n%s", i+1, text)
		}
		if entries, _ := os.ReadDir(textfiles); len(entries) != 1 {
			t.Errorf("recipe %d left %d files in the textfile directory", i+1, len(entries))
		}
		os.Remove(prom)
	}
}

// TestMetricsRepeatedCertificate: a bundle that lists a certificate twice
// (a chain file put together by hand) is watched like any other file: the
// command printed nothing and exited 1, every other file unwatched with
// it, for a series collected twice. Its output is one series for it, and
// the real promtool accepts it.
func TestMetricsRepeatedCertificate(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	dir := metricsStore(t, time.Now().Add(-time.Hour), 3650, map[string]int{"apache": 365})
	ca := pkitest.ReadFile(t, filepath.Join(dir, "ca.pem"))
	bundle := filepath.Join(t.TempDir(), "chain.pem")
	pkitest.WriteFile(t, bundle, []byte(ca+ca), 0o644)

	r := runCLI(t, "metrics", "--pki-dir", dir, bundle)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("metrics: %s", r)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(r.stdout)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, r.stdout)
	}
	n := 0
	for _, m := range parseMetrics(t, r.stdout)["x509_cert_not_after"].GetMetric() {
		if labels(m)["filepath"] == bundle {
			n++
		}
	}
	if n != 1 {
		t.Errorf("x509_cert_not_after series of %s: %d, want 1", bundle, n)
	}
}
