package main

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
)

// Terminal attacks: clear the screen, retitle the window (OSC ended by
// BEL), the C1 form of CSI, and bytes that are not UTF-8.
const (
	escClear = "\x1b[2J"
	escTitle = "\x1b]0;owned\x07"
	escC1    = "\u009b2J"
)

// assertPrintable fails when out holds a character printable.Unsafe
// reports (a control character other than newline, a bidi override, a
// zero-width space...), or bytes not UTF-8.
func assertPrintable(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s is not valid UTF-8: %q", what, out)
	}
	for _, r := range out {
		if r != '\n' && printable.Unsafe(r) {
			t.Errorf("%s holds unsafe character %U: %q", what, r, out)
			return
		}
	}
}

// hostileCert writes a self-signed certificate whose subject and SANs
// carry terminal escapes, signed with the fixture's key.
func hostileCert(t *testing.T, f *fixture) string {
	t.Helper()
	subject, err := asn1.Marshal(pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Org" + escTitle}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "cn" + escClear + escC1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x4242), RawSubject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"dns" + escClear + ".example"},
	}
	return writeSelfSigned(t, f, "hostile.pem", tmpl)
}

// writeSelfSigned writes tmpl, self-signed with the fixture's key, as the
// fixture's file name, and returns its path.
func writeSelfSigned(t *testing.T, f *fixture, name string, tmpl *x509.Certificate) string {
	t.Helper()
	key, err := pki.ReadKey(f.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	path := f.path(name)
	writeFile(t, path, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	return path
}

// TestTerminalEscapes: text output and error lines escape the control
// characters that certificates, the index, file names and flags bring;
// JSON output keeps the exact values.
func TestTerminalEscapes(t *testing.T) {
	f := newFixture(t)
	cert := hostileCert(t, f)

	t.Run("inspect text", func(t *testing.T) {
		out := mustRun(t, "inspect", cert)
		assertPrintable(t, "inspect", out)
		for _, want := range []string{`/O=Org\x1B]0;owned\x07/CN=cn\x1B[2J\xC2\x9B2J`, `DNS:dns\x1B[2J.example`} {
			if !strings.Contains(out, want) {
				t.Errorf("inspect does not show %s:\n%s", want, out)
			}
		}
		js := mustRun(t, "inspect", "--json", cert)
		if !strings.Contains(js, `cn\u001b[2J`) || !strings.Contains(js, "\u009b") && !strings.Contains(js, `\u009b`) {
			t.Errorf("inspect --json does not keep the exact subject:\n%s", js)
		}
	})
	t.Run("subject --cert", func(t *testing.T) {
		out := mustRun(t, "subject", "--cert", cert)
		assertPrintable(t, "subject", out)
		if want := `/O=Org\x1B]0;owned\x07/CN=cn\x1B[2J\xC2\x9B2J` + "\n"; out != want {
			t.Errorf("subject --cert = %q, want %q", out, want)
		}
		for _, format := range []string{"rfc4514"} {
			assertPrintable(t, "subject --format "+format, mustRun(t, "subject", "--cert", cert, "--format", format))
		}
		if js := mustRun(t, "subject", "--cert", cert, "--format", "json"); !strings.Contains(js, `\u001b]0;owned\u0007`) {
			t.Errorf("subject --format json does not keep the exact value: %s", js)
		}
	})
	t.Run("list", func(t *testing.T) {
		g := newFixture(t)
		mustRun(t, "-q", "sign", "--pki-dir", g.pki, "--name", "proxy")
		// A name from a file name, subjects from index lines: both are
		// anyone's who can write to the directory.
		evilName := "evil" + escTitle
		data, err := os.ReadFile(filepath.Join(g.pki, "certs", "proxy.cer"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(g.pki, "certs", evilName+".cer"), string(data))
		db := filepath.Join(g.pki, "database.txt")
		exp := time.Now().Add(48 * time.Hour).UTC().Format("060102150405Z")
		writeFile(t, db, pkitest.ReadFile(t, db)+
			"V\t"+exp+"\t\t1001\tunknown\t/CN=a"+escClear+escC1+"\n"+
			"V\t"+exp+"\t\t1002\tunknown\t/CN=bad\xff\xfeutf8"+escTitle+"\n")
		out := mustRun(t, "list", "--pki-dir", g.pki)
		assertPrintable(t, "list", out)
		for _, want := range []string{`evil\x1B]0;owned\x07`, `/CN=a\x1B[2J\xC2\x9B2J`, `/CN=bad\xFF\xFEutf8\x1B]0;owned\x07`} {
			if !strings.Contains(out, want) {
				t.Errorf("list does not show %s:\n%s", want, out)
			}
		}
		if js := mustRun(t, "list", "--json", "--pki-dir", g.pki); !strings.Contains(js, `/CN=a\u001b[2J`) {
			t.Errorf("list --json does not keep the exact subject:\n%s", js)
		}
	})
	t.Run("error lines", func(t *testing.T) {
		dir := t.TempDir()
		evilDir := filepath.Join(dir, "pki"+escClear+escTitle)
		for _, args := range [][]string{
			{"list", "--pki-dir", evilDir},
			{"sign", "--pki-dir", evilDir, "--name", "proxy"},
			{"inspect", filepath.Join(dir, "x"+escC1+"\xff")},
			{"keygen", "--out", filepath.Join(evilDir, "k.key")},
			{"subject", "--subjekt" + escClear},
			{"list", "--status", "x" + escTitle},
		} {
			r := runCLI(t, args...)
			if r.code == 0 {
				t.Errorf("pkienroll %q succeeded", args)
			}
			assertOneErrorLine(t, r.stderr)
			assertPrintable(t, "stderr", r.stderr)
		}
	})
}

// TestSecretsNotEchoed: no error line shows a secret flag's value, nor a
// key pasted into a flag. kong's hint for a value starting with '-'
// printed the password twice ("perhaps try --password=...").
func TestSecretsNotEchoed(t *testing.T) {
	f := newFixture(t)
	keyPEM := pkitest.ReadFile(t, f.key)
	const secret = "-secretpw-4711"
	enroll := []string{"enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"password starting with a dash", append(enroll, "--password", secret), exitUsage},
		{"password then a stray argument", append(enroll, "--password", secret[1:], "stray"), exitUsage},
		{"password near miss", append(enroll, "--passwd", secret[1:]), exitUsage},
		{"password of a command without it", []string{"keygen", "--out", f.path("k"), "--password", secret[1:]}, exitUsage},
		{"key as --subject", []string{"subject", "--subject", keyPEM}, exitUsage},
		{"key as --subject=", []string{"subject", "--subject=" + keyPEM}, exitUsage},
		{"key as request --subject=", []string{"request", "--subject=" + keyPEM, "--key", f.key, "--out", f.path("r.req")}, exitUsage},
		{"key in the CN", []string{"subject", "--subject=/CN=" + strings.ReplaceAll(keyPEM, "\n", "")}, exitUsage},
		{"key as --cn", []string{"subject", "--cert", f.caPEM, "--cn=" + keyPEM}, exitError},
		{"key as --at", []string{"verify", "--ca", f.caPEM, "--cert", f.caPEM, "--at=" + keyPEM}, exitUsage},
		// kong takes an argument starting with '-' for a flag.
		{"key as a file name", []string{"inspect", keyPEM}, exitUsage},
		{"long file name", []string{"inspect", f.path(strings.Repeat("x", 200), "y")}, exitError},
	}
	var keyLines []string
	for _, line := range strings.Split(keyPEM, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			keyLines = append(keyLines, line[:16], line[len(line)-16:])
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", r.code, tc.code, r)
			}
			out := r.stdout + r.stderr
			assertOneErrorLine(t, r.stderr)
			checkNoSecrets(t, out, secret, secret[1:])
			for _, l := range keyLines {
				if strings.Contains(out, l) {
					t.Errorf("output shows a piece of the key, %q:\n%s", l, out)
					break
				}
			}
		})
	}
}
