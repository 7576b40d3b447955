package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// proxyHost is a proxy host's files, enrolled over EST.
type proxyHost struct {
	dir, key, cert, ca string
}

func newProxyHost(t *testing.T) proxyHost {
	t.Helper()
	d := t.TempDir()
	return proxyHost{dir: d, key: filepath.Join(d, "proxy.key"), cert: filepath.Join(d, "proxy.cer"), ca: filepath.Join(d, "ca.pem")}
}

// files is the content of the proxy's files ("" for one that is absent).
func (p proxyHost) files(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(p.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func sameFiles(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%s: files %d before, %d after", what, len(before), len(after))
	}
	for name, v := range before {
		if after[name] != v {
			t.Errorf("%s: %s changed", what, name)
		}
	}
}

// oneLineFailure wants exit code and a single error line on stderr (logs
// aside) holding want.
func oneLineFailure(t *testing.T, what string, r result, code int, want string) {
	t.Helper()
	var errs []string
	for line := range strings.Lines(r.stderr) {
		if strings.HasPrefix(line, "pkienroll: ") {
			errs = append(errs, line)
		}
	}
	if r.code != code || len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Errorf("%s: want exit %d and one line with %q, got %s", what, code, want, r)
	}
}

// TestEnrollAndRenewOverEST runs `pkienroll serve`, `pkienroll enroll
// --server` and `pkienroll renew` as processes, as an engine and a proxy
// host would.
func TestEnrollAndRenewOverEST(t *testing.T) {
	pkitest.OpenSSL(t)
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com", "--days", "90"))
	s := startServe(t, pkiDir)
	server := "https://" + s.addr
	// The fingerprint as the admin copies it from openssl on the engine.
	fp := strings.TrimSpace(openssl(t, "x509", "-in", filepath.Join(pkiDir, "ca.pem"), "-noout", "-fingerprint", "-sha256"))
	fp = fp[strings.IndexByte(fp, '=')+1:]
	p := newProxyHost(t)
	enroll := func(fingerprint string, extra ...string) result {
		args := append([]string{"enroll", "--server", server, "--token=" + token, "--ca-fingerprint", fingerprint,
			"--cn", "proxy.example.com", "--key", p.key, "--cert", p.cert, "--ca-out", p.ca}, extra...)
		return runBinary(t, "022", args...)
	}

	t.Run("wrong fingerprint", func(t *testing.T) {
		r := enroll("SHA256:" + strings.Repeat("ab", 32))
		oneLineFailure(t, "enroll", r, exitError, "CA fingerprint does not match")
		sameFiles(t, "wrong fingerprint", map[string]string{}, p.files(t))
	})
	t.Run("engine flags with --server", func(t *testing.T) {
		r := enroll(fp, "--name", "proxy")
		oneLineFailure(t, "enroll", r, exitUsage, "--name cannot be used with --server")
		sameFiles(t, "mixed flags", map[string]string{}, p.files(t))
	})
	t.Run("network flags without --server", func(t *testing.T) {
		r := runBinary(t, "022", "enroll", "--pki-dir", pkiDir, "--name", "x", "--subject", "/CN=x", "--password", "secret12", "--cn", "x")
		oneLineFailure(t, "enroll", r, exitUsage, "--cn cannot be used without --server")
	})

	if r := enroll(fp); r.code != 0 {
		t.Fatalf("enroll --server: %s", r)
	}
	openssl(t, "verify", "-purpose", "sslserver", "-CAfile", p.ca, p.cert)
	openssl(t, "verify", "-CAfile", filepath.Join(pkiDir, "ca.pem"), p.cert)
	if fi, err := os.Stat(p.key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key %v mode %v, want 0600", err, fi.Mode().Perm())
	}
	hookLog := filepath.Join(dir, "hook.log")
	hook := "echo reloaded >> " + shellQuote(hookLog)
	renew := func(extra ...string) result {
		return runBinary(t, "022", append([]string{"renew", "--server", server, "--cert", p.cert, "--key", p.key, "--exec", hook}, extra...)...)
	}
	hookRuns := func() int {
		data, _ := os.ReadFile(hookLog)
		return strings.Count(string(data), "reloaded\n")
	}

	// Not due: a fresh 90-day certificate has more than a third left.
	before := p.files(t)
	if r := renew(); r.code != 0 || !strings.Contains(r.stderr, "certificate not due") {
		t.Fatalf("renew, not due: %s", r)
	}
	sameFiles(t, "not due", before, p.files(t))
	if n := hookRuns(); n != 0 {
		t.Errorf("the hook ran %d times for a certificate not due", n)
	}

	// Past its renewal point (91 days before expiry): renewed, hook once.
	if r := renew("--before", "91d"); r.code != 0 || !strings.Contains(r.stderr, "renewed certificate") {
		t.Fatalf("renew, due: %s", r)
	}
	if n := hookRuns(); n != 1 {
		t.Errorf("the hook ran %d times, want once", n)
	}
	openssl(t, "verify", "-purpose", "sslserver", "-CAfile", p.ca, p.cert)
	after := p.files(t)
	if after["proxy.cer"] == before["proxy.cer"] || after["proxy.key"] != before["proxy.key"] {
		t.Error("want a new certificate for the same key")
	}
	if len(after) != len(before)+1 {
		t.Errorf("want the old certificate kept as a backup: %d files before, %d after", len(before), len(after))
	}

	// A failing hook after a renewal (here with a new key): the files are
	// renewed, the exit code says the hook failed, with its own code.
	r := renew("--force", "--new-key", "--exec", "echo hook output; exit 7")
	oneLineFailure(t, "renew with a failing hook", r, exitHookFailed, "failed with exit code 7")
	if !strings.Contains(r.stdout, "hook output") {
		t.Errorf("the hook's output was not passed through: %s", r)
	}
	renewed := p.files(t)
	if renewed["proxy.key"] == after["proxy.key"] {
		t.Error("--new-key kept the key")
	}
	openssl(t, "verify", "-CAfile", p.ca, p.cert)
	// The failed hook is pending: the next run runs it, even one whose
	// renewal is refused (TestRenewHookPending has the rest).
	if _, ok := renewed["proxy.cer.hook-pending"]; !ok {
		t.Error("no proxy.cer.hook-pending after the hook failed")
	}
	delete(renewed, "proxy.cer.hook-pending")

	// A revoked certificate cannot renew; the files stay byte-identical.
	mustRun(t, "-q", "revoke", "--pki-dir", pkiDir, "--name", "proxy")
	oneLineFailure(t, "renew revoked", renew("--force"), exitError, "is revoked")
	sameFiles(t, "revoked", renewed, p.files(t))

	// Server down: the same.
	s.stop(t)
	oneLineFailure(t, "renew, server down", renew("--force"), exitError, "connection refused")
	sameFiles(t, "server down", renewed, p.files(t))
	if n := hookRuns(); n != 2 {
		t.Errorf("the hook ran %d times in all, want twice: the renewal, the pending one", n)
	}
}

