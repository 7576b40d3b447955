package main

import (
	"crypto/x509"
	"encoding/asn1"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// The hostile-input corpus: testdata/bad/, made by testdata/bad/generate.sh
// and described file by file in testdata/bad/README.md.
const badCorpus = "../../testdata/bad"

// secretMarker is in testdata/bad/secret.txt, text.txt and
// database-long-field.txt: no output of any command may ever show it.
const secretMarker = "PKIENROLL-SECRET-MARKER-3f9c2e"

// hostileCase is one run of a command on broken or hostile input.
type hostileCase struct {
	name string
	// file is the corpus file the row feeds to the command ("" for rows
	// whose hostile input is a flag value); none of its lines may show.
	file  string
	setup func(t *testing.T, f *fixture)
	// args may use {bad} (the corpus directory) and {big} (a 20 MiB file)
	// beside the placeholders of flags().
	args []string
	code int      // exitError, exitUsage, or exitCheckFailed for a check that ran and failed
	want []string // substrings of the one line on stderr
	// skipRoot marks rows that rely on file permissions, which root ignores.
	skipRoot bool
}

// row is a hostileCase reading corpus file file through args.
func row(name, file string, code int, want []string, args ...string) hostileCase {
	return hostileCase{name: name, file: file, code: code, want: want, args: args}
}

// flagRow is a hostileCase whose hostile input is in args.
func flagRow(name string, code int, want []string, args ...string) hostileCase {
	return hostileCase{name: name, code: code, want: want, args: args}
}

// with adds a setup to a row.
func (c hostileCase) with(setup func(t *testing.T, f *fixture)) hostileCase {
	c.setup = setup
	return c
}

// corpusPath is the absolute path of a corpus file.
func corpusPath(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(badCorpus)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// install copies corpus file name over rel in the fixture's PKI directory.
func install(name, rel string) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		t.Helper()
		dst := filepath.Join(f.pki, rel)
		_ = os.Remove(dst)
		if err := pkitest.CopyFile(corpusPath(t, name), dst); err != nil {
			t.Fatal(err)
		}
	}
}

// linkToSecret replaces rel (in the fixture's scratch directory) with a
// symbolic link to a copy of secret.txt, which must stay as it is.
func linkToSecret(rel string) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		t.Helper()
		secret := f.path("secret.txt")
		if err := pkitest.CopyFile(corpusPath(t, "secret.txt"), secret); err != nil {
			t.Fatal(err)
		}
		link := f.path(rel)
		_ = os.Remove(link)
		if err := os.Symlink(secret, link); err != nil {
			t.Fatal(err)
		}
	}
}

// chmod sets the mode of rel in the fixture's scratch directory.
func chmod(rel string, mode os.FileMode) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		t.Helper()
		if err := os.Chmod(f.path(rel), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// signProxy issues certs/proxy.cer in the fixture, for rows that check it.
func signProxy(t *testing.T, f *fixture) {
	t.Helper()
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
}

var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
)

// bigFile is a 20 MiB file, sparse after a PEM header, made once at test
// time rather than committed: larger than every reader's limit (the largest,
// for CRLs, is 16 MiB).
func bigFile(t *testing.T) string {
	t.Helper()
	bigOnce.Do(func() {
		bigPath = filepath.Join(tmpRoot, "big", "20MiB.pem")
		if bigErr = os.MkdirAll(filepath.Dir(bigPath), 0o755); bigErr != nil {
			return
		}
		var f *os.File
		if f, bigErr = os.Create(bigPath); bigErr != nil {
			return
		}
		defer f.Close()
		if _, bigErr = f.WriteString("-----BEGIN CERTIFICATE-----\n"); bigErr == nil {
			bigErr = f.Truncate(20 << 20)
		}
	})
	if bigErr != nil {
		t.Fatal(bigErr)
	}
	return bigPath
}

// bigRequest writes a 70 KiB requests/proxy.req: the proxy's request
// followed by padding, past the 64 KiB limit of a request.
func bigRequest(t *testing.T, f *fixture) {
	t.Helper()
	writeFile(t, filepath.Join(f.pki, "requests", "proxy.req"), pkitest.ReadFile(t, f.req)+strings.Repeat("QUFB\n", 70<<10/5))
}

// bigPassphrase writes a 70 KiB passphrase file, past the 64 KiB limit.
func bigPassphrase(t *testing.T, f *fixture) {
	t.Helper()
	writeFile(t, f.path("pass.txt"), strings.Repeat("p", 70<<10)+"\n")
}

// disclosures are the strings of a corpus file that must never show in
// output: the secret marker, and every line long enough to be telling (PEM
// armour aside, which names a type and which checkNoSecrets handles).
func disclosures(t *testing.T, file string) []string {
	t.Helper()
	out := []string{secretMarker}
	if file == "" {
		return out
	}
	data, err := os.ReadFile(corpusPath(t, file))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}

// checkHostile runs each case on a fresh fixture and checks that it fails
// cleanly: the exit code asked for, exactly one line on stderr that starts
// with "pkienroll: " and names the problem, nothing on stdout unless checks
// ran (exit 2), no panic, none of the input's content and no key material
// in any output, and the scratch directory (which holds the PKI directory)
// byte-identical afterwards.
func checkHostile(t *testing.T, cases []hostileCase) {
	t.Helper()
	root := os.Geteuid() == 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.skipRoot && root {
				t.Skip("root ignores file permissions")
			}
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			before := pkitest.Snapshot(t, f.dir)
			r := strings.NewReplacer("{bad}", corpusPath(t, ""), "{big}", bigFileIfUsed(t, tc.args))
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = r.Replace(a)
			}
			args = flags(args...)(f)
			res := runCLI(t, args...)
			t.Logf("stderr: %s", res.stderr)
			if res.code != tc.code || res.code == exitOK {
				t.Errorf("pkienroll %s: exit %d, want %d", strings.Join(args, " "), res.code, tc.code)
			}
			if res.code != exitCheckFailed && res.stdout != "" {
				t.Errorf("stdout is not empty: %q", res.stdout)
			}
			assertOneErrorLine(t, res.stderr, tc.want...)
			output := res.stdout + res.stderr
			if strings.Contains(output, "panic") || strings.Contains(output, "goroutine ") {
				t.Errorf("output shows a panic:\n%s", output)
			}
			checkNoSecrets(t, output)
			checkNoKeyLines(t, output, before)
			for _, s := range disclosures(t, tc.file) {
				if strings.Contains(output, s) {
					t.Errorf("output shows content of %s: %q", tc.file, s)
				}
			}
			pkitest.AssertUnchanged(t, f.dir, before)
		})
	}
}

