package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
)

// TestServeMetricsListener: --metrics-listen serves /metrics on a listener
// of its own, never on the EST port; after an enrollment and a refusal it
// shows them, the tokens by state, the connections, and the PKI
// directory's certificates; the real promtool accepts it.
func TestServeMetricsListener(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com"))
	mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "other", "--cn", "other.example.com")
	s := startServeArgs(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--host", "127.0.0.1", "--metrics-listen", "127.0.0.1:0")
	m := regexp.MustCompile(`serving metrics addr=(\S+)`).FindStringSubmatch(s.waitLog(t, "serving metrics", 1))
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", s.logText())
	}
	metricsURL := "http://" + m[1] + "/metrics"

	p := newProxyHost(t)
	fp := "SHA256:" + strings.TrimPrefix(caFingerprint(t, filepath.Join(pkiDir, "ca.pem")), "SHA256:")
	if r := runBinary(t, "022", "enroll", "--server", "https://"+s.addr, "--token="+token, "--ca-fingerprint", fp,
		"--cn", "proxy.example.com", "--key", p.key, "--cert", p.cert, "--ca-out", p.ca); r.code != 0 {
		t.Fatalf("enroll: %s", r)
	}
	if r := runBinary(t, "022", "enroll", "--server", "https://"+s.addr, "--token=not-a-token", "--ca-fingerprint", fp,
		"--cn", "proxy.example.com", "--key", filepath.Join(dir, "k"), "--cert", filepath.Join(dir, "c"), "--ca-out", filepath.Join(dir, "ca")); r.code == 0 {
		t.Fatalf("enroll with a bad token succeeded: %s", r)
	}

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := get("https://" + s.addr + "/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the EST port: %d, want 404", code)
	}
	code, text := get(metricsURL)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", metricsURL, code, text)
	}
	for _, want := range []string{
		`pkienroll_est_requests_total{code="200",op="simpleenroll",result="ok"} 1`,
		`pkienroll_est_request_duration_seconds_count{op="simpleenroll"} 2`,
		`pkienroll_tokens{state="used"} 1`,
		`pkienroll_tokens{state="active"} 1`,
		`pkienroll_connections_open `,
		`pkienroll_connections_refused_total 0`,
		`filepath="` + filepath.Join(pkiDir, "certs", "proxy.cer") + `"`,
		`x509_read_errors 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`pkienroll_est_requests_total\{code="4\d\d",op="simpleenroll",result="refused"\} 1`).MatchString(text) {
		t.Errorf("metrics lack the refused enrollment:\n%s", text)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(text)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestServeMetricsBindsFirst: a --metrics-listen that cannot be bound (no
// port, a port in use) fails the start with one line naming it, before the
// server issues its certificate: the PKI directory is byte-identical.
func TestServeMetricsBindsFirst(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, addr := range []string{"9443", held.Addr().String()} {
		t.Run(addr, func(t *testing.T) {
			pkiDir := filepath.Join(t.TempDir(), "pki")
			mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
			before := pkitest.Snapshot(t, pkiDir)
			r := runCLIFinishes(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--host", "127.0.0.1", "--metrics-listen", addr)
			if r.code != exitError {
				t.Errorf("exit %d, want %d\n%s", r.code, exitError, r)
			}
			assertOneErrorLine(t, r.stderr, "--metrics-listen "+addr)
			pkitest.AssertUnchanged(t, pkiDir, before)
		})
	}
}

// TestServeMetricsConnBounds: the metrics listener takes at most
// metricsMaxConnsPerAddr connections from one address; the next is closed
// as it arrives, and a scrape gets through again once one of them closes.
func TestServeMetricsConnBounds(t *testing.T) {
	pkiDir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	s := startServeArgs(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--host", "127.0.0.1", "--metrics-listen", "127.0.0.1:0")
	m := regexp.MustCompile(`serving metrics addr=(\S+)`).FindStringSubmatch(s.waitLog(t, "serving metrics", 1))
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", s.logText())
	}
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range metricsMaxConnsPerAddr {
		c, err := net.Dial("tcp", m[1])
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	// The server admits in Accept's order: a request on the last one
	// held is answered only once all of them are admitted.
	scrape := func(c net.Conn) error {
		if _, err := io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 12)
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if string(buf) != "HTTP/1.1 200" {
			return fmt.Errorf("answered %q", buf)
		}
		return nil
	}
	if err := scrape(held[len(held)-1]); err != nil {
		t.Fatalf("scrape on connection %d: %v", len(held), err)
	}
	extra, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if err := scrape(extra); err == nil {
		t.Fatalf("connection %d from one address was served", metricsMaxConnsPerAddr+1)
	}
	held[0].Close()
	held = held[1:]
	// The server forgets the closed connection when its read fails: a
	// bounded wait for that.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", m[1])
		if err != nil {
			t.Fatal(err)
		}
		err = scrape(c)
		c.Close()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scrape served after a connection closed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