// TestRenewChecksFilesFirst: renew checks every file it would write
// before it asks the server: a certificate that is a symbolic link, or a
// hook marker that is one, is refused (exit 1) with nothing sent, so that
// once it is fixed the same certificate renews (had the server issued a
// renewal, it would refuse the old certificate as replaced). The key and
// the certificate one file, or an output over the --ca file, are usage
// errors.
func TestRenewChecksFilesFirst(t *testing.T) {
	server, p := enrolledProxy(t)
	renew := func(extra ...string) result {
		return runBinary(t, "022", append([]string{"renew", "--server", server, "--force"}, extra...)...)
	}
	files := []string{"--cert", p.cert, "--key", p.key}
	if err := os.Rename(p.cert, p.cert+".real"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("proxy.cer.real", p.cert); err != nil {
		t.Fatal(err)
	}
	before := p.files(t)
	oneLineFailure(t, "symbolic link", renew(files...), exitError, "refusing to write "+p.cert+": is a symbolic link")
	sameFiles(t, "symbolic link", before, p.files(t))
	if err := os.Remove(p.cert); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p.cert+".real", p.cert); err != nil {
		t.Fatal(err)
	}

	marker := p.cert + ".hook-pending"
	if err := os.Symlink("/dev/null", marker); err != nil {
		t.Fatal(err)
	}
	before = p.files(t)
	oneLineFailure(t, "marker a symbolic link", renew(append(files, "--exec", "true")...), exitError, "the --exec hook's marker: refusing to write "+marker+": is a symbolic link")
	sameFiles(t, "marker a symbolic link", before, p.files(t))
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}

	oneLineFailure(t, "--cert and --key one file", renew("--cert", p.cert, "--key", filepath.Join(p.dir, ".", "proxy.cer")), exitUsage, "are the same file")
	oneLineFailure(t, "--cert over --ca", renew("--cert", p.cert, "--key", p.key, "--ca", p.cert), exitUsage, "--cert "+p.cert+" is the --ca file")
	oneLineFailure(t, "--new-key over --ca", renew("--cert", p.cert, "--key", p.ca, "--new-key"), exitUsage, "--key "+p.ca+" is the --ca file")

	// Nothing was sent: the certificate renews.
	if r := renew(files...); r.code != 0 || !strings.Contains(r.stderr, "renewed certificate") {
		t.Fatalf("renew after the refusals: %s", r)
	}
}

