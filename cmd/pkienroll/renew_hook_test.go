package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// enrolledProxy runs pkienroll serve on a new PKI directory and enrolls a
// proxy host from it with `enroll --server`.
func enrolledProxy(t *testing.T) (server string, p proxyHost) {
	t.Helper()
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com"))
	s := startServe(t, pkiDir)
	p = newProxyHost(t)
	server = "https://" + s.addr
	if r := runBinary(t, "022", "enroll", "--server", server, "--token="+token, "--ca-fingerprint", caFingerprint(t, filepath.Join(pkiDir, "ca.pem")),
		"--cn", "proxy.example.com", "--key", p.key, "--cert", p.cert, "--ca-out", p.ca); r.code != 0 {
		t.Fatalf("enroll: %s", r)
	}
	return server, p
}

// hookProbe is an --exec hook that logs each run and its environment, and
// fails until ok exists, as a reload fails while the service is down.
type hookProbe struct {
	log, env, ok string
}

func newHookProbe(t *testing.T) hookProbe {
	d := t.TempDir()
	return hookProbe{log: filepath.Join(d, "runs"), env: filepath.Join(d, "env"), ok: filepath.Join(d, "service-up")}
}

func (h hookProbe) command() string {
	return "echo run >> " + shellQuote(h.log) + "; env > " + shellQuote(h.env) + "; test -e " + shellQuote(h.ok)
}

func (h hookProbe) runs() int {
	data, _ := os.ReadFile(h.log)
	return strings.Count(string(data), "run\n")
}

// TestRenewHookPending: a hook that fails after a renewal is remembered
// beside the certificate (CERT.hook-pending) and run at every later run,
// also when the certificate is not due or the renewal fails, exiting 3
// (one line) until it succeeds; then
// the marker goes and the hook runs no more. The hook gets the files and
// names in its environment, as certbot's deploy hooks do.
func TestRenewHookPending(t *testing.T) {
	server, p := enrolledProxy(t)
	h := newHookProbe(t)
	marker := p.cert + ".hook-pending"
	renew := func(extra ...string) result {
		return runBinary(t, "022", append([]string{"renew", "--server", server, "--cert", p.cert, "--key", p.key}, extra...)...)
	}

	r := renew("--force", "--exec", h.command())
	oneLineFailure(t, "renewed, the hook fails", r, exitHookFailed, "failed with exit code 1")
	if !fileExists(marker) || h.runs() != 1 {
		t.Fatalf("after a failed hook: marker %v, %d runs; want the marker and one run", fileExists(marker), h.runs())
	}
	renewed := p.files(t)

	// Not due, the hook still pending: it runs again, fails again.
	r = renew("--exec", h.command())
	oneLineFailure(t, "not due, the hook fails again", r, exitHookFailed, "failed with exit code 1")
	if !strings.Contains(r.stderr, "certificate not due") || h.runs() != 2 || !fileExists(marker) {
		t.Fatalf("pending hook, not due: %s; %d runs, marker %v", r, h.runs(), fileExists(marker))
	}
	// Without --exec there is nothing to run: still 3, saying what to do.
	oneLineFailure(t, "pending without --exec", renew(), exitHookFailed, marker)

	// The renewal fails too (the server is down): the hook runs all the
	// same; failing again, it is what the exit code says (3: the service
	// serves an older certificate than the files), in one line that names
	// the renewal's failure too, with or without --exec.
	down := func(extra ...string) result {
		return runBinary(t, "022", append([]string{"renew", "--server", "https://127.0.0.1:1", "--cert", p.cert, "--key", p.key, "--force"}, extra...)...)
	}
	r = down("--exec", h.command())
	oneLineFailure(t, "renewal and pending hook fail", r, exitHookFailed, "failed with exit code 1; and the renewal failed: est simplereenroll")
	if strings.Contains(r.stderr, "ERRO") || h.runs() != 3 || !fileExists(marker) {
		t.Errorf("renewal and pending hook fail: %s; %d runs, marker %v; want one line, 3 runs, the marker", r, h.runs(), fileExists(marker))
	}
	oneLineFailure(t, "renewal fails, pending without --exec", down(), exitHookFailed, marker+"): give --exec, or remove that file once the service has the new certificate; and the renewal failed")
	sameFiles(t, "failed renewals", renewed, p.files(t))

	// The service is back: the hook succeeds, the marker goes; the
	// renewal, still failing, is what the exit code says.
	writeFile(t, h.ok, "")
	r = down("--exec", h.command())
	oneLineFailure(t, "pending hook that succeeds, renewal fails", r, exitError, "connection refused")
	if !strings.Contains(r.stderr, "ran hook") {
		t.Fatalf("pending hook that succeeds: %s", r)
	}
	if fileExists(marker) || h.runs() != 4 {
		t.Errorf("after the hook succeeded: marker %v, %d runs; want no marker, 4 runs", fileExists(marker), h.runs())
	}
	env := pkitest.ReadFile(t, h.env)
	for _, want := range []string{
		"PKIENROLL_CERT=" + p.cert + "\n", "PKIENROLL_KEY=" + p.key + "\n", "PKIENROLL_CA=" + p.ca + "\n",
		"PKIENROLL_NAMES=proxy.example.com\n", "RENEWED_LINEAGE=" + p.dir + "\n", "RENEWED_DOMAINS=proxy.example.com\n",
	} {
		if !strings.Contains(env, want) {
			t.Errorf("the hook's environment lacks %q:\n%s", want, env)
		}
	}
	// Nothing pending, not due: nothing runs, nothing changes.
	files := p.files(t)
	if r := renew("--exec", h.command()); r.code != 0 || h.runs() != 4 {
		t.Errorf("not due, nothing pending: %s; %d runs, want 4", r, h.runs())
	}
	sameFiles(t, "not due", files, p.files(t))
	if len(files) != len(renewed)-1 {
		t.Errorf("%d files after the hook succeeded, %d while pending: want the marker alone gone", len(files), len(renewed))
	}
}

// TestRenewDaemonRunsPendingHook: --daemon runs a pending hook at its
// first check, removes the marker once it succeeds, and stops on SIGTERM.
func TestRenewDaemonRunsPendingHook(t *testing.T) {
	server, p := enrolledProxy(t)
	h := newHookProbe(t)
	marker := p.cert + ".hook-pending"
	r := runBinary(t, "022", "renew", "--server", server, "--cert", p.cert, "--key", p.key, "--force", "--exec", h.command())
	oneLineFailure(t, "renewed, the hook fails", r, exitHookFailed, "failed with exit code 1")
	writeFile(t, h.ok, "")
	stderr := runDaemonUntil(t, "ran hook", "renew", "--daemon", "--server", server, "--cert", p.cert, "--key", p.key, "--exec", h.command())
	if !strings.Contains(stderr.String(), "ran hook") || fileExists(marker) || h.runs() != 2 {
		t.Errorf("daemon with a pending hook: marker %v, %d runs, log:\n%s", fileExists(marker), h.runs(), stderr.String())
	}
}
