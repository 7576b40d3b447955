package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// inspectFixtures are made by testdata/inspect/generate.sh with fixed
// dates; inspectNow is the time the golden files are rendered at.
const (
	inspectFixtures = "../../testdata/inspect"
	inspectNow      = "2025-06-01T12:00:00Z"
)

// inspectGoldenFixtures are the inputs whose output is kept in
// testdata/inspect/FIXTURE.{txt,json}.golden.
var inspectGoldenFixtures = []string{
	"proxy.cer", "proxy.cer.der", "ca.pem", "chain.pem", "ec.cer",
	"proxy.req", "proxy.req.der", "ca.crl", "ca.crl.der",
	"proxy.key", "proxy-pkcs8.key", "proxy.key.der", "ec.key", "ed25519.key", "ec.pub",
	"proxy-pkcs8-encrypted.key", "proxy-legacy-encrypted.key",
}

// runInspect runs `pkienroll inspect args...` in-process. Until main.go's
// cli has the Inspect command, it runs the command under a root made here
// that handles errors as run does.
func runInspect(t *testing.T, args ...string) (r result) {
	t.Helper()
	args = append([]string{"inspect"}, args...)
	if _, wired := reflect.TypeOf(cli{}).FieldByName("Inspect"); wired {
		return runCLI(t, args...)
	}
	var root struct {
		Globals
		Inspect inspectCmd `cmd:""`
	}
	var stdout, stderr bytes.Buffer
	defer func() {
		r.stdout, r.stderr = stdout.String(), stderr.String()
		if p := recover(); p != nil {
			e, ok := p.(exitRequest)
			if !ok {
				t.Fatalf("pkienroll %s: panic: %v", strings.Join(args, " "), p)
			}
			r.code = e.code
		}
	}()
	parser, err := kong.New(&root, kong.Name("pkienroll"), kong.Writers(&stdout, &stderr),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Exit(func(code int) { panic(exitRequest{code}) }))
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		stderr.WriteString("pkienroll: " + errorLine(err, args) + "\n")
		return result{code: exitUsage}
	}
	if err := kctx.Run(&env{ctx: context.Background(), stdout: &stdout, log: newLogger(&stderr, root.Globals)}); err != nil {
		stderr.WriteString("pkienroll: " + errorLine(err, args) + "\n")
		return result{code: exitError}
	}
	return result{code: exitOK}
}

func inspectFixture(name string) string { return filepath.Join(inspectFixtures, name) }

// TestInspectGolden compares the text and JSON output for every fixture
// with testdata/inspect/*.golden; -update rewrites them.
func TestInspectGolden(t *testing.T) {
	for _, name := range inspectGoldenFixtures {
		for _, format := range []string{"txt", "json"} {
			t.Run(name+"."+format, func(t *testing.T) {
				pinNow(t, mustParseTime(t, inspectNow))
				args := []string{inspectFixture(name)}
				if format == "json" {
					args = append(args, "--json")
				}
				r := runInspect(t, args...)
				if r.code != exitOK || r.stderr != "" {
					t.Fatalf("inspect %s:\n%s", name, r)
				}
				pkitest.Golden(t, filepath.Join("testdata", "inspect", name+"."+format+".golden"), r.stdout, *update)
			})
		}
	}
}

