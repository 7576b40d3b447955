package main

import (
	"crypto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki"
)

// Passwords of the PKCS#12 tests; none may ever show in the output.
const (
	bundlePassword = "bundle pass 1"
	otherPassword  = "not the password"
	keyPassphrase  = "key passphrase 2"
)

// writeSecret writes a one-line password file into the scratch directory.
func writeSecret(t *testing.T, f *fixture, name, secret string) string {
	t.Helper()
	path := f.path(name)
	writeFile(t, path, secret+"\n")
	return path
}

// opensslBundle signs the fixture's request and has openssl export its key
// and certificate (and the CA) into out with password pass.
func opensslBundle(t *testing.T, f *fixture, out, pass string, extra ...string) {
	t.Helper()
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
	args := append([]string{"pkcs12", "-export", "-inkey", f.key, "-in", filepath.Join(f.pki, "certs", "proxy.cer"),
		"-certfile", f.caPEM, "-passout", "pass:" + pass, "-out", out}, extra...)
	openssl(t, args...)
}

// checkKeyOf fails unless the PEM key in keyPath belongs to the certificate
// in certPath.
func checkKeyOf(t *testing.T, keyPath string, passphrase []byte, certPath string) {
	t.Helper()
	key, err := pki.ReadKey(keyPath, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	if !pki.KeyMatches(pkitest.ReadCert(t, certPath).PublicKey, key) {
		t.Errorf("%s is not the key of %s", keyPath, certPath)
	}
}

// TestEnrollPKCS12Flow enrolls a name into a bundle, checks it with openssl,
// extracts key and certificate, and re-issues with --keep-key --legacy.
func TestEnrollPKCS12Flow(t *testing.T) {
	f := newFixture(t)
	pass := writeSecret(t, f, "pass", bundlePassword)
	oldReq := pkitest.ReadFile(t, filepath.Join(f.pki, "requests", "proxy.req"))
	r := runCLI(t, "enroll", "--pki-dir="+f.pki, "--name=proxy", "--subject="+proxySubject,
		"--days=730", "--password-file="+pass)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("enroll:\n%s", r)
	}
	checkNoSecrets(t, r.stderr, bundlePassword)
	for _, w := range []string{"issued certificate", "serial=1001", "wrote bundle"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q does not contain %q", r.stderr, w)
		}
	}
	p12 := filepath.Join(f.pki, "keys", "proxy.p12")
	certPath := filepath.Join(f.pki, "certs", "proxy.cer")
	reqPath := filepath.Join(f.pki, "requests", "proxy.req")
	for path, mode := range map[string]os.FileMode{p12: 0o600, filepath.Join(f.pki, "keys"): 0o755, certPath: 0o644, reqPath: 0o644} {
		if got := fileMode(t, path); got != mode {
			t.Errorf("%s: mode %v, want %v", path, got, mode)
		}
	}
	if b := backups(t, reqPath); len(b) != 1 || pkitest.ReadFile(t, b[0]) != oldReq {
		t.Errorf("backups of the replaced request: %q", b)
	}
	openssl(t, "req", "-in", reqPath, "-verify", "-noout")
	if out := openssl(t, "verify", "-CAfile", f.caPEM, certPath); !strings.Contains(out, ": OK") {
		t.Errorf("openssl verify: %s", out)
	}

	// OpenSSL 3 opens it with its defaults: key, certificate and CA.
	all := openssl(t, "pkcs12", "-in", p12, "-passin", "file:"+pass, "-nodes")
	if strings.Count(all, "BEGIN PRIVATE KEY") != 1 || strings.Count(all, "BEGIN CERTIFICATE") != 2 ||
		!strings.Contains(all, "subject=C = US, O = Example Inc., CN = proxy.example.com") ||
		!strings.Contains(all, "subject=C = US, O = Example Inc., CN = engine.example.com.81108") {
		t.Errorf("openssl pkcs12 -nodes does not show key, certificate and CA:\n%s", all)
	}
	if info := openssl(t, "pkcs12", "-in", p12, "-passin", "file:"+pass, "-info", "-noout"); !strings.Contains(info, "AES-256-CBC") {
		t.Errorf("bundle not encrypted with AES-256:\n%s", info)
	}

	// Extraction: key 0600 in the clear, certificate 0644, and to stdout.
	out := filepath.Join(f.dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	keyOut, certOut := filepath.Join(out, "proxy.key"), filepath.Join(out, "proxy.cer")
	r = runCLI(t, "pkcs12", "extract", "--pki-dir", f.pki, "--name", "proxy", "--passin-file", pass, "--key", keyOut, "--cert", certOut)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("pkcs12 extract:\n%s", r)
	}
	checkNoSecrets(t, r.stderr, bundlePassword)
	if fileMode(t, keyOut) != 0o600 || fileMode(t, certOut) != 0o644 {
		t.Errorf("modes %v %v, want 0600 0644", fileMode(t, keyOut), fileMode(t, certOut))
	}
	if pkitest.ReadFile(t, certOut) != pkitest.ReadFile(t, certPath) {
		t.Error("the extracted certificate is not certs/proxy.cer")
	}
	if !strings.HasPrefix(pkitest.ReadFile(t, keyOut), "-----BEGIN PRIVATE KEY-----") {
		t.Error("the extracted key is not an unencrypted PKCS#8 key")
	}
	checkKeyOf(t, keyOut, nil, certPath)
	stdout := mustRun(t, "-q", "pkcs12", "extract", "--in", p12, "--passin-file", pass, "--cert", "-")
	if stdout != pkitest.ReadFile(t, certPath) {
		t.Errorf("--cert - printed %q", stdout)
	}

	// With a passout the key is encrypted, and openssl opens it.
	t.Setenv("PKIENROLL_TEST_PASSOUT", keyPassphrase)
	encKey := filepath.Join(out, "enc.key")
	mustRun(t, "-q", "pkcs12", "extract", "--in", p12, "--passin-file", pass, "--passout-env", "PKIENROLL_TEST_PASSOUT", "--key", encKey)
	if !strings.HasPrefix(pkitest.ReadFile(t, encKey), "-----BEGIN ENCRYPTED PRIVATE KEY-----") || fileMode(t, encKey) != 0o600 {
		t.Errorf("--passout-env: key is not encrypted PKCS#8 with mode 0600 (mode %v)", fileMode(t, encKey))
	}
	openssl(t, "pkey", "-in", encKey, "-passin", "env:PKIENROLL_TEST_PASSOUT", "-noout")
	checkKeyOf(t, encKey, []byte(keyPassphrase), certPath)

	// --keep-key re-issues with the same key and the next serial; the
	// password on the command line works, with a warning.
	firstCert := pkitest.ReadCert(t, certPath)
	r = runCLI(t, "enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject,
		"--keep-key", "--legacy", "--password", bundlePassword)
	if r.code != 0 {
		t.Fatalf("enroll --keep-key:\n%s", r)
	}
	checkNoSecrets(t, r.stderr, bundlePassword)
	if !strings.Contains(r.stderr, "WARN") || !strings.Contains(r.stderr, "--password-file") {
		t.Errorf("no warning about --password on stderr: %q", r.stderr)
	}
	second := pkitest.ReadCert(t, certPath)
	if second.SerialNumber.Cmp(firstCert.SerialNumber) == 0 || pki.FormatSerial(second.SerialNumber) != "1002" {
		t.Errorf("serial %s after --keep-key, want 1002", pki.FormatSerial(second.SerialNumber))
	}
	if !pki.KeyMatches(second.PublicKey, mustReadKey(t, keyOut)) {
		t.Error("--keep-key changed the key")
	}
	if b := backups(t, p12); len(b) != 1 || fileMode(t, b[0]) != 0o600 {
		t.Errorf("backups of the bundle: %q", b)
	}
	legacyOut := openssl(t, "pkcs12", "-legacy", "-in", p12, "-passin", "file:"+pass, "-nodes")
	if strings.Count(legacyOut, "BEGIN CERTIFICATE") != 2 || !strings.Contains(legacyOut, "BEGIN PRIVATE KEY") {
		t.Errorf("openssl pkcs12 -legacy:\n%s", legacyOut)
	}
	if info := openssl(t, "pkcs12", "-legacy", "-in", p12, "-passin", "file:"+pass, "-info", "-noout"); !strings.Contains(info, "TripleDES") {
		t.Errorf("--legacy bundle not encrypted with 3DES:\n%s", info)
	}
}

