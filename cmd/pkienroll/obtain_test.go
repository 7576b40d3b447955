package main

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// estProxy is an engine serving EST with a token for proxy.example.com,
// and a proxy host with nothing enrolled yet.
func estProxy(t *testing.T) (server, token, fingerprint string, p proxyHost) {
	t.Helper()
	pkiDir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token = strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com"))
	s := startServe(t, pkiDir)
	return "https://" + s.addr, token, caFingerprint(t, filepath.Join(pkiDir, "ca.pem")), newProxyHost(t)
}

// TestObtain: `obtain` is network enrollment under its own name: it
// writes key (0600), certificate and CA certificate; mixing in the flags
// of enroll on the engine, or a malformed --ca-fingerprint, is a usage
// error; `enroll --server` still works,
// saying what to use instead.
func TestObtain(t *testing.T) {
	server, token, fp, p := estProxy(t)
	args := []string{"--server", server, "--token=" + token, "--ca-fingerprint", fp,
		"--cn", "proxy.example.com", "--key", p.key, "--cert", p.cert, "--ca-out", p.ca}

	r := runBinary(t, "022", append([]string{"obtain", "--name", "proxy"}, args...)...)
	if r.code != exitUsage {
		t.Errorf("obtain --name: want a usage error, got %s", r)
	}
	sameFiles(t, "obtain --name", map[string]string{}, p.files(t))
	r = runBinary(t, "022", append([]string{"obtain"}, args[:len(args)-2]...)...)
	oneLineFailure(t, "obtain without --ca-out", r, exitUsage, "--ca-out")

	// A fingerprint that is not one is a usage error, found before any
	// server is contacted (none listens at port 1).
	for _, fp := range []string{"garbage", strings.Repeat("z", 64), "SHA256:abc", strings.Repeat("ab:", 31) + "a"} {
		r := runBinary(t, "022", "obtain", "--server", "https://127.0.0.1:1", "--token-env", "NO_SUCH_VAR", "--ca-fingerprint", fp,
			"--cn", "proxy.example.com", "--key", p.key, "--cert", p.cert, "--ca-out", p.ca)
		oneLineFailure(t, "--ca-fingerprint "+fp, r, exitUsage, "--ca-fingerprint \""+fp+"\": not a SHA-256 fingerprint")
	}
	sameFiles(t, "bad fingerprints", map[string]string{}, p.files(t))

	if r := runBinary(t, "022", append([]string{"obtain"}, args...)...); r.code != 0 || !strings.Contains(r.stderr, "enrolled") {
		t.Fatalf("obtain: %s", r)
	}
	openssl(t, "verify", "-purpose", "sslserver", "-CAfile", p.ca, p.cert)
	if fi, err := os.Stat(p.key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key: %v, want mode 0600", err)
	}

	// With --owner (as root), the files are the service's from the start.
	if os.Geteuid() == 0 {
		if account, err := user.Lookup("nobody"); err == nil {
			server3, token3, fp3, p3 := estProxy(t)
			if r := runBinary(t, "022", "obtain", "--server", server3, "--token="+token3, "--ca-fingerprint", fp3, "--cn", "proxy.example.com",
				"--key", p3.key, "--cert", p3.cert, "--ca-out", p3.ca, "--owner", "nobody"); r.code != 0 {
				t.Fatalf("obtain --owner nobody: %s", r)
			}
			if fi, err := os.Stat(p3.key); err != nil || strconv.Itoa(int(fi.Sys().(*syscall.Stat_t).Uid)) != account.Uid || fi.Mode().Perm() != 0o600 {
				t.Errorf("obtain --owner nobody: the key is not nobody's, mode 0600 (%v)", err)
			}
		}
	}

	// The old spelling, with a fresh token.
	server2, token2, fp2, p2 := estProxy(t)
	r = runBinary(t, "022", "enroll", "--server", server2, "--token="+token2, "--ca-fingerprint", fp2,
		"--cn", "proxy.example.com", "--key", p2.key, "--cert", p2.cert, "--ca-out", p2.ca)
	if r.code != 0 || !strings.Contains(r.stderr, "enroll --server is deprecated: use pkienroll obtain") {
		t.Fatalf("enroll --server: want it to work and point to obtain, got %s", r)
	}
}

// TestRenewOwner: renew --owner gives the renewed key and certificate to
// the service's account (as websocket-proxy request gives the key), so a
// renewal with --new-key leaves a key the service can still read; an
// unknown account is refused before anything is sent.
func TestRenewOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files to another account needs root")
	}
	account, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no account nobody")
	}
	server, p := enrolledProxy(t)
	renew := func(extra ...string) result {
		return runBinary(t, "022", append([]string{"renew", "--server", server, "--cert", p.cert, "--key", p.key, "--force", "--new-key"}, extra...)...)
	}
	before := p.files(t)
	oneLineFailure(t, "renew --owner nosuch", renew("--owner", "nosuchuser-pkienroll"), exitError, "--owner nosuchuser-pkienroll: no such account")
	sameFiles(t, "unknown owner", before, p.files(t))

	if r := renew("--owner", "nobody"); r.code != 0 || !strings.Contains(r.stderr, "renewed certificate") {
		t.Fatalf("renew --owner nobody: %s", r)
	}
	if after := p.files(t); after["proxy.key"] == before["proxy.key"] {
		t.Error("--new-key kept the key")
	}
	for path, mode := range map[string]os.FileMode{p.key: 0o600, p.cert: 0o644} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if strconv.Itoa(int(st.Uid)) != account.Uid || strconv.Itoa(int(st.Gid)) != account.Gid || fi.Mode().Perm() != mode {
			t.Errorf("%s: owner %d:%d mode %04o, want %s:%s %04o", path, st.Uid, st.Gid, fi.Mode().Perm(), account.Uid, account.Gid, mode)
		}
	}
	// Without --owner, the files are the writer's, as before.
	if r := renew(); r.code != 0 {
		t.Fatalf("renew: %s", r)
	}
	if fi, err := os.Stat(p.key); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("renew without --owner: the key is not root's")
	}
}
