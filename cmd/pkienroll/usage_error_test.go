package main

import (
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