// mustReadKey reads an unencrypted key file.
func mustReadKey(t *testing.T, path string) crypto.Signer {
	t.Helper()
	key, err := pki.ReadKey(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestPKCS12ExtractOpenSSLBundles reads what `openssl pkcs12 -export` writes,
// with OpenSSL 3's defaults and with -legacy.
func TestPKCS12ExtractOpenSSLBundles(t *testing.T) {
	for _, extra := range [][]string{nil, {"-legacy"}} {
		t.Run("openssl "+strings.Join(append([]string{"pkcs12 -export"}, extra...), " "), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			in := f.path("openssl.p12")
			opensslBundle(t, f, in, bundlePassword, extra...)
			pass := writeSecret(t, f, "pass", bundlePassword)
			keyOut, certOut := f.path("out.key"), f.path("out.cer")
			r := runCLI(t, "pkcs12", "extract", "--in", in, "--passin-file", pass, "--key", keyOut, "--cert", certOut)
			if r.code != 0 {
				t.Fatalf("pkcs12 extract:\n%s", r)
			}
			checkNoSecrets(t, r.stderr, bundlePassword)
			certPath := filepath.Join(f.pki, "certs", "proxy.cer")
			if pkitest.ReadFile(t, certOut) != pkitest.ReadFile(t, certPath) {
				t.Error("the extracted certificate differs from the one exported")
			}
			if pkitest.ReadFile(t, keyOut) != pkitest.ReadFile(t, f.key) {
				t.Error("the extracted key differs from the one exported")
			}
			// Both to stdout: the key, then the certificate.
			stdout := mustRun(t, "-q", "pkcs12", "extract", "--in", in, "--passin-file", pass, "--key", "-", "--cert", "-")
			if stdout != pkitest.ReadFile(t, f.key)+pkitest.ReadFile(t, certPath) {
				t.Errorf("--key - --cert - printed %q", stdout)
			}
		})
	}
}

// TestEnrollPKCS12BadInput: every refusal is one line that names the file
// or flag, exit 1, and leaves the scratch directory byte-identical.
func TestEnrollPKCS12BadInput(t *testing.T) {
	bundle := func(t *testing.T, f *fixture) {
		opensslBundle(t, f, filepath.Join(f.pki, "keys", "proxy.p12"), bundlePassword)
		writeSecret(t, f, "pass", bundlePassword)
		writeSecret(t, f, "wrong", otherPassword)
	}
	noKeyBundle := func(t *testing.T, f *fixture) {
		mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
		openssl(t, "pkcs12", "-export", "-nokeys", "-in", filepath.Join(f.pki, "certs", "proxy.cer"),
			"-passout", "pass:"+bundlePassword, "-out", filepath.Join(f.pki, "keys", "proxy.p12"))
		writeSecret(t, f, "pass", bundlePassword)
	}
	passFile := func(t *testing.T, f *fixture) { writeSecret(t, f, "pass", bundlePassword) }
	emptyFile := func(t *testing.T, f *fixture) { writeFile(t, f.path("empty"), "\n") }
	enroll := func(extra ...string) func(f *fixture) []string {
		return flags(append([]string{"enroll", "--pki-dir", "{pki}", "--name", "proxy", "--subject", proxySubject}, extra...)...)
	}
	secrets := []string{bundlePassword, otherPassword}
	checkBadInput(t, []badCase{
		{name: "extract with a wrong password", setup: bundle,
			args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "proxy", "--passin-file", "{dir}/wrong", "--key", "{dir}/k", "--cert", "{dir}/c"),
			code: exitError, want: []string{"keys/proxy.p12", "wrong password"}, secrets: secrets},
		{name: "keep key with a wrong password", setup: bundle, args: enroll("--keep-key", "--password-file", "{dir}/wrong"),
			code: exitError, want: []string{"keys/proxy.p12", "wrong password"}, secrets: secrets},
		// keys/NAME.p12 is read as every file of the store is, without
		// following a link (docs/security.md).
		{name: "extract a bundle that is a symbolic link", setup: func(t *testing.T, f *fixture) {
			bundle(t, f)
			if err := os.Rename(filepath.Join(f.pki, "keys", "proxy.p12"), f.path("elsewhere.p12")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(f.path("elsewhere.p12"), filepath.Join(f.pki, "keys", "proxy.p12")); err != nil {
				t.Fatal(err)
			}
		}, args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "proxy", "--passin-file", "{dir}/pass", "--key", "{dir}/k", "--cert", "{dir}/c"),
			code: exitError, want: []string{"keys/proxy.p12", "symbolic link"}, secrets: secrets},
		{name: "missing bundle", setup: passFile,
			args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "proxy", "--passin-file", "{dir}/pass", "--cert", "{dir}/c"),
			code: exitError, want: []string{"keys/proxy.p12", "no such file"}, secrets: secrets},
		{name: "bundle without key", setup: noKeyBundle,
			args: flags("pkcs12", "extract", "--in", "{pki}/keys/proxy.p12", "--passin-file", "{dir}/pass", "--cert", "{dir}/c"),
			code: exitError, want: []string{"keys/proxy.p12", "no private key"}, secrets: secrets},
		{name: "keep key from a bundle without key", setup: noKeyBundle, args: enroll("--keep-key", "--password-file", "{dir}/pass"),
			code: exitError, want: []string{"keys/proxy.p12", "no private key"}, secrets: secrets},
		{name: "not a PKCS#12 file", setup: passFile,
			args: flags("pkcs12", "extract", "--in", "{ca}", "--passin-file", "{dir}/pass", "--cert", "{dir}/c"),
			code: exitError, want: []string{"ca.pem", "not a PKCS#12 bundle"}, secrets: secrets},
		{name: "empty password file for enroll", setup: emptyFile, args: enroll("--password-file", "{dir}/empty"),
			code: exitError, want: []string{"--password-file", "empty"}},
		{name: "empty passin file", setup: func(t *testing.T, f *fixture) { bundle(t, f); emptyFile(t, f) },
			args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "proxy", "--passin-file", "{dir}/empty", "--cert", "{dir}/c"),
			code: exitError, want: []string{"--passin-file", "empty"}, secrets: secrets},
		{name: "missing password file", args: enroll("--password-file", "{dir}/none"),
			code: exitError, want: []string{"--password-file", "none", "no such file"}},
		{name: "empty --password", args: enroll("--password", ""),
			code: exitUsage, want: []string{"--password is empty"}},
		{name: "keep key without a bundle", setup: passFile, args: enroll("--keep-key", "--password-file", "{dir}/pass"),
			code: exitError, want: []string{"keys/proxy.p12", "no such file"}, secrets: secrets},
		{name: "bad name", setup: passFile,
			args: flags("enroll", "--pki-dir", "{pki}", "--name", "../proxy", "--subject", proxySubject, "--password-file", "{dir}/pass"),
			code: exitError, want: []string{"--name", "not a plain file name"}, secrets: secrets},
		{name: "bad name to extract", setup: passFile,
			args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "a/b", "--passin-file", "{dir}/pass", "--cert", "{dir}/c"),
			code: exitError, want: []string{"--name", "not a plain file name"}, secrets: secrets},
		{name: "bad subject", setup: passFile,
			args: flags("enroll", "--pki-dir", "{pki}", "--name", "proxy", "--subject", "/C=USA/CN=proxy.example.com", "--password-file", "{dir}/pass"),
			code: exitUsage, want: []string{"--subject", "is not a country code"}, secrets: secrets},
		{name: "nothing to extract", setup: bundle,
			args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "proxy", "--passin-file", "{dir}/pass"),
			code: exitError, want: []string{"--key", "--cert"}, secrets: secrets},
		{name: "extract over an existing file", setup: bundle,
			args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "proxy", "--passin-file", "{dir}/pass", "--key", "{key}"),
			code: exitError, want: []string{"proxy.key", "--force"}, secrets: secrets},
		{name: "passout without key", setup: bundle,
			args: flags("pkcs12", "extract", "--pki-dir", "{pki}", "--name", "proxy", "--passin-file", "{dir}/pass", "--passout-file", "{dir}/pass", "--cert", "{dir}/c"),
			code: exitError, want: []string{"--passout", "--key"}, secrets: secrets},
		{name: "no password flag", args: enroll(), code: exitUsage, want: []string{"--password-file", "--password-env"}},
		{name: "name and in", args: flags("pkcs12", "extract", "--name", "proxy", "--in", "{dir}/x.p12", "--passin-env", "X", "--cert", "-"),
			code: exitUsage, want: []string{"--name", "--in"}},
	})
}

