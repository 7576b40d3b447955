package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestErrorLine: what errorLine makes of messages that would show a
// secret, a pasted key, a long value or control characters.
func TestErrorLine(t *testing.T) {
	key := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQCoZSpun69zDrGG\n-----END PRIVATE KEY-----\n"
	long := strings.Repeat("x", 600)
	tests := []struct {
		name      string
		msg       string
		args      []string
		want      string
		forbidden []string
	}{
		{"kong hyphen hint", `--password: expected string value but got "-pw" (short flag); perhaps try --password="-pw"?`,
			[]string{"enroll", "--password", "-pw"},
			"--password needs a value; a value that starts with '-' must be joined to the flag: --password=VALUE", []string{"-pw\""}},
		{"kong missing value", `--out: expected string value but got "EOL" (<EOL>)`, []string{"keygen", "--out"},
			"--out needs a value", nil},
		{"secret quoted", `bad value "hunter22"`, []string{"--password=hunter22"}, `bad value (hidden)`, []string{"hunter22"}},
		{"secret bare", `unexpected argument hunter22`, []string{"--passwd", "hunter22"}, `unexpected argument (hidden)`, []string{"hunter22"}},
		{"short secret only when quoted", `value "ab" in a bad place`, []string{"--password", "ab"}, `value (hidden) in a bad place`, nil},
		{"file flag value shown", `--password-file: read /x/y: no such file`, []string{"--password-file", "/x/y"},
			`--password-file: read /x/y: no such file`, nil},
		{"pasted key", `--subject: attribute "` + strings.ReplaceAll(key, "\n", `\n`) + `": bad`, []string{"--subject=" + key},
			"--subject: attribute (", []string{"MIIEvQIBADANBgkq", "BEGIN"}},
		{"pasted key mangled", "unknown flag ---BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC", []string{key},
			"unknown flag", []string{"MIIEvQIBADANBgkq", "BEGIN"}},
		{"long quoted value", `--at "` + long + `": want RFC 3339`, []string{"--at", long}, `--at (600 bytes): want RFC 3339`, []string{long[:100]}},
		{"long quoted not an arg", `x "` + long + `" y`, nil, `x "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." (600 bytes) y`, nil},
		{"controls", "open /tmp/\x1b[2J\x1b]0;t\x07\u009b\xff: no such file", nil, `open /tmp/\x1B[2J\x1B]0;t\x07\xC2\x9B\xFF: no such file`, nil},
		{"newlines joined", "a\nb\tc", nil, "a b c", nil},
		{"URL password", `server "https://admin:S3cretPW@h:1" is bad: dial admin:S3cretPW@h:1, S3cretPW`,
			[]string{"obtain", "--server=https://admin:S3cretPW@h:1"},
			`server "https://admin:xxxxx@h:1" is bad: dial admin:xxxxx@h:1, xxxxx`, []string{"S3cretPW"}},
		{"URL short password", `no host in pw@h`, []string{"renew", "--server", "https://u:pw@h"}, `no host in xxxxx@h`, []string{"pw@"}},
		{"URL user alone", `fetch https://T0kenValue@h: refused`, []string{"https://T0kenValue@h"}, `fetch https://xxxxx@h: refused`, []string{"T0kenValue"}},
		{"e-mail address shown", `--san "email:root@example.com": bad`, []string{"--san", "email:root@example.com"}, `--san "email:root@example.com": bad`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := errorLine(errors.New(tc.msg), tc.args)
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("errorLine = %q, want it to start %q", got, tc.want)
			}
			for _, f := range tc.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("errorLine = %q shows %q", got, f)
				}
			}
			for _, r := range got {
				if unicode.IsControl(r) {
					t.Errorf("errorLine = %q holds control %U", got, r)
				}
			}
		})
	}
}

// FuzzErrorLine: whatever the message and the arguments, the line has no
// control character and never the value of --password.
func FuzzErrorLine(f *testing.F) {
	f.Add("bad \"secret-pw\" \x1b[2J", "secret-pw")
	f.Add("unknown flag ---BEGIN X-----\nabc", "-----BEGIN X-----\nabc")
	f.Fuzz(func(t *testing.T, msg, pw string) {
		got := errorLine(errors.New(msg), []string{"enroll", "--password", pw})
		for _, r := range got {
			if unicode.IsControl(r) {
				t.Fatalf("errorLine(%q) = %q holds control %U", msg, got, r)
			}
		}
		if len(pw) >= 4 && strings.TrimSpace(pw) == pw && !strings.ContainsFunc(pw, unicode.IsControl) &&
			strings.Contains(msg, pw) && strings.Contains(got, pw) && !strings.Contains("(hidden)", pw) {
			t.Fatalf("errorLine(%q) = %q shows the password %q", msg, got, pw)
		}
	})
}

