package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestTokenCreate: the token alone on stdout, never in the log; the
// record lists it by ID, and revoking it makes it revoked.
func TestTokenCreate(t *testing.T) {
	pkiDir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	r := runCLI(t, "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com", "--san", "DNS:proxy.example.com,IP:192.0.2.10", "--ttl", "30m")
	if r.code != 0 || !regexp.MustCompile(`^[A-Za-z0-9_-]{43}\n$`).MatchString(r.stdout) {
		t.Fatalf("token create:\n%s", r)
	}
	token := strings.TrimSpace(r.stdout)
	if strings.Contains(r.stderr, token) {
		t.Errorf("the log shows the token: %s", r.stderr)
	}
	id := regexp.MustCompile(`id=([0-9a-f]{12})`).FindStringSubmatch(r.stderr)
	if id == nil {
		t.Fatalf("no id in the log: %s", r.stderr)
	}
	list := mustRun(t, "token", "list", "--pki-dir", pkiDir)
	if !strings.Contains(list, id[1]+"  active") || !strings.Contains(list, "DNS:proxy.example.com,IP:192.0.2.10") || strings.Contains(list, token) {
		t.Errorf("token list:\n%s", list)
	}
	mustRun(t, "token", "revoke", "--pki-dir", pkiDir, id[1])
	if list := mustRun(t, "token", "list", "--pki-dir", pkiDir); !strings.Contains(list, id[1]+"  revoked") {
		t.Errorf("token list after revoke:\n%s", list)
	}
}

// TestTokenRefusals: each mistake is one error line, exit 1 (80 for usage
// errors), and the PKI directory unchanged.
func TestTokenRefusals(t *testing.T) {
	pkiDir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"zero ttl", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "p.example.com", "--ttl", "0s"}, exitUsage, "--ttl 0s"},
		{"ttl shorter than a minute", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "p.example.com", "--ttl", "1ns"}, exitUsage, "--ttl 1ns: want a duration of at least 1m0s"},
		{"negative ttl", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "p.example.com", "--ttl=-1h"}, exitUsage, "--ttl -1h0m0s"},
		{"cn underscore", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "a_b.example.com"}, exitError, `subject CN: DNS name "a_b.example.com": '_' is not allowed`},
		{"cn empty label", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "a..b"}, exitError, `DNS name "a..b": has an empty label`},
		{"cn trailing dot", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "x."}, exitError, `DNS name "x.": ends with a dot`},
		{"cn leading dot", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", ".x"}, exitError, `DNS name ".x": has an empty label`},
		{"cn two trailing dots", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "foo.."}, exitError, `DNS name "foo..": ends with a dot`},
		{"bad ttl", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "p.example.com", "--ttl", "soon"}, exitUsage, "--ttl"},
		{"bad days", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "p.example.com", "--days", "0"}, exitUsage, "--days 0"},
		{"bad name", []string{"token", "create", "--pki-dir", pkiDir, "--name", "../p", "--cn", "p.example.com"}, exitError, "not a plain file name"},
		{"bad san", []string{"token", "create", "--pki-dir", pkiDir, "--name", "p", "--cn", "p.example.com", "--san", "proxy"}, exitError, "--san"},
		{"no CA", []string{"token", "create", "--pki-dir", filepath.Join(pkiDir, "nope"), "--name", "p", "--cn", "p.example.com"}, exitError, "nope"},
		{"revoke unknown", []string{"token", "revoke", "--pki-dir", pkiDir, "nobody"}, exitError, "no unused token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := pkitest.Snapshot(t, pkiDir)
			r := runCLI(t, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("got:\n%s\nwant exit %d and %q", r, tc.code, tc.want)
			}
			assertOneErrorLine(t, r.stderr)
			pkitest.AssertUnchanged(t, pkiDir, before)
		})
	}
}
