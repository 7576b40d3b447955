package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// testPassphrase is distinctive enough that finding it in any output means
// the output shows it.
const testPassphrase = "Tr0ub4dor-and-3-horses"

// writePassFile writes a passphrase file (a line and its newline, as `echo`
// writes it) into the fixture and returns its path.
func writePassFile(t *testing.T, f *fixture, name, pass string) string {
	t.Helper()
	p := f.path(name)
	if err := os.WriteFile(p, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pemType returns the type of the first PEM block in path.
func pemType(t *testing.T, path string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(pkitest.ReadFile(t, path)))
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	return block.Type
}

// rsaBits parses the unencrypted key in path and returns its size.
func rsaBits(t *testing.T, path string) int {
	t.Helper()
	block, _ := pem.Decode([]byte(pkitest.ReadFile(t, path)))
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	var key any
	var err error
	if block.Type == "RSA PRIVATE KEY" {
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	} else {
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	k, ok := key.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("%s: %T, want an RSA key", path, key)
	}
	return k.N.BitLen()
}

func TestKeygen(t *testing.T) {
	tests := []struct {
		name    string
		flags   []string
		pemType string
		bits    int
		pass    bool // encrypted with testPassphrase
	}{
		{"default PKCS#8", nil, "PRIVATE KEY", 2048, false},
		{"pkcs1", []string{"--pkcs1"}, "RSA PRIVATE KEY", 2048, false},
		{"3072 bits", []string{"--bits", "3072"}, "PRIVATE KEY", 3072, false},
		{"passphrase file", []string{"--passphrase-file", "{pass}"}, "ENCRYPTED PRIVATE KEY", 2048, true},
		{"passphrase env", []string{"--passphrase-env", "PKIENROLL_TEST_PASS"}, "ENCRYPTED PRIVATE KEY", 2048, true},
	}
	t.Setenv("PKIENROLL_TEST_PASS", testPassphrase)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "proxy.key")
			passFile := filepath.Join(dir, "pass")
			writeFile(t, passFile, testPassphrase+"\n")
			args := []string{"keygen", "--out", out}
			for _, fl := range tc.flags {
				args = append(args, strings.ReplaceAll(fl, "{pass}", passFile))
			}
			r := runCLI(t, args...)
			if r.code != 0 || r.stdout != "" {
				t.Fatalf("pkienroll %s:\n%s", strings.Join(args, " "), r)
			}
			checkNoSecrets(t, r.stderr, testPassphrase)
			if !strings.Contains(r.stderr, "wrote key") {
				t.Errorf("stderr %q does not log the key written", r.stderr)
			}
			if got := pemType(t, out); got != tc.pemType {
				t.Errorf("PEM type %q, want %q", got, tc.pemType)
			}
			if m := fileMode(t, out); m != 0o600 {
				t.Errorf("mode %v, want 0600", m)
			}
			if !tc.pass {
				openssl(t, "pkey", "-check", "-in", out, "-noout")
				if got := rsaBits(t, out); got != tc.bits {
					t.Errorf("%d bits, want %d", got, tc.bits)
				}
				return
			}
			openssl(t, "pkey", "-check", "-passin", "file:"+passFile, "-in", out, "-noout")
			opensslFails(t, "pkey", "-passin", "pass:wrong", "-in", out, "-noout")
			// And our own reader opens it with the same passphrase.
			mustRun(t, "-q", "request", "--key", out, "--passphrase-file", passFile,
				"--subject", proxySubject, "--out", filepath.Join(dir, "proxy.req"))
		})
	}
}

func TestKeygenForceKeepsBackup(t *testing.T) {
	f := newFixture(t)
	old := pkitest.ReadFile(t, f.key)
	// An existing file with a wider mode: the new key must still be 0600.
	if err := os.Chmod(f.key, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "keygen", "--force", "--out", f.key)
	if got := pkitest.ReadFile(t, f.key); got == old {
		t.Error("key not replaced")
	}
	if m := fileMode(t, f.key); m != 0o600 {
		t.Errorf("new key mode %v, want 0600", m)
	}
	openssl(t, "pkey", "-check", "-in", f.key, "-noout")
	b := backups(t, f.key)
	if len(b) != 1 {
		t.Fatalf("backups of %s: %q, want one FILE.YYYYMMDDHHMMSS", f.key, b)
	}
	if got := pkitest.ReadFile(t, b[0]); got != old {
		t.Errorf("backup %s does not hold the old key", b[0])
	}
}