// TestNoParserJargon runs command lines with each kind of usage mistake
// kong reports, and checks that the one error line names the flag in
// plain words, without kong's type names or its empty enum choice, and
// exits 80.
func TestNoParserJargon(t *testing.T) {
	jargon := []string{"64 bit", "EOL", "<EOL>", `""`, "expecting", "<arg>", "bool value", "must be one of", `expected "<`}
	tests := []struct {
		args []string
		want []string
	}{
		// --days words its own errors (numflags.go); these check only that
		// kong's words are gone.
		{[]string{"sign", "--name", "a", "--days", "x"}, []string{"--days", `"x"`}},
		{[]string{"sign", "--name", "a", "--days", "1.5"}, []string{"--days", `"1.5"`}},
		{[]string{"sign", "--name"}, []string{"--name needs a value"}},
		{[]string{"sign", "--pki-dir"}, []string{"--pki-dir needs a value"}},
		{[]string{"list", "--status", "bogus"}, []string{`--status: "bogus" is not one of valid, revoked or expired`}},
		{[]string{"subject", "--subject", "/CN=a", "--format", "xml"}, []string{`--format: "xml" is not one of openssl, rfc4514 or json`}},
		{[]string{"completion", "tcsh"}, []string{`SHELL: "tcsh" is not one of bash, zsh or fish`}},
		{[]string{"list", "--json=maybe"}, []string{"--json takes no value"}},
		{[]string{"inspect"}, []string{"missing the FILE argument"}},
		{[]string{"ca"}, []string{"missing a command (init, renew or check)"}},
		{[]string{"request", "--out", "x"}, []string{"missing one of --subject=S or --ca-cert=FILE with --cn=FQDN; one of --key=FILE or --keyout=FILE"}},
		{[]string{"enroll", "--name", "a", "--subject", "/CN=a"}, []string{"missing one of --password-file=FILE, --password-env=VAR or --password=PASSWORD"}},
		{[]string{"websocket-proxy", "config", "--fqdn", "a", "--port", "x"}, []string{`--port: "x" is not a whole number`}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, tc.args...)
			if r.code != exitUsage || r.stdout != "" {
				t.Errorf("exit %d, want %d:\n%s", r.code, exitUsage, r)
			}
			assertOneErrorLine(t, r.stderr, tc.want...)
			for _, j := range jargon {
				if strings.Contains(r.stderr, j) {
					t.Errorf("error line has kong's %q: %s", j, r.stderr)
				}
			}
		})
	}
}

// olderCRL publishes two CRLs at a file of f's directory and sets
// crlnumber.txt back, so that the next `crl --out` of it would go backwards.
func olderCRL(t *testing.T, f *fixture) string {
	t.Helper()
	out := f.path("ca.crl")
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out)
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out, "--force")
	writeFile(t, filepath.Join(f.pki, "crlnumber.txt"), "01\n")
	return out
}

// TestErrorAdvice: the library's errors state the fact; the command line
// adds what to do, from the sentinel, and only where it applies.
func TestErrorAdvice(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		args []string
		want []string
		not  string
	}{
		{"no pki directory", []string{"sign", "--pki-dir", f.dir + "/none", "--name", "proxy"},
			[]string{"no such directory (name the PKI directory with --pki-dir or PKIENROLL_PKI_DIR)"}, ""},
		{"no CA", []string{"sign", "--pki-dir", f.dir, "--name", "proxy"},
			[]string{"no CA certificate", "(run `pkienroll ca init`"}, ""},
		{"no request", []string{"sign", "--pki-dir", f.pki, "--name", "nope"},
			[]string{"requests/nope.req: no such file"}, "--pki-dir"},
		{"exists, with --force", []string{"keygen", "--out", f.key},
			[]string{"refusing to replace", "file exists (use --force to keep a backup and replace it)"}, ""},
		// --force given already: a CRL that is not older than the new one
		// is refused even so, and --force is not offered again.
		{"exists, --force given", []string{"crl", "--pki-dir", f.pki, "--out", olderCRL(t, f), "--force"},
			[]string{"refusing to replace", "not older than the new"}, "use --force"},
		{"engine address", []string{"squid-config", "portal", "--engine", "192.0.2.1", "--cert", f.key, "--key", f.key, "--ca", f.caPEM},
			[]string{"is an address", "(give the address with --engine-address)"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.args...)
			want := exitError
			if tc.args[0] == "squid-config" {
				want = exitUsage // a flag's value
			}
			if r.code != want {
				t.Errorf("exit %d, want %d:\n%s", r.code, want, r)
			}
			assertOneErrorLine(t, r.stderr, tc.want...)
			if tc.not != "" && strings.Contains(r.stderr, tc.not) {
				t.Errorf("error line has advice that does not apply (%q): %s", tc.not, r.stderr)
			}
		})
	}
}
