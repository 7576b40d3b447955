package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// update rewrites the golden files: go test ./cmd/pkienroll -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// The CA and proxy subjects of the proxy flow.
const (
	caSubject    = "/C=US/O=Example Inc./CN=engine.example.com.81108"
	proxyCN      = "proxy.example.com"
	proxySubject = "/C=US/O=Example Inc./CN=proxy.example.com"
)

// tmpRoot holds what the tests share: the built binary and the template
// fixture. TestMain removes it.
var tmpRoot string

func TestMain(m *testing.M) {
	flag.Parse()
	// The tests choose the PKI directory themselves; an inherited one must
	// not leak into a command that relies on the default.
	os.Unsetenv("PKIENROLL_PKI_DIR")
	// kong sizes help to $COLUMNS; the golden files are 80 columns wide.
	os.Setenv("COLUMNS", "80")
	var err error
	if tmpRoot, err = os.MkdirTemp("", "pkienroll-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// result is what one run of the command line left behind.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
}

// runCLI runs the command line in-process with args.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	return runCLICtx(t, context.Background(), args...)
}

// runCLICtx runs the command line in-process with ctx as its signal context.
// A panic fails the test with the arguments that caused it.
func runCLICtx(t *testing.T, ctx context.Context, args ...string) (r result) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("pkienroll %s: panic: %v", strings.Join(args, " "), p)
		}
	}()
	r.code = run(ctx, args, &stdout, &stderr)
	r.stdout, r.stderr = stdout.String(), stderr.String()
	return r
}

