package main

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryBundleModes completes TestBinaryFileModes for the engine-side
// outputs it does not make: enroll's bundle (and its backup), the key and
// certificate pkcs12 extract writes, and a CRL, under a permissive and a
// strict umask. Private material is 0600 and keys/ 0700 whatever the umask.
func TestBinaryBundleModes(t *testing.T) {
	for _, umask := range []string{"000", "077"} {
		t.Run("umask "+umask, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			pass := writePassFile(t, f, "pass.txt", "bundle-pass")
			p12 := filepath.Join(f.pki, "keys", "proxy.p12")
			steps := [][]string{
				{"-q", "enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject, "--password-file", pass},
				{"-q", "enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject, "--password-file", pass, "--keep-key"},
				{"-q", "pkcs12", "extract", "--in", p12, "--passin-file", pass, "--key", f.path("out.key"), "--cert", f.path("out.cer")},
				{"-q", "crl", "--pki-dir", f.pki, "--out", f.path("ca.crl")},
			}
			for _, args := range steps {
				if r := runBinary(t, umask, args...); r.code != 0 {
					t.Fatalf("umask %s; pkienroll %s:\n%s", umask, strings.Join(args, " "), r)
				}
			}
			want := map[string]fs.FileMode{
				"pki/keys":               0o755,
				"pki/keys/proxy.p12":     0o600,
				"pki/certs/proxy.cer":    0o644,
				"pki/requests/proxy.req": 0o644,
				"out.key":                0o600,
				"out.cer":                0o644,
				"ca.crl":                 0o644,
			}
			for name, mode := range want {
				if got := fileMode(t, f.path(name)); got != mode {
					t.Errorf("umask %s: %s has mode %v, want %v", umask, name, got, mode)
				}
			}
			// The second enroll kept the first bundle: private too.
			b := backups(t, p12)
			if len(b) != 1 {
				t.Fatalf("backups of keys/proxy.p12: %q", b)
			}
			if got := fileMode(t, b[0]); got != 0o600 {
				t.Errorf("umask %s: backup %s has mode %v, want 0600", umask, filepath.Base(b[0]), got)
			}
			if r := runBinary(t, umask, "ca", "check", "--pki-dir", f.pki); r.code != 0 {
				t.Errorf("umask %s: ca check:\n%s", umask, r)
			}
		})
	}
}
