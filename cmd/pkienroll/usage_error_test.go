package main

import (
	"strings"
	"testing"
)

// TestPKIDirEnvEmpty: PKIENROLL_PKI_DIR set but empty is a usage error
// that names the variable, for every command that takes --pki-dir, unless
// --pki-dir is given; commands without --pki-dir do not care.
func TestPKIDirEnvEmpty(t *testing.T) {
	f := newFixture(t)
	t.Setenv(pkiDirEnv, "")
	for _, args := range [][]string{{"list"}, {"sign", "--name", "proxy"}, {"ca", "check"}, {"pkcs12", "extract", "--name", "x", "--passin-env", "X"}} {
		r := runCLI(t, args...)
		if r.code != exitUsage || r.stdout != "" {
			t.Errorf("%v with %s=\"\": exit %d, want %d:\n%s", args, pkiDirEnv, r.code, exitUsage, r)
		}
		assertOneErrorLine(t, r.stderr, pkiDirEnv+" is set but empty")
	}
	if r := runCLI(t, "list", "--pki-dir", f.pki); r.code != exitOK {
		t.Errorf("list --pki-dir with %s=\"\": exit %d, want 0:\n%s", pkiDirEnv, r.code, r)
	}
	if r := runCLI(t, "subject", "--subject", "/CN=a"); r.code != exitOK {
		t.Errorf("subject with %s=\"\": exit %d, want 0:\n%s", pkiDirEnv, r.code, r)
	}
}

// TestEmptyFlagValue: a flag given an empty value, as `--crl "$UNSET"`
// gives, is a usage error naming the flag, whether or not it is required,
// and changes nothing; before, verify skipped the check and reported
// success. Only flags that say what empty means (emptyok) take it.
func TestEmptyFlagValue(t *testing.T) {
	verify := func(extra ...string) func(f *fixture) []string {
		return flags(append([]string{"verify", "--ca", "{ca}", "--cert", "{ca}"}, extra...)...)
	}
	checkBadInput(t, []badCase{
		{name: "verify --crl", args: verify("--crl", ""), code: exitUsage, want: []string{"--crl is empty: give FILE, or leave --crl out"}},
		{name: "verify --key", args: verify("--key", ""), code: exitUsage, want: []string{"--key is empty"}},
		{name: "verify --host", args: verify("--host="), code: exitUsage, want: []string{"--host is empty: give NAME"}},
		{name: "verify --at", args: verify("--at", ""), code: exitUsage, want: []string{"--at is empty"}},
		{name: "sign --subject", args: flags("sign", "--pki-dir", "{pki}", "--name", "proxy", "--subject", ""), code: exitUsage, want: []string{"--subject is empty"}},
		{name: "sign --san", args: flags("sign", "--pki-dir", "{pki}", "--name", "proxy", "--san", ""), code: exitUsage, want: []string{"--san is empty"}},
		{name: "sign --pki-dir", args: flags("sign", "--pki-dir", "", "--name", "proxy"), code: exitUsage, want: []string{"--pki-dir is empty"}},
		{name: "list --status", args: flags("list", "--pki-dir", "{pki}", "--status", ""), code: exitUsage, want: []string{"--status is empty"}},
		{name: "revoke --reason", args: flags("revoke", "--pki-dir", "{pki}", "--serial", "1001", "--reason", ""), code: exitUsage, want: []string{"--reason is empty"}},
		{name: "pkcs12 extract --key", args: flags("pkcs12", "extract", "--in", "{dir}/x.p12", "--passin-env", "X", "--key", ""), code: exitUsage, want: []string{"--key is empty"}},
		{name: "obtain --owner", args: flags("obtain", "--server", "https://127.0.0.1:1", "--token", "t", "--ca-fingerprint", "f", "--cn", "a.example.com",
			"--key", "{dir}/k", "--cert", "{dir}/c", "--ca-out", "{dir}/ca", "--owner", ""), code: exitUsage, want: []string{"--owner is empty"}},
		// Positional arguments too: `inspect "$UNSET"` named no file, and
		// metrics read the working directory for an empty FILE.
		{name: "inspect FILE", args: flags("inspect", ""), code: exitUsage, want: []string{"the argument <file> is empty"}},
		{name: "metrics FILE", args: flags("metrics", "--pki-dir", "{pki}", "{ca}", ""), code: exitUsage, want: []string{"the argument <files> is empty"}},
		{name: "token revoke", args: flags("token", "revoke", "--pki-dir", "{pki}", ""), code: exitUsage, want: []string{"the argument <name-or-id> is empty"}},
		{name: "spice-proxy check", args: flags("spice-proxy", "check", ""), code: exitUsage, want: []string{"the argument <value> is empty"}},
	})
	// Where empty has a meaning, it is taken: metrics --pki-dir= reads no
	// directory (a proxy host's cron job).
	f := newFixture(t)
	if r := runCLI(t, "metrics", "--pki-dir=", f.caPEM); r.code != exitOK {
		t.Errorf("metrics --pki-dir=: exit %d, want 0:\n%s", r.code, r)
	}
	// renew --exec "" runs no hook: the packaged pkienroll-renew@.service
	// passes --exec ${EXEC}, and EXEC= may be left empty. Here it fails
	// on the missing certificate, not on the empty flag.
	r := runCLI(t, "renew", "--server", "https://127.0.0.1:1", "--cert", f.path("none.cer"), "--key", f.path("none.key"), "--exec", "")
	if r.code != exitError || strings.Contains(r.stderr, "--exec is empty") {
		t.Errorf("renew --exec \"\": exit %d, want 1 for the missing certificate:\n%s", r.code, r)
	}
}