// mustRun runs the command line in-process and fails the test unless it
// exits 0. It returns stdout.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := runCLI(t, args...)
	if r.code != 0 {
		t.Fatalf("pkienroll %s:\n%s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// checkNoSecrets fails the test if output shows key material (PEM armour)
// or one of the passphrases. Naming a PEM block type, as in `PEM block is
// "PRIVATE KEY", not a "CERTIFICATE"`, is fine: checkBadInput also looks for
// the base64 lines of every key in the scratch directory.
func checkNoSecrets(t *testing.T, output string, passphrases ...string) {
	t.Helper()
	if strings.Contains(output, "-----BEGIN") || strings.Contains(output, "PRIVATE KEY-----") {
		t.Errorf("output shows key material:\n%s", output)
	}
	for _, p := range passphrases {
		if p != "" && strings.Contains(output, p) {
			t.Errorf("output shows the passphrase %q:\n%s", p, output)
		}
	}
}

// checkNoKeyLines fails the test if output holds a line of the base64 body
// of any private key in snap.
func checkNoKeyLines(t *testing.T, output string, snap map[string]pkitest.FileState) {
	t.Helper()
	for name, e := range snap {
		if !strings.Contains(e.Content, "PRIVATE KEY-----") {
			continue
		}
		for _, line := range strings.Split(e.Content, "\n") {
			if len(line) >= 40 && !strings.HasPrefix(line, "-----") && strings.Contains(output, line) {
				t.Errorf("output shows a line of the key %s:\n%s", name, output)
				break
			}
		}
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binaryVersion is stamped into the built binary, as a release build does.
const binaryVersion = "0.0.0-test"

// binary builds the command once, static as `make build` does, and returns
// its path. Tests compiled with the OpenSSL signer (go test -tags openssl,
// scripts/test.sh) get make build-openssl's flavour instead, the one the
// packages' serve unit runs.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(tmpRoot, "bin", "pkienroll")
		args := []string{"build", "-ldflags", "-X main.version=" + binaryVersion, "-o", binPath}
		cgo := "CGO_ENABLED=0"
		if opensslsign.Built {
			args, cgo = append(args, "-tags", "openssl"), "CGO_ENABLED=1"
		}
		build := exec.Command("go", append(args, ".")...)
		build.Env = append(os.Environ(), cgo)
		out, err := build.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// runBinary runs the built command under sh with the given umask and
// returns its exit code and output.
func runBinary(t *testing.T, umask string, args ...string) result {
	t.Helper()
	script := "umask " + umask + " && exec " + shellQuote(binary(t))
	for _, a := range args {
		script += " " + shellQuote(a)
	}
	cmd := exec.Command("sh", "-c", script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %s: %v", strings.Join(args, " "), err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// openssl runs openssl with args and returns its stdout and stderr
// together, failing the test if it exits non-zero.
func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := pkitest.TryOpenSSL(t, "", args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// opensslFails runs openssl with args and fails the test if it succeeds.
func opensslFails(t *testing.T, args ...string) {
	t.Helper()
	if out, err := pkitest.TryOpenSSL(t, "", args...); err == nil {
		t.Fatalf("openssl %s succeeded, want failure\n%s", strings.Join(args, " "), out)
	}
}

// fixture is a scratch directory holding an engine PKI directory with a CA
// and the proxy's key and request, as after steps 1-4 of the procedure.
type fixture struct {
	dir   string // the scratch directory; everything below is inside it
	pki   string // dir/pki: CA, no certificate issued yet, requests/proxy.req
	caPEM string // dir/pki/ca.pem
	key   string // dir/proxy.key: PKCS#8, no passphrase
	req   string // dir/proxy.req: subject proxySubject, signed by key
}

func (f *fixture) path(rel ...string) string {
	return filepath.Join(append([]string{f.dir}, rel...)...)
}

var (
	templateOnce sync.Once
	templateDir  string
	templateErr  error
)

// newFixture copies a template made once, so that each test pays for a
// file copy instead of two RSA keys.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	templateOnce.Do(func() { templateDir, templateErr = makeTemplate() })
	if templateErr != nil {
		t.Fatalf("make fixture: %v", templateErr)
	}
	dir := t.TempDir()
	if err := pkitest.CopyTree(templateDir, dir); err != nil {
		t.Fatal(err)
	}
	return &fixture{
		dir:   dir,
		pki:   filepath.Join(dir, "pki"),
		caPEM: filepath.Join(dir, "pki", "ca.pem"),
		key:   filepath.Join(dir, "proxy.key"),
		req:   filepath.Join(dir, "proxy.req"),
	}
}

func makeTemplate() (string, error) {
	dir := filepath.Join(tmpRoot, "template")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	pkiDir := filepath.Join(dir, "pki")
	steps := [][]string{
		{"-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject},
		{"-q", "keygen", "--out", filepath.Join(dir, "proxy.key")},
		{"-q", "request", "--key", filepath.Join(dir, "proxy.key"), "--ca-cert", filepath.Join(pkiDir, "ca.pem"),
			"--cn", proxyCN, "--out", filepath.Join(dir, "proxy.req")},
	}
	for _, args := range steps {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
			return "", fmt.Errorf("pkienroll %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
		}
	}
	return dir, pkitest.CopyFile(filepath.Join(dir, "proxy.req"), filepath.Join(pkiDir, "requests", "proxy.req"))
}

// fileMode returns the permission bits of path.
func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// writeFile writes data to path with mode 0644.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// backups returns the FILE.YYYYMMDDHHMMSS backups of path.
func backups(t *testing.T, path string) []string {
	t.Helper()
	matches, err := filepath.Glob(path + ".[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(matches)
	return matches
}

// badCase is one run of the command line that must fail cleanly.
type badCase struct {
	name string
	// setup prepares the scratch directory before its snapshot is taken.
	setup func(t *testing.T, f *fixture)
	args  func(f *fixture) []string
	code  int      // exitError or exitUsage
	want  []string // substrings of the one line on stderr
	// secrets must not show on stderr (passphrases; key PEM is always checked).
	secrets []string
}

// checkBadInput runs each case against a fresh fixture and checks that it
// fails with the expected exit code, one line on stderr that says what is
// wrong and where, nothing on stdout, no secret shown, and no file in the
// scratch directory (which holds the PKI directory) created, replaced or
// changed.
func checkBadInput(t *testing.T, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			before := pkitest.Snapshot(t, f.dir)
			args := tc.args(f)
			r := runCLI(t, args...)
			t.Logf("stderr: %s", r.stderr)
			if r.code != tc.code {
				t.Errorf("pkienroll %s: exit %d, want %d", strings.Join(args, " "), r.code, tc.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty: %q", r.stdout)
			}
			assertOneErrorLine(t, r.stderr, tc.want...)
			checkNoSecrets(t, r.stderr, tc.secrets...)
			checkNoKeyLines(t, r.stderr, before)
			pkitest.AssertUnchanged(t, f.dir, before)
		})
	}
}

// flags builds an args function from a format applied to the fixture's
// paths: {dir}, {pki}, {ca}, {key} and {req} are replaced in every
// argument.
func flags(args ...string) func(f *fixture) []string {
	return func(f *fixture) []string {
		r := strings.NewReplacer("{dir}", f.dir, "{pki}", f.pki, "{ca}", f.caPEM, "{key}", f.key, "{req}", f.req)
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = r.Replace(a)
		}
		return out
	}
}

// TestBinaryExitCodes checks the exit codes of docs/cli.md through
// os.Exit, as a shell script sees them.
func TestBinaryExitCodes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"version", []string{"--version"}, exitOK},
		{"help", []string{"sign", "--help"}, exitOK},
		{"subject", []string{"subject", "--subject", proxySubject}, exitOK},
		{"error", []string{"subject", "--cert", filepath.Join(dir, "nope.pem")}, exitError},
		{"bad subject", []string{"subject", "--subject", "/XX=1"}, exitUsage},
		{"unknown flag", []string{"keygen", "--out", filepath.Join(dir, "k"), "--size", "2048"}, exitUsage},
		{"missing flag", []string{"keygen"}, exitUsage},
		{"not a number", []string{"sign", "--name", "proxy", "--days", "abc"}, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
	}
	t.Run("no command prints the help on stderr", func(t *testing.T) {
		r := runBinary(t, "022")
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "Usage: pkienroll <command>") {
			t.Errorf("bare pkienroll:\n%s\nwant exit %d and the help on stderr", r, exitUsage)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runBinary(t, "022", tc.args...)
			if r.code != tc.code {
				t.Errorf("pkienroll %s:\n%s\nwant exit %d", strings.Join(tc.args, " "), r, tc.code)
			}
			if tc.code != exitOK && (r.stdout != "" || strings.Count(r.stderr, "\n") != 1) {
				t.Errorf("pkienroll %s: want nothing on stdout and one line on stderr:\n%s", strings.Join(tc.args, " "), r)
			}
		})
	}
}

// TestBinaryInterrupt sends SIGINT to a signer waiting for the lock: it
// must stop at once with exit 130 and leave the directory as it was.
func TestBinaryInterrupt(t *testing.T) {
	f := newFixture(t)
	holdLock(t, f)
	before := pkitest.Snapshot(t, f.dir)
	cmd := exec.Command(binary(t), "sign", "--pki-dir", f.pki, "--name", "proxy", "--timeout", "20")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("interrupted sign: exit %d (%v), want %d; stderr %q", code, err, exitInterrupted, stderr.String())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v to stop after SIGINT", d)
	}
	if strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("stderr is not one line: %q", stderr.String())
	}
	pkitest.AssertUnchanged(t, f.dir, before)
}