// TestInspectJSONMatchesOpenSSL decodes the JSON of a certificate and
// checks its identifiers against what openssl prints for the same file.
func TestInspectJSONMatchesOpenSSL(t *testing.T) {
	file := inspectFixture("proxy.cer")
	r := runInspect(t, "--json", file)
	if r.code != exitOK {
		t.Fatal(r)
	}
	var doc struct {
		Now     string `json:"now"`
		Objects []struct {
			Kind              string `json:"kind"`
			Serial            string `json:"serial"`
			Subject           string `json:"subject"`
			SHA256Fingerprint string `json:"sha256_fingerprint"`
			SubjectKeyID      string `json:"subject_key_id"`
			AuthorityKeyID    string `json:"authority_key_id"`
			TimeLeftSeconds   *int64 `json:"time_left_seconds"`
			KeyUsage          struct {
				Critical bool     `json:"critical"`
				Usages   []string `json:"usages"`
			} `json:"key_usage"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(doc.Objects) != 1 || doc.Now == "" {
		t.Fatalf("want one object and now: %s", r.stdout)
	}
	o := doc.Objects[0]
	out := openssl(t, "x509", "-in", file, "-noout", "-serial", "-fingerprint", "-sha256", "-subject", "-nameopt", "compat",
		"-ext", "subjectKeyIdentifier,authorityKeyIdentifier")
	for _, want := range []string{
		"serial=" + o.Serial + "\n",
		"sha256 Fingerprint=" + o.SHA256Fingerprint + "\n",
		"subject=" + o.Subject + "\n",
		"    " + o.SubjectKeyID + "\n",
		"    keyid:" + o.AuthorityKeyID + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl does not print %q:\n%s", want, out)
		}
	}
	if o.Kind != "certificate" || o.TimeLeftSeconds == nil || *o.TimeLeftSeconds <= 0 ||
		!o.KeyUsage.Critical || strings.Join(o.KeyUsage.Usages, ",") != "digitalSignature,keyEncipherment" {
		t.Errorf("decoded %+v", o)
	}
}

// TestInspectBadInput checks that every input inspect cannot describe
// fails with exit 1 and one line that names the file.
func TestInspectBadInput(t *testing.T) {
	dir := t.TempDir()
	cert := pkitest.ReadFile(t, inspectFixture("proxy.cer"))
	block, _ := pem.Decode([]byte(cert))
	files := map[string]string{
		"cut DER":   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes[:500]})),
		"empty":     "",
		"random":    strings.Repeat("\x8a\x11\xf0\x42\x00\x97", 500),
		"truncated": cert[:len(cert)/2],
		"unknown":   "-----BEGIN FOO BAR-----\nAAAA\n-----END FOO BAR-----\n",
		"openssh":   "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
	}
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), data)
	}
	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 20<<20); err != nil {
		t.Fatal(err)
	}
	const notInspectable = "not a certificate, request, CRL or key"
	tests := []struct{ file, want string }{
		{"empty", "empty: " + notInspectable},
		{"random", ": " + notInspectable},
		{"truncated", "PEM block 1 is truncated or not valid base64: " + notInspectable},
		{"unknown", `PEM block 1 "FOO BAR": ` + notInspectable},
		{"cut DER", `PEM block 1 "CERTIFICATE": does not parse (x509: malformed certificate): ` + notInspectable},
		{"openssh", `PEM block 1 "OPENSSH PRIVATE KEY": ` + notInspectable},
		{"huge", ": larger than 16777216 bytes"},
		{"missing", ": no such file or directory"},
		{".", ": is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			for _, args := range [][]string{{path}, {"--json", path}} {
				r := runInspect(t, args...)
				if r.code != exitError || r.stdout != "" {
					t.Errorf("inspect %s: want exit 1 and no output:\n%s", strings.Join(args, " "), r)
				}
				want := "pkienroll: inspect " + path
				if !strings.HasPrefix(r.stderr, want) || !strings.HasSuffix(r.stderr, tc.want+"\n") || strings.Count(r.stderr, "\n") != 1 {
					t.Errorf("inspect %s: stderr %q, want one line %q...%q", tc.file, r.stderr, want, tc.want)
				}
			}
		})
	}
}

// TestInspectKeyShowsNoSecrets renders every key fixture both ways and
// looks for key material: PEM armour, a line of any key file's base64,
// the RSA private exponent in hex or decimal.
func TestInspectKeyShowsNoSecrets(t *testing.T) {
	snap := pkitest.Snapshot(t, inspectFixtures)
	block, _ := pem.Decode([]byte(pkitest.ReadFile(t, inspectFixture("proxy.key"))))
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{key.D.Text(16), key.D.Text(10)[:40], key.Primes[0].Text(16)[:40]}
	for _, name := range []string{"proxy.key", "proxy-pkcs8.key", "proxy.key.der", "ec.key", "ed25519.key",
		"proxy-pkcs8-encrypted.key", "proxy-legacy-encrypted.key"} {
		for _, args := range [][]string{{inspectFixture(name)}, {"--json", inspectFixture(name)}} {
			r := runInspect(t, args...)
			if r.code != exitOK {
				t.Fatal(r)
			}
			if !strings.Contains(r.stdout, "private") && !strings.Contains(r.stdout, "Private key") {
				t.Errorf("inspect %s does not say it is a private key:\n%s", name, r.stdout)
			}
			checkNoSecrets(t, r.stdout, "fixture")
			checkNoKeyLines(t, r.stdout, snap)
			flat := strings.ToLower(strings.ReplaceAll(r.stdout, ":", ""))
			for _, s := range secrets {
				if strings.Contains(flat, strings.ToLower(s)) {
					t.Errorf("inspect %s shows the private exponent or a prime", strings.Join(args, " "))
				}
			}
		}
	}
	// The checks can fail: the private exponent is where openssl dumps it.
	dump := strings.ToLower(strings.NewReplacer(":", "", " ", "", "\n", "").Replace(openssl(t, "rsa", "-in", inspectFixture("proxy.key"), "-noout", "-text")))
	if !strings.Contains(dump, strings.ToLower(key.D.Text(16))) {
		t.Error("the private exponent is not in openssl's dump: the check above is broken")
	}
}

// TestInspectNow checks that without a pinned clock the current time is
// used.
func TestInspectNow(t *testing.T) {
	r := runInspect(t, inspectFixture("ec.cer"))
	if r.code != exitOK || !strings.Contains(r.stdout, "  Status:              expired ") {
		t.Errorf("ec.cer is expired today too:\n%s", r)
	}
}

func mustParseTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}
