package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// checkRequest checks with openssl that req is a well-signed request for
// the public key of key (opened with passArgs) and returns its subject as
// openssl prints it in slash form.
func checkRequest(t *testing.T, req, key string, passArgs ...string) string {
	t.Helper()
	if out := openssl(t, "req", "-verify", "-in", req, "-noout"); !strings.Contains(out, "verify OK") {
		t.Errorf("openssl req -verify %s: %s", req, out)
	}
	reqPub := openssl(t, "req", "-in", req, "-noout", "-pubkey")
	keyPub := openssl(t, append([]string{"pkey", "-in", key, "-pubout"}, passArgs...)...)
	if reqPub != keyPub {
		t.Errorf("public key of %s:\n%s\ndoes not match the key's:\n%s", req, reqPub, keyPub)
	}
	return strings.TrimSpace(strings.TrimPrefix(openssl(t, "req", "-in", req, "-noout", "-subject", "-nameopt", "compat"), "subject="))
}

// TestRequestProxyFlow is steps 2 and 3 of the procedure: derive the
// proxy's subject from the engine CA and make its key and request.
func TestRequestProxyFlow(t *testing.T) {
	f := newFixture(t)
	key, req := f.path("new.key"), f.path("new.req")
	r := runCLI(t, "request", "--ca-cert", f.caPEM, "--cn", proxyCN, "--keyout", key, "--out", req)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("request:\n%s", r)
	}
	checkNoSecrets(t, r.stderr)
	for _, w := range []string{"wrote key", "wrote request", proxySubject} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q does not contain %q", r.stderr, w)
		}
	}
	if got := checkRequest(t, req, key); got != proxySubject {
		t.Errorf("openssl prints the request's subject as %q, want %q", got, proxySubject)
	}
	// What `subject` prints for the same derivation is what the request holds.
	if got := mustRun(t, "subject", "--cert", f.caPEM, "--cn", proxyCN); got != proxySubject+"\n" {
		t.Errorf("subject --cert --cn printed %q, want %q", got, proxySubject+"\n")
	}
	openssl(t, "pkey", "-check", "-in", key, "-noout")
	if got := pemType(t, key); got != "PRIVATE KEY" {
		t.Errorf("key PEM type %q, want PRIVATE KEY", got)
	}
	if got := pemType(t, req); got != "CERTIFICATE REQUEST" {
		t.Errorf("request PEM type %q, want CERTIFICATE REQUEST", got)
	}
	if m := fileMode(t, key); m != 0o600 {
		t.Errorf("key mode %v, want 0600", m)
	}
	if m := fileMode(t, req); m != 0o644 {
		t.Errorf("request mode %v, want 0644", m)
	}
	text := openssl(t, "req", "-in", req, "-noout", "-text")
	for _, w := range []string{"DNS:" + proxyCN, "sha256WithRSAEncryption", "Public-Key: (2048 bit)"} {
		if !strings.Contains(text, w) {
			t.Errorf("openssl req -text does not show %q:\n%s", w, text)
		}
	}
}

