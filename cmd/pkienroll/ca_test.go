package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestCAInit checks the directory `ca init` makes against the engine layout's
// layout and openssl.
func TestCAInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	r := runCLI(t, "ca", "init", "--pki-dir", dir, "--subject", caSubject, "--days", "3650")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("ca init:\n%s", r)
	}
	checkNoSecrets(t, r.stderr)
	if !strings.Contains(r.stderr, "created CA") {
		t.Errorf("stderr %q does not log the CA", r.stderr)
	}
	modes := map[string]fs.FileMode{
		".":                 0o755,
		"ca.pem":            0o644,
		"private":           0o750,
		"private/ca.pem":    0o640,
		"requests":          0o755,
		"certs":             0o755,
		"certs/ca.der":      0o644,
		"certs/1000.pem":    0o644,
		"keys":              0o755,
		"openssl.conf":      0o644,
		"cacert.conf":       0o644,
		"cert.conf":         0o644,
		"serial.txt":        0o644,
		"database.txt":      0o644,
		"database.txt.attr": 0o644,
		".truststore":       0o644,
	}
	snap := pkitest.Snapshot(t, dir)
	for name, e := range snap {
		want, ok := modes[name]
		if !ok {
			t.Errorf("unexpected %s", name)
			continue
		}
		if e.Mode.Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, e.Mode.Perm(), want)
		}
	}
	for name := range modes {
		if _, ok := snap[name]; !ok {
			t.Errorf("missing %s", name)
		}
	}
	// The CA is serial 1000 with its index line, as pki-create-ca.sh leaves it.
	for name, want := range map[string]string{
		"serial.txt":        "1001\n",
		"database.txt.attr": "unique_subject = no\n",
		"certs/1000.pem":    snap["ca.pem"].Content,
	} {
		if got := snap[name].Content; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if db := snap["database.txt"].Content; !strings.HasPrefix(db, "V\t") || !strings.HasSuffix(db, "\t\t1000\tunknown\t"+caSubject+"\n") || strings.Count(db, "\n") != 1 {
		t.Errorf("database.txt = %q, want the CA's line", db)
	}
	caPEM := filepath.Join(dir, "ca.pem")
	if got := openssl(t, "x509", "-in", caPEM, "-noout", "-subject", "-nameopt", "compat"); got != "subject="+caSubject+"\n" {
		t.Errorf("CA subject %q, want %q", got, caSubject)
	}
	if out := openssl(t, "verify", "-CAfile", caPEM, caPEM); !strings.Contains(out, ": OK") {
		t.Errorf("openssl verify of the CA: %s", out)
	}
	text := openssl(t, "x509", "-in", caPEM, "-noout", "-text")
	for _, w := range []string{"CA:TRUE", "Certificate Sign, CRL Sign", "sha256WithRSAEncryption", "Public-Key: (2048 bit)"} {
		if !strings.Contains(text, w) {
			t.Errorf("CA certificate does not show %q:\n%s", w, text)
		}
	}
	cert := pkitest.ReadCert(t, caPEM)
	// 3650 days, notBefore through notAfter inclusive (RFC 5280 4.1.2.5).
	if got := cert.NotAfter.Sub(cert.NotBefore); got != 3650*24*time.Hour-time.Second {
		t.Errorf("CA validity %v, want 3650 days less a second", got)
	}
	if snap["certs/ca.der"].Content != snap["ca.pem"].Content {
		t.Error("certs/ca.der is not ca.pem (PEM, as the engine's scripts write it)")
	}
	key := filepath.Join(dir, "private", "ca.pem")
	openssl(t, "pkey", "-check", "-in", key, "-noout")
	if openssl(t, "x509", "-in", caPEM, "-noout", "-pubkey") != openssl(t, "pkey", "-in", key, "-pubout") {
		t.Error("private/ca.pem is not the key of ca.pem")
	}
}

// TestCAInitInputs covers where the directory and subject may come from.
func TestCAInitInputs(t *testing.T) {
	t.Run("existing empty directory", func(t *testing.T) {
		dir := t.TempDir()
		mustRun(t, "-q", "ca", "init", "--pki-dir", dir, "--subject", caSubject)
		pkitest.ReadCert(t, filepath.Join(dir, "ca.pem"))
	})
	t.Run("RFC 4514 subject", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "pki")
		mustRun(t, "-q", "ca", "init", "--pki-dir", dir, "--subject", "CN=engine.example.com.81108,O=Example Inc.,C=US")
		if got := openssl(t, "x509", "-in", filepath.Join(dir, "ca.pem"), "-noout", "-subject", "-nameopt", "compat"); got != "subject="+caSubject+"\n" {
			t.Errorf("CA subject %q, want %q", got, caSubject)
		}
	})
	t.Run("PKIENROLL_PKI_DIR", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "pki")
		t.Setenv("PKIENROLL_PKI_DIR", dir)
		mustRun(t, "-q", "ca", "init", "--subject", caSubject)
		pkitest.ReadCert(t, filepath.Join(dir, "ca.pem"))
	})
}