// TestPKCS12ExtractRefusesStoreFiles: `pkcs12 extract --key/--cert` naming
// a file of the PKI directory (the CA's key and certificate, serial.txt,
// .truststore, an issued certificate, a bundle) is refused, even with
// --force, also with --in while --pki-dir is the engine's directory; one
// line, nothing changed. Before, `--key pki/private/ca.pem --force`
// replaced the CA key with the leaf's. keys/NAME.key.nopass, where
// engine-setup has pki-pkcs12-extract.sh write the websocket proxy's key,
// is still allowed.
func TestPKCS12ExtractRefusesStoreFiles(t *testing.T) {
	bundle := func(t *testing.T, f *fixture) {
		opensslBundle(t, f, filepath.Join(f.pki, "keys", "proxy.p12"), bundlePassword)
		writeSecret(t, f, "pass", bundlePassword)
	}
	var cases []badCase
	for _, out := range []struct{ flag, rel string }{
		{"--key", "private/ca.pem"}, {"--key", "ca.pem"}, {"--key", "serial.txt"}, {"--cert", ".truststore"},
		{"--cert", "certs/proxy.cer"}, {"--cert", "certs/ca.der"}, {"--key", "keys/proxy.p12"}, {"--key", "database.txt"},
		{"--cert", "cert.conf"}, {"--key", "requests/proxy.req"},
	} {
		for _, source := range [][]string{{"--name", "proxy"}, {"--in", "{pki}/keys/proxy.p12"}} {
			args := append([]string{"pkcs12", "extract", "--pki-dir", "{pki}"}, source...)
			args = append(args, "--passin-file", "{dir}/pass", out.flag, "{pki}/"+out.rel, "--force")
			cases = append(cases, badCase{name: source[0] + " " + out.flag + " " + out.rel, setup: bundle, args: flags(args...),
				code: exitError, want: []string{out.rel, "is a file of the pki directory"}, secrets: []string{bundlePassword}})
		}
	}
	// Outside the PKI directory: an output over the bundle it is taken
	// from, which --force would have kept only as a backup.
	outside := func(t *testing.T, f *fixture) {
		opensslBundle(t, f, f.path("b.p12"), bundlePassword)
		writeSecret(t, f, "pass", bundlePassword)
	}
	cases = append(cases,
		badCase{name: "key over the bundle", setup: outside, args: flags("pkcs12", "extract", "--in", "{dir}/b.p12", "--passin-file", "{dir}/pass", "--key", "{dir}/./b.p12", "--force"),
			code: exitUsage, want: []string{"--key", "is the --in file"}, secrets: []string{bundlePassword}},
		badCase{name: "cert over the password file", setup: outside, args: flags("pkcs12", "extract", "--in", "{dir}/b.p12", "--passin-file", "{dir}/pass", "--cert", "{dir}/pass", "--force"),
			code: exitUsage, want: []string{"--cert", "is the --passin-file file"}, secrets: []string{bundlePassword}})
	checkBadInput(t, cases)

	f := newFixture(t)
	bundle(t, f)
	key := filepath.Join(f.pki, "keys", "websocket-proxy.key.nopass")
	mustRun(t, "-q", "pkcs12", "extract", "--pki-dir", f.pki, "--name", "proxy", "--passin-file", f.path("pass"), "--key", key)
	if got := fileMode(t, key); got != 0o600 {
		t.Errorf("%s has mode %v, want 0600", key, got)
	}
}