func TestKeygenBadInput(t *testing.T) {
	checkBadInput(t, []badCase{
		{
			name: "bits 1024",
			args: flags("keygen", "--out", "{dir}/new.key", "--bits", "1024"),
			code: exitError,
			want: []string{"--bits", "1024", "too small"},
		},
		{
			name: "bits 2500",
			args: flags("keygen", "--out", "{dir}/new.key", "--bits", "2500"),
			code: exitError,
			want: []string{"--bits", "2500", "2048, 3072 or 4096"},
		},
		{
			name: "bits not a number",
			args: flags("keygen", "--out", "{dir}/new.key", "--bits", "many"),
			code: exitUsage,
			want: []string{"--bits", "many"},
		},
		{
			name: "existing file without force",
			args: flags("keygen", "--out", "{key}"),
			code: exitError,
			want: []string{"proxy.key", "--force", "exists"},
		},
		{
			name: "passphrase file missing",
			args: flags("keygen", "--out", "{dir}/new.key", "--passphrase-file", "{dir}/nope"),
			code: exitError,
			want: []string{"--passphrase-file", "nope", "no such file"},
		},
		{
			name:  "passphrase file empty",
			setup: func(t *testing.T, f *fixture) { writePassFile(t, f, "empty", "") },
			args:  flags("keygen", "--out", "{dir}/new.key", "--passphrase-file", "{dir}/empty"),
			code:  exitError,
			want:  []string{"--passphrase-file", "empty"},
		},
		{
			name: "passphrase variable unset",
			args: flags("keygen", "--out", "{dir}/new.key", "--passphrase-env", "PKIENROLL_TEST_UNSET_VARIABLE"),
			code: exitError,
			want: []string{"PKIENROLL_TEST_UNSET_VARIABLE", "not set"},
		},
		{
			name: "passphrase file and variable",
			args: flags("keygen", "--out", "{dir}/new.key", "--passphrase-file", "{dir}/p", "--passphrase-env", "P"),
			code: exitUsage,
			want: []string{"--passphrase-file", "--passphrase-env"},
		},
		{
			name: "directory missing",
			args: flags("keygen", "--out", "{dir}/nodir/new.key"),
			code: exitError,
			want: []string{"nodir/new.key", "does not exist"},
		},
		{
			name: "out is a directory",
			args: flags("keygen", "--force", "--out", "{pki}"),
			code: exitError,
			want: []string{"pki"},
		},
		{
			name: "out is a symlink",
			setup: func(t *testing.T, f *fixture) {
				if err := os.Symlink(f.key, f.path("link.key")); err != nil {
					t.Fatal(err)
				}
			},
			args: flags("keygen", "--force", "--out", "{dir}/link.key"),
			code: exitError,
			want: []string{"link.key", "symbolic link"},
		},
		{
			name: "out empty",
			args: flags("keygen", "--out", ""),
			code: exitUsage,
			want: []string{"--out", "empty"},
		},
		{
			// --passphrase-file "$UNSET" must not write an unencrypted key.
			name: "passphrase file flag empty",
			args: flags("keygen", "--out", "{dir}/new.key", "--passphrase-file", ""),
			code: exitUsage,
			want: []string{"--passphrase-file", "empty"},
		},
		{
			name: "passphrase env flag empty",
			args: flags("keygen", "--out", "{dir}/new.key", "--passphrase-env", ""),
			code: exitUsage,
			want: []string{"--passphrase-env", "empty"},
		},
		{
			name: "out missing",
			args: flags("keygen"),
			code: exitUsage,
			want: []string{"missing --out"},
		},
		{
			name: "unknown flag",
			args: flags("keygen", "--out", "{dir}/new.key", "--size", "2048"),
			code: exitUsage,
			want: []string{"unknown flag --size"},
		},
	})
}