func TestCAInitBadInput(t *testing.T) {
	initIn := func(dir string, extra ...string) func(f *fixture) []string {
		return flags(append([]string{"ca", "init", "--pki-dir", dir}, extra...)...)
	}
	checkBadInput(t, []badCase{
		{name: "twice", args: initIn("{pki}", "--subject", caSubject), code: exitError,
			want: []string{"ca.pem", "exists"}},
		{name: "twice other subject", args: initIn("{pki}", "--subject", "/CN=another CA"), code: exitError,
			want: []string{"ca.pem", "exists"}},
		{name: "unknown attribute", args: initIn("{dir}/new", "--subject", "/C=US/XX=1/CN=ca"), code: exitUsage,
			want: []string{"--subject", `"XX"`, "unknown attribute"}},
		{name: "empty value", args: initIn("{dir}/new", "--subject", "/C=US/CN="), code: exitUsage,
			want: []string{"--subject", "CN", "empty value"}},
		{name: "bad country", args: initIn("{dir}/new", "--subject", "/C=USA/CN=ca"), code: exitUsage,
			want: []string{"--subject", `"USA"`}},
		{name: "empty subject", args: initIn("{dir}/new", "--subject", ""), code: exitUsage,
			want: []string{"--subject is empty"}},
		{name: "subject missing", args: initIn("{dir}/new"), code: exitUsage,
			want: []string{"missing --subject"}},
		{name: "days 0", args: initIn("{dir}/new", "--subject", caSubject, "--days", "0"), code: exitUsage,
			want: []string{"--days 0", "2..36500"}},
		{name: "days 36501", args: initIn("{dir}/new", "--subject", caSubject, "--days", "36501"), code: exitUsage,
			want: []string{"--days 36501", "2..36500"}},
		{name: "days abc", args: initIn("{dir}/new", "--subject", caSubject, "--days", "abc"), code: exitUsage,
			want: []string{"--days", `"abc"`}},
		{name: "ca-file with slash", args: initIn("{dir}/new", "--subject", caSubject, "--ca-file", "../x"), code: exitError,
			want: []string{`"../x"`, "not a plain file name"}},
		{name: "parent missing", args: initIn("{dir}/a/b", "--subject", caSubject), code: exitError,
			want: []string{"a/b", "no such file or directory"}},
		{name: "renew days 0", args: flags("ca", "renew", "--pki-dir", "{pki}", "--days", "0"), code: exitUsage,
			want: []string{"--days 0", "2..36500"}},
		{name: "renew days 36501", args: flags("ca", "renew", "--pki-dir", "{pki}", "--days", "36501"), code: exitUsage,
			want: []string{"--days 36501", "2..36500"}},
		{name: "pki-dir is a file", args: initIn("{key}", "--subject", caSubject), code: exitError,
			want: []string{"proxy.key", "not a directory"}},
	})
}

// TestCAInitDoesNotTouchOtherFiles runs ca init in a directory that holds
// something else already: nothing of it may change.
func TestCAInitDoesNotTouchOtherFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "README"), "mine\n")
	if err := os.Mkdir(filepath.Join(dir, "certs"), 0o750); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-q", "ca", "init", "--pki-dir", dir, "--subject", caSubject)
	if got := pkitest.ReadFile(t, filepath.Join(dir, "README")); got != "mine\n" {
		t.Errorf("README changed to %q", got)
	}
}

// TestCACheck: a sound directory passes with exit 0; each breach is one
// "pkienroll: " line on stderr and exit 2.
func TestCACheck(t *testing.T) {
	f := newFixture(t)
	mustRun(t, "sign", "--pki-dir", f.pki, "--name", "proxy")
	if out := mustRun(t, "ca", "check", "--pki-dir", f.pki); !strings.HasPrefix(out, "ok   "+f.pki+":") {
		t.Errorf("sound directory: %q", out)
	}
	if err := os.Chmod(filepath.Join(f.pki, "private", "ca.pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(f.pki, "certs", "1000.pem")); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "ca", "check", "--pki-dir", f.pki)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != exitCheckFailed || len(lines) != 2 || r.stdout != "" {
		t.Fatalf("broken directory:\n%s\nwant exit 2 and two lines", r)
	}
	if !strings.Contains(lines[0], "private/ca.pem (the CA key) is writable by its group or readable") || !strings.Contains(lines[1], "serial 1000: read certificate") {
		t.Errorf("lines %q", lines)
	}
}
