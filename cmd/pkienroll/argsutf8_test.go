package main

import (
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestArgsNotUTF8: a command-line word that is not valid UTF-8 (a Latin-1
// é, stray bytes) is a usage error naming the flag or the argument, with
// the bytes escaped, before anything is written. kong turned each such
// byte into U+FFFD, so that `request --subject $'/CN=caf\xe9'` made a
// request for CN=caf\uFFFD and exited 0.
func TestArgsNotUTF8(t *testing.T) {
	f := newFixture(t)
	out := f.path("out")
	long := strings.Repeat("a", 600) + "\xff"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"request --subject", []string{"request", "--subject", "/CN=caf\xe9", "--keyout", out + ".key", "--out", out + ".req"},
			`--subject: "/CN=caf\xe9" is not valid UTF-8`},
		{"request --subject=", []string{"request", "--subject=/CN=caf\xe9", "--keyout", out + ".key", "--out", out + ".req"},
			`--subject: "/CN=caf\xe9" is not valid UTF-8`},
		{"subject --cn", []string{"subject", "--cert", f.caPEM, "--cn", "\xff\xfe"}, `--cn: "\xff\xfe" is not valid UTF-8`},
		{"request --cn=", []string{"request", "--ca-cert", f.caPEM, "--cn=\xff\xfe", "--keyout", out + ".key", "--out", out + ".req"},
			`--cn: "\xff\xfe" is not valid UTF-8`},
		{"sign --name", []string{"sign", "--pki-dir", f.pki, "--name", "pro\xffxy"}, `--name: "pro\xffxy" is not valid UTF-8`},
		{"keygen --out", []string{"keygen", "--out", out + "\xe9.key"}, `--out: "` + out + `\xe9.key" is not valid UTF-8`},
		{"argument after a switch", []string{"inspect", "--json", "x\xe9.pem"}, `argument "x\xe9.pem" is not valid UTF-8`},
		{"argument after --", []string{"inspect", "--", "x\xe9.pem"}, `argument "x\xe9.pem" is not valid UTF-8`},
		{"long value by its size", []string{"subject", "--subject", long}, `--subject: a value of 601 bytes is not valid UTF-8`},
		{"password not shown", []string{"enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject, "--password", "s\xe9cretpw"},
			`--password: the value is not valid UTF-8`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := pkitest.Snapshot(t, f.dir)
			r := runCLI(t, tc.args...)
			if r.code != exitUsage || r.stdout != "" {
				t.Errorf("exit %d, want %d:\n%s", r.code, exitUsage, r)
			}
			assertOneErrorLine(t, r.stderr, tc.want)
			assertPrintable(t, "stderr", r.stderr)
			if strings.Contains(r.stderr, "cretpw") {
				t.Errorf("the password shows: %q", r.stderr)
			}
			pkitest.AssertUnchanged(t, f.dir, before)
		})
	}
	t.Run(pkiDirEnv, func(t *testing.T) {
		t.Setenv(pkiDirEnv, f.pki+"\xe9")
		r := runCLI(t, "list")
		if r.code != exitUsage {
			t.Errorf("exit %d, want %d:\n%s", r.code, exitUsage, r)
		}
		assertOneErrorLine(t, r.stderr, pkiDirEnv+`: "`+f.pki+`\xe9" is not valid UTF-8`)
		if r := runCLI(t, "list", "--pki-dir", f.pki); r.code != exitOK {
			t.Errorf("list --pki-dir: exit %d, want 0:\n%s", r.code, r)
		}
	})
}