// TestBinaryFileModes runs the whole flow under a permissive and a strict
// umask: every file gets the mode of the engine layout, whatever the umask.
func TestBinaryFileModes(t *testing.T) {
	for _, umask := range []string{"000", "077"} {
		t.Run("umask "+umask, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			pkiDir := filepath.Join(dir, "pki")
			steps := [][]string{
				{"-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject},
				{"-q", "keygen", "--out", filepath.Join(dir, "keygen.key")},
				{"-q", "request", "--ca-cert", filepath.Join(pkiDir, "ca.pem"), "--cn", proxyCN,
					"--keyout", filepath.Join(dir, "proxy.key"), "--out", filepath.Join(pkiDir, "requests", "proxy.req")},
				{"-q", "sign", "--pki-dir", pkiDir, "--name", "proxy"},
				{"-q", "keygen", "--force", "--out", filepath.Join(dir, "keygen.key")},
			}
			for _, args := range steps {
				if r := runBinary(t, umask, args...); r.code != 0 {
					t.Fatalf("umask %s; pkienroll %s:\n%s", umask, strings.Join(args, " "), r)
				}
			}
			want := map[string]fs.FileMode{
				"keygen.key":             0o600,
				"proxy.key":              0o600,
				"pki":                    0o755,
				"pki/ca.pem":             0o644,
				"pki/private":            0o750,
				"pki/private/ca.pem":     0o640,
				"pki/requests":           0o755,
				"pki/requests/proxy.req": 0o644,
				"pki/certs":              0o755,
				"pki/certs/ca.der":       0o644,
				"pki/certs/proxy.cer":    0o644,
				"pki/certs/1001.pem":     0o644,
				"pki/keys":               0o755,
				"pki/serial.txt":         0o644,
				"pki/database.txt":       0o644,
				"pki/database.txt.attr":  0o644,
			}
			for name, mode := range want {
				if got := fileMode(t, filepath.Join(dir, name)); got != mode {
					t.Errorf("umask %s: %s has mode %v, want %v", umask, name, got, mode)
				}
			}
			// The backup keeps the key private too.
			b := backups(t, filepath.Join(dir, "keygen.key"))
			if len(b) != 1 {
				t.Fatalf("backups of keygen.key: %q", b)
			}
			if got := fileMode(t, b[0]); got != 0o600 {
				t.Errorf("umask %s: backup %s has mode %v, want 0600", umask, filepath.Base(b[0]), got)
			}
		})
	}
}

// assertOneErrorLine checks the error contract of docs/cli.md: exactly one
// line on stderr, starting "pkienroll: ", that says each of want.
func assertOneErrorLine(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not exactly one line: %q", stderr)
	}
	if !strings.HasPrefix(stderr, "pkienroll: ") {
		t.Errorf("stderr does not start with %q: %q", "pkienroll: ", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not contain %q", stderr, w)
		}
	}
}