// TestRenewDaemon: --daemon checks, finds the certificate not due, sleeps,
// and exits 0 on SIGTERM without touching the files.
func TestRenewDaemon(t *testing.T) {
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com"))
	s := startServe(t, pkiDir)
	p := newProxyHost(t)
	fp := "SHA256:" + strings.TrimPrefix(caFingerprint(t, filepath.Join(pkiDir, "ca.pem")), "SHA256:")
	if r := runBinary(t, "022", "enroll", "--server", "https://"+s.addr, "--token="+token, "--ca-fingerprint", fp,
		"--cn", "proxy.example.com", "--key", p.key, "--cert", p.cert, "--ca-out", p.ca); r.code != 0 {
		t.Fatalf("enroll: %s", r)
	}
	before := p.files(t)
	stderr := runDaemonUntil(t, "certificate not due", "renew", "--daemon", "--server", "https://"+s.addr, "--cert", p.cert, "--key", p.key, "--exec", "touch "+shellQuote(filepath.Join(dir, "hook-ran")))
	if !strings.Contains(stderr.String(), "certificate not due") || !strings.Contains(stderr.String(), "stopping") {
		t.Errorf("log:\n%s\nwant a check and a stop", stderr.String())
	}
	sameFiles(t, "daemon, not due", before, p.files(t))
	if fileExists(filepath.Join(dir, "hook-ran")) {
		t.Error("the hook ran for a certificate not due")
	}
}

// caFingerprint is est.Fingerprint of the certificate in path.
func caFingerprint(t *testing.T, path string) string {
	t.Helper()
	c, err := pki.ReadCertificate(path)
	if err != nil {
		t.Fatal(err)
	}
	return est.Fingerprint(c)
}

// TestRenewBeforeFlag: --before takes days or a Go duration, positive and
// within 36500 days; anything else is a usage error naming the flag.
func TestRenewBeforeFlag(t *testing.T) {
	for _, tc := range []struct {
		value string
		code  int
	}{
		{"30d", exitError}, {"12h", exitError}, {"90m", exitError},
		{"0d", exitUsage}, {"36501d", exitUsage}, {"99999999d", exitUsage}, {"010d", exitUsage},
		{"0s", exitUsage}, {"-1h", exitUsage}, {"abc", exitUsage}, {"d", exitUsage},
	} {
		t.Run(tc.value, func(t *testing.T) {
			// A valid value gets as far as reading --ca, which is missing.
			r := runCLI(t, "renew", "--server", "https://engine.example.com:8443", "--cert", filepath.Join(t.TempDir(), "c.pem"),
				"--key", "k.pem", "--before="+tc.value)
			if r.code != tc.code || !strings.Contains(r.stderr, map[int]string{exitError: "--ca:", exitUsage: "--before"}[tc.code]) {
				t.Errorf("--before=%s: %s, want exit %d", tc.value, r, tc.code)
			}
		})
	}
}

// runDaemonUntil runs `pkienroll args...` (a --daemon), waits up to 30 s for
// its log to say want, stops it with SIGTERM, which it must obey within
// 10 s exiting 0, and returns its log.
func runDaemonUntil(t *testing.T, want string, args ...string) *syncBuffer {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	stderr := new(syncBuffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("pkienroll %s after SIGTERM: %v\n%s", args[0], err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("pkienroll %s did not stop on SIGTERM:\n%s", args[0], stderr.String())
	}
	return stderr
}