// TestRequestOpenSSLKeys signs requests with keys openssl made, in each
// encoding the engine hosts have.
func TestRequestOpenSSLKeys(t *testing.T) {
	pkitest.OpenSSL(t)
	tests := []struct {
		name string
		gen  [][]string // openssl commands; KEY is the key file, PASS the passphrase file
		pass bool
	}{
		{name: "genpkey RSA PKCS#8", gen: [][]string{{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "KEY"}}},
		{name: "genrsa traditional", gen: [][]string{{"genrsa", "-traditional", "-out", "KEY", "2048"}}},
		{name: "genrsa traditional aes256", pass: true,
			gen: [][]string{{"genrsa", "-traditional", "-aes256", "-passout", "file:PASS", "-out", "KEY", "2048"}}},
		{name: "genpkey aes256 PKCS#8", pass: true,
			gen: [][]string{{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "file:PASS", "-out", "KEY"}}},
		{name: "ecparam P-256 with parameters", gen: [][]string{{"ecparam", "-name", "prime256v1", "-genkey", "-out", "KEY"}}},
		{name: "ecparam P-384", gen: [][]string{{"ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "KEY"}}},
		{name: "EC P-256 PKCS#8", gen: [][]string{{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "KEY"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			key, pass, req := filepath.Join(dir, "proxy.key"), filepath.Join(dir, "pass"), filepath.Join(dir, "proxy.req")
			writeFile(t, pass, testPassphrase+"\n")
			for _, cmd := range tc.gen {
				args := make([]string, len(cmd))
				for i, a := range cmd {
					args[i] = strings.NewReplacer("KEY", key, "PASS", pass).Replace(a)
				}
				openssl(t, args...)
			}
			args := []string{"request", "--key", key, "--subject", proxySubject, "--out", req}
			var passArgs []string
			if tc.pass {
				args = append(args, "--passphrase-file", pass)
				passArgs = []string{"-passin", "file:" + pass}
			}
			r := runCLI(t, args...)
			if r.code != 0 {
				t.Fatalf("pkienroll %s:\n%s", strings.Join(args, " "), r)
			}
			checkNoSecrets(t, r.stderr, testPassphrase)
			if got := checkRequest(t, req, key, passArgs...); got != proxySubject {
				t.Errorf("subject %q, want %q", got, proxySubject)
			}
		})
	}
}

// TestRequestSubjectForms gives the subject in every form docs/cli.md
// accepts; openssl must read the same name back from the request.
func TestRequestSubjectForms(t *testing.T) {
	f := newFixture(t)
	for i, subject := range []string{
		proxySubject,
		"CN=proxy.example.com,O=Example Inc.,C=US",
		"subject=C = US, O = Example Inc., CN = proxy.example.com",
		"subject= /C=US/O=Example Inc./CN=proxy.example.com",
	} {
		req := f.path("form" + string(rune('a'+i)) + ".req")
		mustRun(t, "-q", "request", "--key", f.key, "--subject", subject, "--out", req)
		if got := checkRequest(t, req, f.key); got != proxySubject {
			t.Errorf("--subject %q: openssl reads %q, want %q", subject, got, proxySubject)
		}
	}
}

func TestRequestSANs(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		flags []string
		want  string // in the text openssl prints; "" for no SAN extension
	}{
		{"default from CN", nil, "DNS:proxy.example.com"},
		{"explicit", []string{"--san", "DNS:proxy.example.com,DNS:spice.example.com,IP:192.0.2.10"},
			"DNS:proxy.example.com, DNS:spice.example.com, IP Address:192.0.2.10"},
		{"no default", []string{"--no-default-san"}, ""},
	}
	for i, tc := range tests {
		req := f.path("san" + string(rune('a'+i)) + ".req")
		args := append([]string{"-q", "request", "--key", f.key, "--subject", proxySubject, "--out", req}, tc.flags...)
		mustRun(t, args...)
		text := openssl(t, "req", "-in", req, "-noout", "-text")
		if tc.want == "" {
			if strings.Contains(text, "Subject Alternative Name") {
				t.Errorf("%s: request has alternative names:\n%s", tc.name, text)
			}
		} else if !strings.Contains(text, tc.want) {
			t.Errorf("%s: request does not show %q:\n%s", tc.name, tc.want, text)
		}
	}
}

func TestRequestForceKeepsBackups(t *testing.T) {
	f := newFixture(t)
	oldKey, oldReq := pkitest.ReadFile(t, f.key), pkitest.ReadFile(t, f.req)
	mustRun(t, "-q", "request", "--force", "--pkcs1", "--ca-cert", f.caPEM, "--cn", proxyCN, "--keyout", f.key, "--out", f.req)
	for path, old := range map[string]string{f.key: oldKey, f.req: oldReq} {
		b := backups(t, path)
		if len(b) != 1 || pkitest.ReadFile(t, b[0]) != old {
			t.Errorf("%s: backups %q, want one holding the old content", path, b)
		}
		if pkitest.ReadFile(t, path) == old {
			t.Errorf("%s not replaced", path)
		}
	}
	if got := pemType(t, f.key); got != "RSA PRIVATE KEY" {
		t.Errorf("--pkcs1 key PEM type %q", got)
	}
	checkRequest(t, f.req, f.key)
}

func TestRequestBadInput(t *testing.T) {
	// encrypt writes the fixture's key encrypted with testPassphrase.
	encrypt := func(args ...string) func(t *testing.T, f *fixture) {
		return func(t *testing.T, f *fixture) {
			writePassFile(t, f, "pass", testPassphrase)
			writePassFile(t, f, "wrongpass", "not-"+testPassphrase)
			a := []string{"-in", f.key, "-out", f.path("enc.key"), "-aes256", "-passout", "file:" + f.path("pass")}
			openssl(t, append(args, a...)...)
		}
	}
	subject := func(s string) func(f *fixture) []string {
		return flags("request", "--subject", s, "--keyout", "{dir}/new.key", "--out", "{dir}/new.req")
	}
	checkBadInput(t, []badCase{
		{name: "subject unknown attribute", args: subject("/C=US/XX=1/CN=a"), code: exitUsage,
			want: []string{"--subject", `"XX"`, "unknown attribute"}},
		{name: "subject empty value", args: subject("/C=US/O=/CN=a"), code: exitUsage,
			want: []string{"--subject", "O", "empty value"}},
		{name: "subject country USA", args: subject("/C=USA/CN=a"), code: exitUsage,
			want: []string{"--subject", `"USA"`, "country"}},
		{name: "subject CN 65 characters", args: subject("/C=US/CN=" + strings.Repeat("a", 65)), code: exitUsage,
			want: []string{"--subject", "CN", "longer than 64"}},
		{name: "subject control character", args: subject("/C=US/CN=a\x07b"), code: exitUsage,
			want: []string{"--subject", "CN", "control character"}},
		// Refused by its size, not quoted: a value of several lines may be
		// a pasted file.
		{name: "subject newline", args: subject("/C=US/CN=a\nb"), code: exitUsage,
			want: []string{"--subject", "over 2 lines", "one line"}},
		{name: "subject garbage", args: subject("proxy.example.com"), code: exitUsage,
			want: []string{"--subject"}},
		{name: "ca-cert not a certificate", args: flags("request", "--ca-cert", "{req}", "--cn", proxyCN, "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"proxy.req", "not a", "CERTIFICATE"}},
		{name: "ca-cert garbage", setup: func(t *testing.T, f *fixture) { writeFile(t, f.path("junk.pem"), "junk\n") },
			args: flags("request", "--ca-cert", "{dir}/junk.pem", "--cn", proxyCN, "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"junk.pem", "not a certificate"}},
		{name: "ca-cert missing", args: flags("request", "--ca-cert", "{dir}/nope.pem", "--cn", proxyCN, "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"nope.pem", "no such file"}},
		{name: "ca-cert without cn", args: flags("request", "--ca-cert", "{ca}", "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--ca-cert", "--cn"}},
		{name: "cn bad", args: flags("request", "--ca-cert", "{ca}", "--cn", "a/b\x01", "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"CN", "control character"}},
		{name: "subject and ca-cert", args: flags("request", "--subject", proxySubject, "--ca-cert", "{ca}", "--cn", proxyCN, "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--subject", "--ca-cert", "can't be used together"}},
		{name: "subject and cn", args: flags("request", "--subject", proxySubject, "--cn", proxyCN, "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--ca-cert and --cn must be used together"}},
		{name: "no subject", args: flags("request", "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--subject", "--ca-cert"}},
		{name: "san empty DNS", args: flags("request", "--subject", proxySubject, "--san", "DNS:", "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"--san", `"DNS:"`}},
		{name: "san unknown type", args: flags("request", "--subject", proxySubject, "--san", "FOO:bar", "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"--san", `"FOO:bar"`, "unknown type"}},
		{name: "san bad IP", args: flags("request", "--subject", proxySubject, "--san", "IP:999.1.1.1", "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"--san", "999.1.1.1", "IP address"}},
		{name: "key not a key", args: flags("request", "--subject", proxySubject, "--key", "{req}", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"proxy.req", "not a private key"}},
		{name: "key missing", args: flags("request", "--subject", proxySubject, "--key", "{dir}/nope.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"nope.key", "no such file"}},
		{name: "encrypted PKCS#8 key without passphrase", setup: encrypt("pkey"),
			args: flags("request", "--subject", proxySubject, "--key", "{dir}/enc.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"enc.key", "encrypted", "passphrase"}, secrets: []string{testPassphrase}},
		{name: "encrypted PKCS#8 key wrong passphrase", setup: encrypt("pkey"),
			args: flags("request", "--subject", proxySubject, "--key", "{dir}/enc.key", "--passphrase-file", "{dir}/wrongpass", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"enc.key", "passphrase"}, secrets: []string{testPassphrase}},
		{name: "encrypted PKCS#1 key without passphrase", setup: encrypt("rsa", "-traditional"),
			args: flags("request", "--subject", proxySubject, "--key", "{dir}/enc.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"enc.key", "encrypted", "passphrase"}, secrets: []string{testPassphrase}},
		{name: "encrypted PKCS#1 key wrong passphrase", setup: encrypt("rsa", "-traditional"),
			args: flags("request", "--subject", proxySubject, "--key", "{dir}/enc.key", "--passphrase-file", "{dir}/wrongpass", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"enc.key", "passphrase"}, secrets: []string{testPassphrase}},
		{name: "weak key", setup: func(t *testing.T, f *fixture) { openssl(t, "genrsa", "-out", f.path("weak.key"), "1024") },
			args: flags("request", "--subject", proxySubject, "--key", "{dir}/weak.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"weak.key", "1024", "too small"}},
		{name: "ed25519 key", setup: func(t *testing.T, f *fixture) {
			openssl(t, "genpkey", "-algorithm", "ed25519", "-out", f.path("ed.key"))
		},
			args: flags("request", "--subject", proxySubject, "--key", "{dir}/ed.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"ed.key", "not supported"}},
		{name: "out directory missing with keyout", args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/new.key", "--out", "{dir}/nodir/new.req"),
			code: exitError, want: []string{"nodir/new.req", "does not exist"}},
		{name: "keyout directory missing", args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/nodir/new.key", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"nodir/new.key", "does not exist"}},
		{name: "out exists with keyout", args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/new.key", "--out", "{req}"),
			code: exitError, want: []string{"proxy.req", "--force", "exists"}},
		{name: "keyout exists", args: flags("request", "--subject", proxySubject, "--keyout", "{key}", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"proxy.key", "--force", "exists"}},
		{name: "keyout and out the same file", args: flags("request", "--force", "--subject", proxySubject, "--keyout", "{req}", "--out", "{req}"),
			code: exitUsage, want: []string{"proxy.req", "same file"}},
		// Another spelling of the same file: the request went over the new
		// key, and the key was lost.
		{name: "keyout and out the same file via dot", args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/new.key", "--out", "{dir}/./new.key"),
			code: exitUsage, want: []string{"new.key", "same file"}},
		{name: "keyout and out the same file via dot-dot", setup: func(t *testing.T, f *fixture) { mkdirs(t, f.path("sub")) },
			args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/sub/../new.key", "--out", "{dir}/new.key"),
			code: exitUsage, want: []string{"new.key", "same file"}},
		{name: "keyout and out the same file via a linked directory", setup: func(t *testing.T, f *fixture) {
			mkdirs(t, f.path("real"))
			pkitest.ReplaceWithSymlink(t, f.path("alias"), "real")
		},
			args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/real/new.key", "--out", "{dir}/alias/new.key"),
			code: exitUsage, want: []string{"new.key", "same file"}},
		{name: "keyout and out the same existing file with force", args: flags("request", "--force", "--subject", proxySubject, "--keyout", "{key}", "--out", "{dir}//proxy.key"),
			code: exitUsage, want: []string{"proxy.key", "same file"}},
		// An output over an input: the request went over the key it was
		// made with, and --force kept only a backup of the key.
		{name: "out over the key", args: flags("request", "--force", "--subject", proxySubject, "--key", "{key}", "--out", "{dir}/./proxy.key"),
			code: exitUsage, want: []string{"--out", "is the --key file"}},
		{name: "keyout over the CA certificate", args: flags("request", "--force", "--ca-cert", "{ca}", "--cn", proxyCN, "--keyout", "{ca}", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--keyout", "is the --ca-cert file"}},
		{name: "keyout bits 1024", args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/new.key", "--bits", "1024", "--out", "{dir}/new.req"),
			code: exitError, want: []string{"--bits", "1024", "too small"}},
		{name: "keyout empty", args: flags("request", "--subject", proxySubject, "--keyout", "", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--keyout", "empty"}},
		{name: "key empty", args: flags("request", "--subject", proxySubject, "--key", "", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--key", "empty"}},
		{name: "out empty", args: flags("request", "--subject", proxySubject, "--key", "{key}", "--out", ""),
			code: exitUsage, want: []string{"--out", "empty"}},
		{name: "passphrase file flag empty", args: flags("request", "--subject", proxySubject, "--keyout", "{dir}/new.key", "--passphrase-file", "", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--passphrase-file", "empty"}},
		{name: "key and keyout", args: flags("request", "--subject", proxySubject, "--key", "{key}", "--keyout", "{dir}/new.key", "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"--key", "--keyout"}},
		{name: "neither key nor keyout", args: flags("request", "--subject", proxySubject, "--out", "{dir}/new.req"),
			code: exitUsage, want: []string{"missing", "one of --key=FILE or --keyout=FILE"}},
		{name: "out missing", args: flags("request", "--subject", proxySubject, "--key", "{key}"),
			code: exitUsage, want: []string{"missing --out"}},
	})
}

// TestRequestNoKeyLeftBehind checks the case the bad input table shows
// only as "nothing created": the key generated for a request that cannot be
// written must not be left behind, not even as a temporary file.
func TestRequestNoKeyLeftBehind(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, "request", "--subject", proxySubject, "--keyout", filepath.Join(dir, "proxy.key"),
		"--out", filepath.Join(dir, "nodir", "proxy.req"))
	if r.code != exitError {
		t.Fatalf("request into a missing directory:\n%s", r)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
}

// mkdirs makes the directories paths, 0755.
func mkdirs(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