// TestEnrollWarnsOfPasswordJavaCannotUse: a bundle password that is not
// printable ASCII makes a bundle openssl opens and Java cannot (its PBE
// key factory refuses the password): enroll writes it, as
// pki-enroll-pkcs12.sh would, and warns, without showing the password.
func TestEnrollWarnsOfPasswordJavaCannotUse(t *testing.T) {
	keytool := testenv.LookPath(t, "keytool", "default-jre-headless")
	f := newFixture(t)
	for _, tc := range []struct {
		password string
		warn     bool
	}{{"tr\u00e8s secret", true}, {"tab\tsecret", true}, {"plain secret~!", false}} {
		t.Setenv("PKIENROLL_TEST_BUNDLE_PASSWORD", tc.password)
		r := runCLI(t, "enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject, "--password-env", "PKIENROLL_TEST_BUNDLE_PASSWORD")
		if r.code != 0 || strings.Contains(r.stderr, "not printable ASCII") != tc.warn {
			t.Errorf("enroll with password %q (warning wanted: %v):\n%s", tc.password, tc.warn, r)
		}
		checkNoSecrets(t, r.stderr, tc.password)
		p12 := filepath.Join(f.pki, "keys", "proxy.p12")
		openssl(t, "pkcs12", "-in", p12, "-passin", "env:PKIENROLL_TEST_BUNDLE_PASSWORD", "-noout")
		out, err := exec.Command(keytool, "-list", "-keystore", p12, "-storepass:env", "PKIENROLL_TEST_BUNDLE_PASSWORD").CombinedOutput()
		if (err != nil) != tc.warn {
			t.Errorf("keytool -list with password %q: %v (warning: %v)\n%s", tc.password, err, tc.warn, out)
		}
	}
}
