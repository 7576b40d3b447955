package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
)

// logTime is the start of a line that carries its time, in each format.
var logTime = map[string]*regexp.Regexp{
	"text":   regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) INFO pkienroll: wrote key `),
	"logfmt": regexp.MustCompile(`^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) level=info prefix=pkienroll msg="wrote key" `),
	"json":   regexp.MustCompile(`^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)","level":"info","prefix":"pkienroll","msg":"wrote key",`),
}

// runToFile runs the built binary with stderr to a file, as under an init
// system that is not systemd or with `2>>/var/log/pkienroll.log`, and the
// environment given; it returns what stderr got.
func runToFile(t *testing.T, env []string, journal bool, args ...string) string {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	if journal {
		// What systemd sets when stderr is its journal stream: the
		// device and inode of that stream.
		var st syscall.Stat_t
		if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino))
	}
	cmd.Stderr = f
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("pkienroll %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestLogTimestamps: a log line written to a file or a pipe starts with
// its time (RFC 3339, milliseconds, the zone), in every --log-format;
// written to the journal (JOURNAL_STREAM names stderr's device and inode,
// as systemd sets it), it has none, since the journal records the time. A
// JOURNAL_STREAM left in the environment by a parent whose stderr was the
// journal does not count when stderr is something else.
func TestLogTimestamps(t *testing.T) {
	for format, timed := range logTime {
		t.Run(format, func(t *testing.T) {
			key := func() string { return filepath.Join(t.TempDir(), "k.key") }
			args := func() []string { return []string{"--log-format", format, "keygen", "--bits", "2048", "--out", key()} }

			got := runToFile(t, nil, false, args()...)
			if !timed.MatchString(got) {
				t.Errorf("to a file: %q, want it to match %s", got, timed)
			}
			got = runToFile(t, []string{"JOURNAL_STREAM=1:1"}, false, args()...)
			if !timed.MatchString(got) {
				t.Errorf("to a file, with a stale JOURNAL_STREAM: %q, want a time", got)
			}
			got = runToFile(t, nil, true, args()...)
			if strings.Contains(got, "time") || regexp.MustCompile(`\d{4}-\d\d-\d\dT`).MatchString(got) || !strings.Contains(got, "wrote key") {
				t.Errorf("to the journal: %q, want the line without a time", got)
			}
		})
	}
}

// TestLogFormatFlag: --log-format takes text, json or logfmt, from the
// flag or PKIENROLL_LOG_FORMAT; anything else is a usage error in one line.
func TestLogFormatFlag(t *testing.T) {
	out := runToFile(t, []string{"PKIENROLL_LOG_FORMAT=json"}, true, "keygen", "--out", filepath.Join(t.TempDir(), "k.key"))
	var line map[string]any
	if err := json.Unmarshal([]byte(out), &line); err != nil || line["msg"] != "wrote key" || line["level"] != "info" {
		t.Errorf("PKIENROLL_LOG_FORMAT=json: %q (%v), want one JSON line", out, err)
	}
	r := runCLI(t, "--log-format", "xml", "version")
	if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--log-format") {
		t.Errorf("--log-format xml:\n%s", r)
	}
}

// TestLogFormatsEscapeControls: a value holding control characters (ESC,
// BEL, DEL and the C1 CSI, which encoding/json and logfmt leave raw) and
// bidi and zero-width characters (U+202E, U+200B, U+2066, and U+E0041
// beyond the BMP, a surrogate pair in JSON) reaches the log escaped in every format; a json or logfmt record is one
// line, and a JSON line still decodes to the exact value. (The text
// format shows a value of several lines as an indented block, each line
// escaped.)
func TestLogFormatsEscapeControls(t *testing.T) {
	value := "a" + escClear + escTitle + "\x7f" + escC1 + "b\nc" + bidiCN + bidiO + "\U000E0041"
	for _, format := range []string{"text", "json", "logfmt"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			l := newLogger(&buf, Globals{LogFormat: format})
			l.Info("request refused", "reason", value, "name", value)
			out := buf.String()
			if format != "text" && (strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n")) {
				t.Errorf("not one line: %q", out)
			}
			assertPrintable(t, format+" log", out)
			if format == "json" {
				var line map[string]any
				if err := json.Unmarshal([]byte(out), &line); err != nil || line["reason"] != value {
					t.Errorf("json line %q decodes to %q (%v), want %q", out, line["reason"], err, value)
				}
			}
		})
	}
}

// startServeJSON starts `pkienroll --log-format json serve` on a free port
// of 127.0.0.1 and waits until its log says where it listens.
func startServeJSON(t *testing.T, pkiDir string) *estServer {
	t.Helper()
	return startServeArgs(t, "--log-format", "json", "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--host", "127.0.0.1")
}

// TestServeJSONLog: with --log-format json, every line of the server's log
// (start, access log of good and hostile requests, stop) is one JSON
// object with its time, free of control characters, and shows neither
// the token nor the password a client sent, nor key material.
func TestServeJSONLog(t *testing.T) {
	pkitest.OpenSSL(t)
	testenv.LookPath(t, "curl", "curl")
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com"))
	s := startServeJSON(t, pkiDir)

	// A request whose subject carries terminal escapes.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: "proxy" + escClear + escC1 + ".example.com"},
		DNSNames: []string{"proxy.example.com"},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "hostile.b64"), base64.StdEncoding.EncodeToString(der))
	const guessed = "guessed-secret-token"
	env := fmt.Sprintf("CA=%s; TOKEN=%s; USER=%s\n", shellQuote(filepath.Join(pkiDir, "ca.pem")), shellQuote(token), shellQuote("pro"+escTitle+"xy"))
	bash(t, dir, env+`curl -sS -o /dev/null --cacert "$CA" `+s.url("cacerts")+`
curl -sS -o /dev/null --cacert "$CA" -u "$USER:`+guessed+`" -H 'Content-Type: application/pkcs10' --data-binary @hostile.b64 `+s.url("simpleenroll")+`
curl -sS -o /dev/null --cacert "$CA" -u "proxy:$TOKEN" -H 'Content-Type: application/pkcs10' --data-binary @hostile.b64 `+s.url("simpleenroll")+`
curl -sS -o /dev/null --cacert "$CA" -H 'Content-Type: application/pkcs10' --data-binary @hostile.b64 `+s.url("simplereenroll")+`
curl -sS -o /dev/null --cacert "$CA" "`+s.url("")+`%1b%5b2J%c2%9b"`)
	s.stop(t)
	log := s.logText()
	assertPrintable(t, "server log", log)
	ops := 0
	for _, l := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		var line map[string]any
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Errorf("not a JSON line: %q (%v)", l, err)
			continue
		}
		if _, ok := line["time"].(string); !ok {
			t.Errorf("no time in %q", l)
		}
		if line["op"] != nil {
			ops++
		}
	}
	if ops < 4 {
		t.Errorf("%d access log lines, want one per request:\n%s", ops, log)
	}
	for _, secret := range []string{token, guessed, "PRIVATE KEY"} {
		if strings.Contains(log, secret) {
			t.Errorf("server log shows %q:\n%s", secret, log)
		}
	}
}

// timePrefix is the time a log line to a file or a pipe starts with.
var timePrefix = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) `)

// stripLogTime takes the time off the log lines of out: the documents show
// what a terminal shows, and their tests run the commands with a pipe.
func stripLogTime(out string) string {
	return timePrefix.ReplaceAllString(out, "")
}
