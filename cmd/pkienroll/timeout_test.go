package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestLockingCommandsTakeTimeout runs every command that takes the PKI
// directory's lock while another process holds it: each gives up after its
// --timeout with the busy error, and changes nothing.
func TestLockingCommandsTakeTimeout(t *testing.T) {
	tests := [][]string{
		{"sign", "--name", "proxy"},
		{"revoke", "--serial", "1000"},
		{"crl", "--out", "{dir}/ca.crl"},
		{"ca", "renew"},
		{"ca", "check"},
		{"enroll", "--name", "bundle", "--subject", "/CN=bundle.example.com", "--password-env", "PKIENROLL_TEST_PW"},
	}
	t.Setenv("PKIENROLL_TEST_PW", "s3cret")
	for _, args := range tests {
		t.Run(strings.Join(args[:min(2, len(args))], " "), func(t *testing.T) {
			f := newFixture(t)
			holdLock(t, f)
			before := pkitest.Snapshot(t, f.dir)
			n := 1 // words of the command's name
			if args[0] == "ca" {
				n = 2
			}
			full := append(append(append([]string{}, args[:n]...), "--pki-dir", f.pki, "--timeout", "0.2"), args[n:]...)
			for i, a := range full {
				full[i] = strings.ReplaceAll(a, "{dir}", f.dir)
			}
			start := time.Now()
			r := runCLI(t, full...)
			if r.code != exitError || !strings.Contains(r.stderr, "busy") {
				t.Errorf("pkienroll %s with the lock held:\n%s\nwant exit 1 and the busy error", strings.Join(full, " "), r)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("gave up after %v, want about 0.2s", elapsed)
			}
			pkitest.AssertUnchanged(t, f.dir, before)
		})
	}
}