// bigFileIfUsed makes the big file only for the rows that name it.
func bigFileIfUsed(t *testing.T, args []string) string {
	t.Helper()
	for _, a := range args {
		if strings.Contains(a, "{big}") {
			return bigFile(t)
		}
	}
	return "{big}"
}

// hostileCases is the table of TestHostileInput, by command.
func hostileCases() []hostileCase {
	const (
		E = exitError
		U = exitUsage
		C = exitCheckFailed
	)
	notCert := []string{"read certificate", "not a certificate"}
	notReq := []string{"read request", "requests/proxy.req", "invalid certificate request"}
	notKey := []string{"read key", "not a private key"}
	badStore := []string{"invalid pki directory"}
	var cases []hostileCase

	// subject --cert: the certificate reader.
	for _, file := range []string{"empty.pem", "whitespace.pem", "random.bin", "nul-bytes.bin", "text.txt", "secret.txt",
		"cert-truncated.pem", "cert-no-end.pem", "cert-bad-base64.pem", "cert-bad-der.pem", "cert-truncated.der",
		"cert-trailing.der", "der-overlong.der", "der-indefinite.der"} {
		cases = append(cases, row("subject cert "+file, file, E, append(notCert, file), "subject", "--cert", "{bad}/"+file))
	}
	cases = append(cases,
		row("subject cert pkcs7.pem", "pkcs7.pem", E, append(notCert, `"PKCS7"`), "subject", "--cert", "{bad}/pkcs7.pem"),
		row("subject cert is a key", "leaf.key", E, append(notCert, `"PRIVATE KEY"`), "subject", "--cert", "{bad}/leaf.key"),
		row("subject cert is a request", "good.req", E, append(notCert, `"CERTIFICATE REQUEST"`), "subject", "--cert", "{bad}/good.req"),
		row("subject cert 20 MiB", "", E, []string{"20MiB.pem", "larger than"}, "subject", "--cert", "{big}"),
		row("subject cert is a directory", "", E, []string{"is a directory"}, "subject", "--cert", "{pki}"),
		row("subject cert missing", "", E, []string{"nope.pem", "no such file"}, "subject", "--cert", "{dir}/nope.pem"),
		flagRow("subject unknown attribute", U, []string{"--subject", "XX"}, "subject", "--subject", "/XX=1"),
		flagRow("subject NUL", U, []string{"--subject"}, "subject", "--subject", "/CN=a\x00b"),
		flagRow("subject escape sequence", U, []string{"--subject", `\x1b`}, "subject", "--subject", "/CN=x\x1b[31mred"),
		flagRow("subject CN too long", U, []string{"--subject", "CN"}, "subject", "--subject", "/CN="+strings.Repeat("a", 65)),
		flagRow("subject country of three letters", U, []string{"--subject", "C"}, "subject", "--subject", "/C=USA/CN=x"),
		flagRow("subject empty value", U, []string{"--subject"}, "subject", "--subject", "/CN="),
		flagRow("subject no attribute", U, []string{"--subject"}, "subject", "--subject", "just text"),
		flagRow("subject cn control character", E, []string{"derive subject", "control character"}, "subject", "--cert", "{ca}", "--cn", "proxy\nexample.com"),
		flagRow("subject format unknown", U, []string{"--format"}, "subject", "--subject", proxySubject, "--format", "xml"),
	)

	// request: --ca-cert, --key, --passphrase-file, --san, --out.
	reqKey := func(name, file string, want []string, extra ...string) hostileCase {
		args := append([]string{"request", "--subject", proxySubject, "--key", "{bad}/" + file, "--out", "{dir}/out.req"}, extra...)
		return row(name, file, E, want, args...)
	}
	cases = append(cases,
		row("request ca-cert truncated", "cert-truncated.pem", E, notCert,
			"request", "--ca-cert", "{bad}/cert-truncated.pem", "--cn", proxyCN, "--key", "{key}", "--out", "{dir}/out.req"),
		row("request ca-cert is a CRL", "ca.crl", E, append(notCert, `"X509 CRL"`),
			"request", "--ca-cert", "{bad}/ca.crl", "--cn", proxyCN, "--key", "{key}", "--out", "{dir}/out.req"),
		row("request ca-cert is a public key", "public-key.pem", E, append(notCert, `"PUBLIC KEY"`),
			"request", "--ca-cert", "{bad}/public-key.pem", "--cn", proxyCN, "--key", "{key}", "--out", "{dir}/out.req"),
		reqKey("request key RSA 1024", "rsa1024.key", []string{"1024-bit", "too small"}),
		reqKey("request key P-224", "p224.key", []string{"P-224", "not supported"}),
		reqKey("request key Ed25519", "ed25519.key", []string{"Ed25519", "not supported"}),
		reqKey("request key DSA", "dsa.key", notKey),
		reqKey("request key encrypted no passphrase", "key-encrypted.pem", []string{"encrypted", "no passphrase"}),
		reqKey("request key wrong passphrase", "key-encrypted.pem", []string{"cannot decrypt"}, "--passphrase-file", "{bad}/passphrase-wrong.txt"),
		reqKey("request passphrase first line empty", "passphrase-first-line-empty.txt", []string{"first line is empty"},
			"--passphrase-file", "{bad}/passphrase-first-line-empty.txt"),
		reqKey("request key is a public key", "public-key.pem", append(notKey, `"PUBLIC KEY"`)),
		reqKey("request key EC parameters only", "ec-params-only.pem", notKey),
		reqKey("request key malformed PKCS8", "key-malformed.pem", append(notKey, "malformed")),
		reqKey("request key malformed PKCS1", "key-malformed-pkcs1.pem", append(notKey, "malformed")),
		reqKey("request key truncated", "key-truncated.pem", notKey),
		reqKey("request key bad base64", "key-bad-base64.pem", notKey),
		reqKey("request key is a certificate", "ca.pem", append(notKey, `"CERTIFICATE"`)),
		reqKey("request key is text", "text.txt", notKey),
		reqKey("request key random", "random.bin", notKey),
		row("request key 20 MiB", "", E, []string{"larger than"}, "request", "--subject", proxySubject, "--key", "{big}", "--out", "{dir}/out.req"),
		flagRow("request passphrase 70 KiB", E, []string{"pass.txt", "larger than"},
			"request", "--subject", proxySubject, "--key", "{key}", "--out", "{dir}/out.req", "--passphrase-file", "{dir}/pass.txt").with(bigPassphrase),
		flagRow("request out directory missing", E, []string{"nodir", "does not exist"},
			"request", "--subject", proxySubject, "--key", "{key}", "--out", "{dir}/nodir/out.req"),
		flagRow("request out below a file", E, []string{"proxy.key/out.req"},
			"request", "--subject", proxySubject, "--key", "{key}", "--out", "{key}/out.req"),
		flagRow("request out is a symlink", E, []string{"out.req", "symbolic link"},
			"request", "--subject", proxySubject, "--key", "{key}", "--out", "{dir}/out.req", "--force").with(linkToSecret("out.req")),
		flagRow("request keyout is a symlink", E, []string{"new.key", "symbolic link"},
			"request", "--subject", proxySubject, "--keyout", "{dir}/new.key", "--out", "{dir}/out.req", "--force").with(linkToSecret("new.key")),
		flagRow("request out in an unwritable directory", E, []string{"permission denied"},
			"request", "--subject", proxySubject, "--key", "{key}", "--out", "{dir}/ro/out.req").with(func(t *testing.T, f *fixture) {
			if err := os.Mkdir(f.path("ro"), 0o555); err != nil {
				t.Fatal(err)
			}
		}),
	)
	cases[len(cases)-1].skipRoot = true
	for _, san := range []string{"DNS:", "DNS:-bad-.example.com", "DNS:a b.example.com", "IP:999.1.1.1", "IP:fe80::1%eth0",
		"foo:bar", "email:nobody", "URI:relative/path", "proxy.example.com"} {
		cases = append(cases, flagRow("request san "+san, E, []string{"--san", "invalid subject alternative name"},
			"request", "--subject", proxySubject, "--key", "{key}", "--out", "{dir}/out.req", "--san", san))
	}

	// keygen: outputs and passphrase files.
	cases = append(cases,
		row("keygen passphrase first line empty", "passphrase-first-line-empty.txt", E, []string{"first line is empty"},
			"keygen", "--out", "{dir}/new.key", "--passphrase-file", "{bad}/passphrase-first-line-empty.txt"),
		flagRow("keygen passphrase 70 KiB", E, []string{"larger than"},
			"keygen", "--out", "{dir}/new.key", "--passphrase-file", "{dir}/pass.txt").with(bigPassphrase),
		flagRow("keygen out below a file", E, []string{"proxy.key/new.key"}, "keygen", "--out", "{key}/new.key"),
		flagRow("keygen out is a symlink to a secret", E, []string{"new.key", "symbolic link"},
			"keygen", "--force", "--out", "{dir}/new.key").with(linkToSecret("new.key")),
		flagRow("keygen bits 1024", E, []string{"--bits", "too small"}, "keygen", "--out", "{dir}/new.key", "--bits", "1024"),
		flagRow("keygen bits not a number", U, []string{"--bits"}, "keygen", "--out", "{dir}/new.key", "--bits", "2k"),
	)

	// sign: the request file requests/proxy.req.
	for _, file := range []string{"empty.pem", "whitespace.pem", "random.bin", "nul-bytes.bin", "text.txt", "der-overlong.der",
		"der-indefinite.der", "req-truncated.pem", "req-bad-base64.pem", "req-cert-inside.pem", "req-trailing.der"} {
		cases = append(cases, row("sign request "+file, file, E, notReq, "sign", "--pki-dir", "{pki}", "--name", "proxy").
			with(install(file, "requests/proxy.req")))
	}
	signReq := func(file string, want ...string) hostileCase {
		return row("sign request "+file, file, E, append([]string{"requests/proxy.req"}, want...), "sign", "--pki-dir", "{pki}", "--name", "proxy").
			with(install(file, "requests/proxy.req"))
	}
	cases = append(cases,
		signReq("req-tampered-signature.req", "signature does not verify"),
		signReq("req-tampered-subject.req", "signature does not verify"),
		signReq("req-rsa1024.req", "1024-bit", "too small"),
		signReq("req-p224.req", "P-224", "not supported"),
		signReq("req-ed25519.req", "Ed25519", "not supported"),
		signReq("req-control-char.req", "control character", "invalid subject"),
		signReq("req-empty-subject.req", "has an empty subject (openssl req -subj /)", "(give one with --subject)"),
		// Names in the request: each refused by the one set of name rules
		// (pki/validate.go), named escaped.
		signReq("req-san-bare-wildcard.req", `DNS name "*"`, "wildcard", "invalid subject alternative name"),
		signReq("req-san-nul.req", `"www.bank.example\x00.evil.example"`, "invalid subject alternative name"),
		signReq("req-san-space.req", `"proxy example.com"`, "' ' is not allowed", "invalid subject alternative name"),
		signReq("req-san-esc.req", `"\x1b[2Jproxy.example.com"`, "invalid subject alternative name"),
		signReq("req-san-osc.req", `"\x1b]0;pwned\aproxy.example.com"`, "invalid subject alternative name"),
		signReq("req-san-empty-label.req", `"proxy..example.com"`, "empty label", "invalid subject alternative name"),
		signReq("req-san-multi-wildcard.req", `"*.*.example.com"`, "wildcard", "invalid subject alternative name"),
		signReq("req-san-tld-wildcard.req", `"*.com"`, "at least two labels", "invalid subject alternative name"),
		signReq("req-san-trailing-dot.req", `"proxy.example.com."`, "ends with a dot", "invalid subject alternative name"),
		signReq("req-san-underscore.req", `"proxy_1.example.com"`, "'_' is not allowed", "invalid subject alternative name"),
		signReq("req-san-long-label.req", "longer than 253", "invalid subject alternative name"),
		signReq("req-san-email-bad.req", `email address "ops@exa mple.com"`, "invalid subject alternative name"),
		signReq("req-san-uri-relative.req", `URI "/ovirt-engine"`, "not absolute", "invalid subject alternative name"),
		signReq("req-san-uri-control.req", "malformed request"), // Go's parser refuses it already
		signReq("req-subject-country-lowercase.req", `"us" is not a country code`, "invalid subject"),
		signReq("req-subject-cn-wildcard.req", "subject CN", `DNS name "*"`, "invalid subject"),
		signReq("req-subject-cn-trailing-dot.req", "subject CN", "ends with a dot", "invalid subject"),
		signReq("req-subject-email-bad.req", "emailAddress", `"not-an-address"`, "invalid subject"),
		signReq("ca.crl", `"X509 CRL"`),
		signReq("leaf.key", `"PRIVATE KEY"`),
		signReq("ca.pem", `"CERTIFICATE"`),
		row("sign request 70 KiB", "", E, []string{"requests/proxy.req", "larger than 65536 bytes"},
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(bigRequest),
		row("sign request is a symlink to a secret", "secret.txt", E, []string{"requests/proxy.req", "symbolic link"},
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(linkToSecret("pki/requests/proxy.req")),
		row("sign request is a directory", "", E, []string{"requests/proxy.req", "is a directory"},
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(func(t *testing.T, f *fixture) {
			_ = os.Remove(filepath.Join(f.pki, "requests", "proxy.req"))
			if err := os.Mkdir(filepath.Join(f.pki, "requests", "proxy.req"), 0o755); err != nil {
				t.Fatal(err)
			}
		}),
		row("sign request missing", "", E, []string{"requests/nope.req", "no such file"}, "sign", "--pki-dir", "{pki}", "--name", "nope"),
	)
	// sign: the store's own files.
	signStore := func(name, file, rel string, want ...string) hostileCase {
		return row(name, file, E, want, "sign", "--pki-dir", "{pki}", "--name", "proxy").with(install(file, rel))
	}
	cases = append(cases,
		signStore("sign serial not hex", "serial-not-hex.txt", "serial.txt", append(badStore, "serial.txt", "not hexadecimal")...),
		signStore("sign serial zero", "serial-zero.txt", "serial.txt", append(badStore, "not positive")...),
		signStore("sign serial too long", "serial-too-long.txt", "serial.txt", append(badStore, "1 to 40")...),
		signStore("sign serial 21 octets", "serial-21-octets.txt", "serial.txt", append(badStore, "20 octets")...),
		signStore("sign serial passes 20 octets", "serial-20-octets-last.txt", "serial.txt", append(badStore, "20 octets")...),
		signStore("sign serial negative", "serial-negative.txt", "serial.txt", append(badStore, "not hexadecimal")...),
		signStore("sign serial random bytes", "random.bin", "serial.txt", append(badStore, "(1024 bytes)", "1 to 40")...),
		signStore("sign serial empty", "empty.pem", "serial.txt", append(badStore, "1 to 40")...),
		signStore("sign CA key of another CA", "ca.key", "private/ca.pem", "private/ca.pem", "does not match"),
		signStore("sign CA key encrypted", "key-encrypted.pem", "private/ca.pem", "private/ca.pem", "no passphrase"),
		signStore("sign CA key random", "random.bin", "private/ca.pem", "private/ca.pem", "not a private key"),
		signStore("sign CA key RSA 1024", "rsa1024.key", "private/ca.pem", "private/ca.pem", "too small"),
		signStore("sign CA certificate is a leaf", "leaf.cer", "ca.pem", "ca.pem", "is not a CA"),
		signStore("sign CA certificate truncated", "cert-truncated.pem", "ca.pem", append(badStore, "ca.pem")...),
		signStore("sign CA certificate empty", "empty.pem", "ca.pem", append(badStore, "ca.pem")...),
		row("sign serial.txt 2 KiB", "", E, append(badStore, "serial.txt", "larger than 1024 bytes"),
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(func(t *testing.T, f *fixture) {
			writeFile(t, filepath.Join(f.pki, "serial.txt"), strings.Repeat("10", 1024)+"\n")
		}),
		row("sign certificate is a symlink to a secret", "", E, []string{"certs/proxy.cer", "symbolic link"},
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(linkToSecret("pki/certs/proxy.cer")),
		row("sign serial.txt is a symlink to a secret", "", E, []string{"serial.txt", "symbolic link"},
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(linkToSecret("pki/serial.txt")),
		row("sign database.txt is a symlink to a secret", "", E, []string{"database.txt", "symbolic link"},
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(linkToSecret("pki/database.txt")),
		row("sign into an unwritable certs directory", "", E, []string{"permission denied"},
			"sign", "--pki-dir", "{pki}", "--name", "proxy").with(chmod("pki/certs", 0o555)),
	)
	cases[len(cases)-1].skipRoot = true
	// sign: flag values.
	for _, name := range []string{"../proxy", "proxy/../../etc/x", "/etc/passwd", "..", ".", ".hidden", " proxy", "proxy ",
		"pro\nxy", "pro\x1b[2Jxy", "prox\ty", "café", "-proxy", "proxy*", strings.Repeat("a", 129), strings.Repeat("a", 100000)} {
		cases = append(cases, flagRow("sign name "+strings.ToValidUTF8(strings.Map(visible, name[:min(len(name), 20)]), "?"), E,
			[]string{"invalid name"}, "sign", "--pki-dir", "{pki}", "--name="+name))
	}
	signFlag := func(name string, code int, want []string, extra ...string) hostileCase {
		return flagRow(name, code, want, append([]string{"sign", "--pki-dir", "{pki}", "--name", "proxy"}, extra...)...)
	}
	cases = append(cases,
		signFlag("sign days 0", U, []string{"--days 0", "2..36500"}, "--days", "0"),
		signFlag("sign days negative", U, []string{"--days -1", "2..36500"}, "--days=-1"),
		signFlag("sign days 36501", U, []string{"--days 36501"}, "--days", "36501"),
		signFlag("sign days not a number", U, []string{"--days"}, "--days", "abc"),
		signFlag("sign days float", U, []string{"--days"}, "--days", "1e3"),
		signFlag("sign days overflow", U, []string{"--days"}, "--days", "99999999999999999999"),
		signFlag("sign days empty", U, []string{"--days"}, "--days", ""),
		signFlag("sign days octal", U, []string{"--days", "leading zero"}, "--days", "010"),
		signFlag("sign days hexadecimal", U, []string{"--days", "decimal"}, "--days", "0x10"),
		signFlag("sign days 1", U, []string{"days 1", "expired when issued"}, "--days", "1"),
		signFlag("sign ku keyCertSign", E, []string{"keyCertSign", "invalid key usage"}, "--ku", "digitalSignature,keyCertSign"),
		signFlag("sign ku cRLSign", E, []string{"cRLSign", "invalid key usage"}, "--ku", "cRLSign"),
		signFlag("sign ku encipherOnly alone", E, []string{"encipherOnly", "keyAgreement"}, "--ku", "encipherOnly"),
		signFlag("sign ku keyAgreement on RSA", E, []string{"keyAgreement", "RSA"}, "--ku", "digitalSignature,keyAgreement"),
		signFlag("sign ku empty item", E, []string{"--ku", "item 2 is empty"}, "--ku", "digitalSignature,,"),
		signFlag("sign eku empty item", E, []string{"--eku", "item 2 is empty"}, "--eku", "serverAuth,"),
		signFlag("sign eku anyExtendedKeyUsage", E, []string{"anyExtendedKeyUsage", "refused"}, "--eku", "serverAuth,anyExtendedKeyUsage"),
		signFlag("sign san empty item", E, []string{"--san"}, "--san", "DNS:proxy.example.com,,"),
		signFlag("sign san trailing dot", E, []string{"--san", "ends with a dot"}, "--san", "DNS:example.com."),
		signFlag("sign san bare wildcard", E, []string{"--san", "wildcard"}, "--san", "DNS:*"),
		signFlag("sign subject country lowercase", U, []string{"--subject", `"us" is not a country code`}, "--subject", "/C=us/CN=proxy.example.com"),
		signFlag("sign subject unknown attribute", U, []string{"--subject", "invalid subject"}, "--subject", "/XX=1"),
		signFlag("sign subject CN too long", U, []string{"--subject"}, "--subject", "/CN="+strings.Repeat("x", 65)),
		signFlag("sign subject control character", U, []string{"--subject", "control character"}, "--subject", "/CN=a\x07b"),
		signFlag("sign ku unknown", E, []string{"--ku", "invalid key usage"}, "--ku", "bogus"),
		signFlag("sign ku semicolons", E, []string{"--ku"}, "--ku", "digitalSignature;keyEncipherment"),
		signFlag("sign ku only commas", E, []string{"--ku", "empty"}, "--ku", ",,,"),
		signFlag("sign ku only critical", E, []string{"--ku", "empty"}, "--ku", "critical"),
		signFlag("sign eku bad OID", E, []string{"--eku", "invalid key usage"}, "--eku", "serverAuth,1.2.x"),
		signFlag("sign eku one arc", E, []string{"--eku"}, "--eku", "1"),
		signFlag("sign eku unknown", E, []string{"--eku"}, "--eku", "bogusAuth"),
		signFlag("sign san bad IP", E, []string{"--san", "IP"}, "--san", "IP:1.2.3"),
		signFlag("sign san unknown type", E, []string{"--san"}, "--san", "otherName:x"),
		signFlag("sign timeout negative", U, []string{"--timeout", "negative"}, "--timeout=-1"),
		signFlag("sign timeout not a number", U, []string{"--timeout"}, "--timeout", "soon"),
		signFlag("sign aia not http", E, []string{"AIA URL"}, "--aia-url", "file:///etc/passwd"),
		signFlag("sign ca-file with a slash", E, []string{"ca file", "invalid name"}, "--ca-file", "../ca"),
		signFlag("sign ca-file unknown", E, []string{"nosuch.pem", "ca init"}, "--ca-file", "nosuch"),
		flagRow("sign pki-dir missing", E, []string{"nope", "no such directory"}, "sign", "--pki-dir", "{dir}/nope", "--name", "proxy"),
		flagRow("sign pki-dir is a file", E, []string{"not a directory"}, "sign", "--pki-dir", "{key}", "--name", "proxy"),
		flagRow("sign pki-dir empty directory", E, []string{"no CA certificate"}, "sign", "--pki-dir", "{dir}/empty", "--name", "proxy").
			with(func(t *testing.T, f *fixture) {
				if err := os.Mkdir(f.path("empty"), 0o755); err != nil {
					t.Fatal(err)
				}
			}),
	)

	// inspect: the reader of every kind.
	for _, file := range []string{"empty.pem", "whitespace.pem", "random.bin", "nul-bytes.bin", "text.txt", "secret.txt",
		"cert-bad-base64.pem", "cert-bad-der.pem", "cert-no-end.pem", "cert-trailing.der", "cert-truncated.der",
		"req-cert-inside.pem", "req-trailing.der", "key-malformed.pem", "key-truncated.pem", "dsa.key", "pkcs7.pem",
		"ec-params-only.pem", "crl-truncated.pem", "crl-bad-base64.pem", "der-overlong.der", "der-indefinite.der",
		"bundle.p12", "p12-truncated.p12", "database-spaces.txt", "serial-not-hex.txt"} {
		cases = append(cases, row("inspect "+file, file, E, []string{"inspect", file}, "inspect", "{bad}/"+file))
	}
	cases = append(cases,
		row("inspect 20 MiB", "", E, []string{"larger than"}, "inspect", "{big}"),
		row("inspect directory", "", E, []string{"is a directory"}, "inspect", "{pki}"),
		row("inspect missing", "", E, []string{"nope", "no such file"}, "inspect", "{dir}/nope"),
	)

	// verify: --ca, --cert, --key, --crl, --at.
	cases = append(cases,
		row("verify ca empty", "empty.pem", E, []string{"read certificates", "not a certificate"}, "verify", "--ca", "{bad}/empty.pem", "--cert", "{ca}"),
		row("verify ca text", "text.txt", E, []string{"read certificates"}, "verify", "--ca", "{bad}/text.txt", "--cert", "{ca}"),
		row("verify ca key only", "leaf.key", E, []string{"read certificates", `"PRIVATE KEY"`}, "verify", "--ca", "{bad}/leaf.key", "--cert", "{ca}"),
		row("verify ca 20 MiB", "", E, []string{"larger than"}, "verify", "--ca", "{big}", "--cert", "{ca}"),
		row("verify cert bad base64", "cert-bad-base64.pem", E, notCert, "verify", "--ca", "{ca}", "--cert", "{bad}/cert-bad-base64.pem"),
		row("verify cert is a request", "good.req", E, notCert, "verify", "--ca", "{ca}", "--cert", "{bad}/good.req"),
		row("verify cert tampered", "cert-tampered.pem", C, []string{"FAILED chain"},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/cert-tampered.pem", "--at", "2026-01-01"),
		row("verify cert of another CA", "leaf.cer", C, []string{"FAILED chain", "another CA"},
			"verify", "--ca", "{ca}", "--cert", "{bad}/leaf.cer", "--at", "2026-01-01"),
		row("verify crl tampered", "crl-tampered.pem", C, []string{"FAILED revocation"},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--crl", "{bad}/crl-tampered.pem", "--at", "2026-01-01"),
		row("verify crl of another CA", "ca.crl", C, []string{"FAILED revocation", "another CA"},
			"verify", "--ca", "{ca}", "--cert", "{pki}/certs/proxy.cer", "--crl", "{bad}/ca.crl").with(signProxy),
		row("verify crl truncated", "crl-truncated.pem", E, []string{"read CRL", "malformed CRL"},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--crl", "{bad}/crl-truncated.pem"),
		row("verify crl bad base64", "crl-bad-base64.pem", E, []string{"read CRL"},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--crl", "{bad}/crl-bad-base64.pem"),
		row("verify crl is a certificate", "ca.pem", E, []string{"read CRL", `"CERTIFICATE"`},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--crl", "{bad}/ca.pem"),
		row("verify crl 20 MiB", "", E, []string{"read CRL", "larger than"},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--crl", "{big}"),
		row("verify key of another certificate", "leaf.key", C, []string{"FAILED key", "does not match"},
			"verify", "--ca", "{ca}", "--cert", "{pki}/certs/proxy.cer", "--key", "{bad}/leaf.key").with(signProxy),
		row("verify key RSA 1024", "rsa1024.key", E, []string{"read key", "too small"},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--key", "{bad}/rsa1024.key"),
		row("verify key wrong passphrase", "key-encrypted.pem", E, []string{"cannot decrypt"},
			"verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--key", "{bad}/key-encrypted.pem", "--passphrase-file", "{bad}/secret.txt"),
		flagRow("verify at not a date", U, []string{"--at"}, "verify", "--ca", "{bad}/ca.pem", "--cert", "{bad}/leaf.cer", "--at", "yesterday"),
	)

	// list, revoke, crl, ca check: database.txt.
	for _, file := range []string{"database-bad-status.txt", "database-five-fields.txt", "database-bad-expiry.txt",
		"database-bad-serial.txt", "database-spaces.txt", "database-bad-revocation.txt", "database-long-field.txt"} {
		want := append([]string{"database.txt", "line 1"}, badStore...)
		cases = append(cases,
			row("list "+file, file, E, want, "list", "--pki-dir", "{pki}").with(install(file, "database.txt")),
			row("revoke "+file, file, E, want, "revoke", "--pki-dir", "{pki}", "--serial", "1001").with(install(file, "database.txt")),
			row("crl "+file, file, E, want, "crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl").with(install(file, "database.txt")),
			row("ca check "+file, file, C, want, "ca", "check", "--pki-dir", "{pki}").with(install(file, "database.txt")),
		)
	}
	cases = append(cases,
		row("list database random", "random.bin", E, append([]string{"database.txt"}, badStore...), "list", "--pki-dir", "{pki}").
			with(install("random.bin", "database.txt")),
		row("list database is a symlink", "", E, []string{"database.txt", "symbolic link"}, "list", "--pki-dir", "{pki}").
			with(linkToSecret("pki/database.txt")),
		flagRow("list expiring bogus", U, []string{"--expiring"}, "list", "--pki-dir", "{pki}", "--expiring", "3x"),
		flagRow("list expiring negative", U, []string{"--expiring"}, "list", "--pki-dir", "{pki}", "--expiring=-5d"),
		flagRow("list status unknown", U, []string{"--status"}, "list", "--pki-dir", "{pki}", "--status", "lost"),
		flagRow("list ca-file unknown", E, []string{"nosuch.pem"}, "list", "--pki-dir", "{pki}", "--ca-file", "nosuch"),
		flagRow("revoke serial not hex", E, []string{"ZZ", "not hexadecimal"}, "revoke", "--pki-dir", "{pki}", "--serial", "ZZ"),
		flagRow("revoke serial with newline", E, []string{"revoke", "serial"}, "revoke", "--pki-dir", "{pki}", "--serial", "10\n00"),
		flagRow("revoke serial unknown", E, []string{"1001", "not found"}, "revoke", "--pki-dir", "{pki}", "--serial", "1001"),
		flagRow("revoke name with a slash", E, []string{"invalid name"}, "revoke", "--pki-dir", "{pki}", "--name", "../proxy"),
		flagRow("revoke reason unknown", U, []string{"reason", "bogus"}, "revoke", "--pki-dir", "{pki}", "--serial", "1001", "--reason", "bogus"),
		flagRow("revoke timeout negative", U, []string{"--timeout"}, "revoke", "--pki-dir", "{pki}", "--serial", "1001", "--timeout=-3"),
		flagRow("crl out directory missing", E, []string{"nodir", "does not exist"}, "crl", "--pki-dir", "{pki}", "--out", "{dir}/nodir/ca.crl"),
		flagRow("crl out is a directory", E, []string{"not a regular file"}, "crl", "--pki-dir", "{pki}", "--out", "{pki}"),
		flagRow("crl out is a symlink to a secret", E, []string{"ca.crl", "symbolic link"}, "crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl").
			with(linkToSecret("ca.crl")),
		flagRow("crl days 0", U, []string{"--days 0"}, "crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl", "--days", "0"),
		flagRow("crl days 36501", U, []string{"--days 36501"}, "crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl", "--days", "36501"),
		flagRow("crl days octal", U, []string{"--days", "leading zero"}, "crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl", "--days", "030"),
		flagRow("crl ca-file unknown", E, []string{"nosuch.pem"}, "crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl", "--ca-file", "nosuch"),
		row("crl CA key random", "random.bin", E, []string{"private/ca.pem", "not a private key"}, "crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl").
			with(install("random.bin", "private/ca.pem")),
	)

	// ca init, renew, check.
	cases = append(cases,
		flagRow("ca init subject unknown attribute", U, []string{"--subject"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", "/XX=1"),
		flagRow("ca init subject empty", U, []string{"--subject"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", "/"),
		flagRow("ca init subject escape", U, []string{"--subject"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", "/CN=\x1b]0;owned\x07"),
		flagRow("ca init days 0", U, []string{"--days 0"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", caSubject, "--days", "0"),
		flagRow("ca init days 36501", U, []string{"--days 36501"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", caSubject, "--days", "36501"),
		flagRow("ca init days hexadecimal", U, []string{"--days", "decimal"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", caSubject, "--days", "0x10"),
		flagRow("ca init days not a number", U, []string{"--days"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", caSubject, "--days", "ten"),
		flagRow("ca init ca-file with a slash", E, []string{"invalid name"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", caSubject, "--ca-file", "../evil"),
		flagRow("ca init ca-file dot dot", E, []string{"invalid name"}, "ca", "init", "--pki-dir", "{dir}/new", "--subject", caSubject, "--ca-file", ".."),
		flagRow("ca init over an existing CA", E, []string{"already exists"}, "ca", "init", "--pki-dir", "{pki}", "--subject", caSubject),
		flagRow("ca init below a file", E, []string{"not a directory"}, "ca", "init", "--pki-dir", "{key}/pki", "--subject", caSubject),
		flagRow("ca init in an unwritable directory", E, []string{"permission denied"}, "ca", "init", "--pki-dir", "{dir}/ro/pki", "--subject", caSubject).
			with(func(t *testing.T, f *fixture) {
				if err := os.Mkdir(f.path("ro"), 0o555); err != nil {
					t.Fatal(err)
				}
			}),
	)
	cases[len(cases)-1].skipRoot = true
	cases = append(cases,
		flagRow("ca renew days 0", U, []string{"--days 0"}, "ca", "renew", "--pki-dir", "{pki}", "--days", "0"),
		flagRow("ca renew ca-file unknown", E, []string{"nosuch.pem"}, "ca", "renew", "--pki-dir", "{pki}", "--ca-file", "nosuch"),
		row("ca renew CA key of another CA", "ca.key", E, []string{"does not match"}, "ca", "renew", "--pki-dir", "{pki}").
			with(install("ca.key", "private/ca.pem")),
		row("ca renew CA key encrypted", "key-encrypted.pem", E, []string{"private/ca.pem", "no passphrase"}, "ca", "renew", "--pki-dir", "{pki}").
			with(install("key-encrypted.pem", "private/ca.pem")),
		row("ca renew CA key truncated", "key-truncated.pem", E, []string{"private/ca.pem", "not a private key"}, "ca", "renew", "--pki-dir", "{pki}").
			with(install("key-truncated.pem", "private/ca.pem")),
		row("ca renew CA certificate is a leaf", "leaf.cer", E, []string{"is not a CA"}, "ca", "renew", "--pki-dir", "{pki}").
			with(install("leaf.cer", "ca.pem")),
		row("ca renew CA key is a symlink", "", E, []string{"private/ca.pem", "symbolic link"}, "ca", "renew", "--pki-dir", "{pki}").
			with(linkToSecret("pki/private/ca.pem")),
		row("ca check CA certificate truncated", "cert-truncated.pem", E, []string{"ca.pem", "not a certificate"}, "ca", "check", "--pki-dir", "{pki}").
			with(install("cert-truncated.pem", "ca.pem")),
		row("ca check serial zero", "serial-zero.txt", C, []string{"serial.txt", "not positive"}, "ca", "check", "--pki-dir", "{pki}").
			with(install("serial-zero.txt", "serial.txt")),
		row("ca check serial random", "random.bin", C, []string{"serial.txt", "(1024 bytes)"}, "ca", "check", "--pki-dir", "{pki}").
			with(install("random.bin", "serial.txt")),
		flagRow("ca check ca-file unknown", E, []string{"nosuch.pem"}, "ca", "check", "--pki-dir", "{pki}", "--ca-file", "nosuch"),
		flagRow("ca check world-writable directory", C, []string{"writable by group or others", "0777"}, "ca", "check", "--pki-dir", "{pki}").
			with(chmod("pki", 0o777)),
		flagRow("ca check world-writable CA key", C, []string{"private/ca.pem", "the CA key", "0666"}, "ca", "check", "--pki-dir", "{pki}").
			with(chmod("pki/private/ca.pem", 0o666)),
	)

	// enroll and pkcs12 extract: bundles and their passwords.
	enroll := func(extra ...string) []string {
		return append([]string{"enroll", "--pki-dir", "{pki}", "--name", "proxy", "--subject", proxySubject,
			"--password-file", "{bad}/passphrase-wrong.txt"}, extra...)
	}
	cases = append(cases,
		row("enroll keep-key bundle random", "random.bin", E, []string{"keys/proxy.p12", "not a PKCS#12 bundle"}, enroll("--keep-key")...).
			with(install("random.bin", "keys/proxy.p12")),
		row("enroll keep-key bundle truncated", "p12-truncated.p12", E, []string{"keys/proxy.p12", "PKCS#12"}, enroll("--keep-key")...).
			with(install("p12-truncated.p12", "keys/proxy.p12")),
		row("enroll keep-key bundle without key", "p12-no-key.p12", E, []string{"keys/proxy.p12", "no private key"},
			"enroll", "--pki-dir", "{pki}", "--name", "proxy", "--subject", proxySubject, "--password-file", "{bad}/bundle-password.txt", "--keep-key").
			with(install("p12-no-key.p12", "keys/proxy.p12")),
		row("enroll keep-key wrong password", "bundle.p12", E, []string{"keys/proxy.p12", "wrong password"}, enroll("--keep-key")...).
			with(install("bundle.p12", "keys/proxy.p12")),
		row("enroll bundle is a symlink to a secret", "", E, []string{"proxy.p12", "symbolic link"}, enroll("--keep-key")...).
			with(linkToSecret("pki/keys/proxy.p12")),
		row("enroll password first line empty", "passphrase-first-line-empty.txt", E, []string{"first line is empty"},
			"enroll", "--pki-dir", "{pki}", "--name", "proxy", "--subject", proxySubject, "--password-file", "{bad}/passphrase-first-line-empty.txt"),
		flagRow("enroll name with a slash", E, []string{"invalid name"}, "enroll", "--pki-dir", "{pki}", "--name", "../proxy",
			"--subject", proxySubject, "--password-file", "{bad}/passphrase-wrong.txt"),
		flagRow("enroll subject unknown attribute", U, []string{"--subject"}, "enroll", "--pki-dir", "{pki}", "--name", "proxy",
			"--subject", "/XX=1", "--password-file", "{bad}/passphrase-wrong.txt"),
		flagRow("enroll days 0", U, []string{"--days 0"}, enroll("--days", "0")...),
		flagRow("enroll password missing", U, []string{"password"}, "enroll", "--pki-dir", "{pki}", "--name", "proxy", "--subject", proxySubject),
	)
	extract := func(in, passin string, extra ...string) []string {
		return append([]string{"pkcs12", "extract", "--in", in, "--passin-file", passin, "--cert", "{dir}/out.cer"}, extra...)
	}
	for _, file := range []string{"random.bin", "p12-truncated.p12", "ca.pem", "empty.pem", "text.txt"} {
		cases = append(cases, row("pkcs12 extract "+file, file, E, []string{"read PKCS#12 bundle", "PKCS#12"},
			extract("{bad}/"+file, "{bad}/passphrase-wrong.txt")...))
	}
	cases = append(cases,
		row("pkcs12 extract bundle without key", "p12-no-key.p12", E, []string{"no private key"},
			extract("{bad}/p12-no-key.p12", "{bad}/bundle-password.txt")...),
		row("pkcs12 extract wrong password", "bundle.p12", E, []string{"wrong password"}, extract("{bad}/bundle.p12", "{bad}/secret.txt")...),
		row("pkcs12 extract 20 MiB", "", E, []string{"larger than"}, extract("{big}", "{bad}/passphrase-wrong.txt")...),
		row("pkcs12 extract key out is a symlink", "", E, []string{"out.key", "symbolic link"},
			"pkcs12", "extract", "--in", "{bad}/bundle.p12", "--passin-file", "{bad}/passphrase-wrong.txt", "--key", "{dir}/out.key", "--force").
			with(linkToSecret("out.key")),
		flagRow("pkcs12 extract name with a slash", E, []string{"invalid name"},
			"pkcs12", "extract", "--pki-dir", "{pki}", "--name", "../../proxy", "--passin-file", "{bad}/passphrase-wrong.txt", "--cert", "-"),
	)
	return cases
}

// visible replaces control characters, for test names.
func visible(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return '?'
	}
	return r
}

// TestHostileInput runs every command that reads input on the corpus of
// testdata/bad and on hostile flag values (see testdata/bad/README.md).
func TestHostileInput(t *testing.T) {
	checkHostile(t, hostileCases())
}

// TestHostileCorpusDocumented: every corpus file is fed to some command and
// listed in testdata/bad/README.md, and the README lists no file that is
// not there.
func TestHostileCorpusDocumented(t *testing.T) {
	entries, err := os.ReadDir(badCorpus)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if e.Name() != "generate.sh" && e.Name() != "README.md" {
			files = append(files, e.Name())
		}
	}
	if len(files) < 40 {
		t.Errorf("the corpus holds %d files, want at least 40", len(files))
	}
	used := map[string]bool{}
	for _, c := range hostileCases() {
		if c.file != "" {
			used[c.file] = true
		}
		for _, a := range c.args {
			if rest, ok := strings.CutPrefix(a, "{bad}/"); ok {
				used[rest] = true
			}
		}
	}
	used["req-ca-rights.req"] = true            // TestHostileRequestForCARights
	used["req-subject-email-no-san.req"] = true // TestHostileRequestEmailInSubject
	readme := pkitest.ReadFile(t, filepath.Join(badCorpus, "README.md"))
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(readme, -1) {
		listed[m[1]] = true
	}
	for _, name := range files {
		if !used[name] {
			t.Errorf("%s: no case of TestHostileInput reads it", name)
		}
		if !listed[name] {
			t.Errorf("%s is not in testdata/bad/README.md", name)
		}
	}
	for name := range listed {
		if !slices.Contains(files, name) {
			t.Errorf("testdata/bad/README.md lists %s, which is not in the corpus", name)
		}
	}
}

// TestHostileRequestEmailInSubject signs a request whose subject has an
// emailAddress and whose SAN lacks it: RFC 5280 4.1.2.6 wants the address
// in the SAN, so signing adds it there, next to the request's DNS name.
func TestHostileRequestEmailInSubject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	install("req-subject-email-no-san.req", "requests/proxy.req")(t, f)
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
	cert := pkitest.ReadCert(t, filepath.Join(f.pki, "certs", "proxy.cer"))
	if !slices.Equal(cert.EmailAddresses, []string{"ops@example.com"}) {
		t.Errorf("email SANs %q, want [ops@example.com]", cert.EmailAddresses)
	}
	if !slices.Equal(cert.DNSNames, []string{"proxy.example.com"}) {
		t.Errorf("DNS SANs %q, want the CN, proxy.example.com", cert.DNSNames)
	}
}

// TestHostileRequestForCARights signs a request that asks for
// basicConstraints CA:TRUE, keyCertSign and name constraints: the
// certificate is a leaf all the same, with the default usages.
func TestHostileRequestForCARights(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	install("req-ca-rights.req", "requests/proxy.req")(t, f)
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
	cert := pkitest.ReadCert(t, filepath.Join(f.pki, "certs", "proxy.cer"))
	if cert.IsCA || !cert.BasicConstraintsValid {
		t.Errorf("basicConstraints: valid %v, CA %v; want a present CA:FALSE", cert.BasicConstraintsValid, cert.IsCA)
	}
	if cert.MaxPathLen > 0 {
		t.Errorf("pathlen %d copied from the request", cert.MaxPathLen)
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment; cert.KeyUsage != want {
		t.Errorf("key usage %b, want %b (digitalSignature, keyEncipherment)", cert.KeyUsage, want)
	}
	if cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		t.Error("the certificate may sign certificates or CRLs")
	}
	nameConstraints := asn1.ObjectIdentifier{2, 5, 29, 30}
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(nameConstraints) {
			t.Error("name constraints copied from the request")
		}
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}) {
		t.Errorf("extended key usage %v, want serverAuth, clientAuth", cert.ExtKeyUsage)
	}
	// openssl agrees: the certificate cannot act as a CA.
	if out := openssl(t, "x509", "-in", filepath.Join(f.pki, "certs", "proxy.cer"), "-noout", "-ext", "basicConstraints"); !strings.Contains(out, "CA:FALSE") {
		t.Errorf("openssl shows the basic constraints as:\n%s", out)
	}
	if problems := runCLI(t, "ca", "check", "--pki-dir", f.pki); problems.code != exitOK {
		t.Errorf("ca check after signing:\n%s", problems)
	}
}
