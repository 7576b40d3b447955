package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// secretCase is one content of a secret file or variable and what the
// secret readers make of it: the passphrase, or an error ("" passphrase).
type secretCase struct {
	name, content, secret string
}

// secretCases are the rules of secret.go, one row each.
var secretCases = []secretCase{
	{"line and newline", "s3cret-line\n", "s3cret-line"},
	{"no newline", "s3cret-line", "s3cret-line"},
	{"crlf", "s3cret-line\r\n", "s3cret-line"},
	{"cr without newline", "s3cret-line\r", "s3cret-line"},
	{"second line ignored", "s3cret-line\nsecond-line\n", "s3cret-line"},
	{"first line empty", "\ns3cret-line\n", ""},
	{"first line only cr", "\r\ns3cret-line\n", ""},
	{"empty", "", ""},
}

// secretSource gives content through --passphrase-file or
// --passphrase-env and returns the flags.
func secretSource(t *testing.T, dir, kind, content string) []string {
	t.Helper()
	if kind == "file" {
		p := filepath.Join(dir, "pass")
		writeFile(t, p, content)
		return []string{"--passphrase-file", p}
	}
	t.Setenv("PKIENROLL_TEST_SECRET", content)
	return []string{"--passphrase-env", "PKIENROLL_TEST_SECRET"}
}

// checkKeyEncryptedWith proves with openssl that the key at path opens
// with secret and with nothing else: not with an empty passphrase (which
// opens a key in the clear too), a wrong one, or the secret and a '\r'.
func checkKeyEncryptedWith(t *testing.T, path, secret string) {
	t.Helper()
	openssl(t, "pkey", "-in", path, "-passin", "pass:"+secret, "-noout")
	t.Setenv("PKIENROLL_TEST_SECRET_CR", secret+"\r")
	for _, wrong := range []string{"pass:", "pass:wrong", "env:PKIENROLL_TEST_SECRET_CR"} {
		opensslFails(t, "pkey", "-in", path, "-passin", wrong, "-noout")
	}
}

// TestReadSecret holds the one secret reader to its rules, for a file and
// a variable alike: the value or an error that names the source and never
// shows the content.
func TestReadSecret(t *testing.T) {
	for _, kind := range []string{"file", "env"} {
		for _, sc := range secretCases {
			t.Run(kind+"/"+sc.name, func(t *testing.T) {
				dir := t.TempDir()
				src := secretSource(t, dir, kind, sc.content)
				var got []byte
				var err error
				if kind == "file" {
					got, err = readSecret("passphrase", &src[1], nil)
				} else {
					got, err = readSecret("passphrase", nil, &src[1])
				}
				if sc.secret != "" {
					if err != nil || string(got) != sc.secret {
						t.Errorf("readSecret = %q, %v; want %q", got, err, sc.secret)
					}
					return
				}
				if err == nil {
					t.Fatalf("readSecret = %q, want an error", got)
				}
				msg := err.Error()
				if !strings.Contains(msg, src[0]) || !strings.Contains(msg, src[1]) || !strings.Contains(msg, "empty") {
					t.Errorf("error %q does not name %s %s and say empty", msg, src[0], src[1])
				}
				checkNoSecrets(t, msg, "s3cret-line")
			})
		}
	}
	t.Run("unset variable", func(t *testing.T) {
		name := "PKIENROLL_TEST_UNSET_VARIABLE"
		if _, err := readSecret("passin", nil, &name); err == nil || !strings.Contains(err.Error(), "--passin-env: variable "+name+" is not set") {
			t.Errorf("readSecret of an unset variable: %v", err)
		}
	})
	t.Run("no source", func(t *testing.T) {
		if got, err := readSecret("passphrase", nil, nil); got != nil || err != nil {
			t.Errorf("readSecret without flags = %q, %v; want nil, nil", got, err)
		}
	})
}

// TestKeyLoggedEncryptedIsEncrypted: keygen, request --keyout and their
// --pkcs1 forms log encrypted=true only for a key that openssl opens with
// exactly the passphrase, and refuse, with no key written, a source whose
// first line is empty (PP=$'\nsecret' wrote a key in the clear, logged as
// encrypted).
func TestKeyLoggedEncryptedIsEncrypted(t *testing.T) {
	pkitest.OpenSSL(t)
	keygen := func(dir string, extra ...string) []string {
		return append([]string{"keygen", "--out", filepath.Join(dir, "k.key")}, extra...)
	}
	request := func(dir string, extra ...string) []string {
		return append([]string{"request", "--subject", proxySubject, "--keyout", filepath.Join(dir, "k.key"),
			"--out", filepath.Join(dir, "k.req")}, extra...)
	}
	tests := []struct {
		name    string
		args    func(dir string, extra ...string) []string
		extra   []string
		kind    string
		content string
		secret  string // "" when refused
	}{
		{"keygen env newline first", keygen, nil, "env", "\ns3cret-line", ""},
		{"keygen env crlf", keygen, nil, "env", "s3cret-line\r\n", "s3cret-line"},
		{"keygen pkcs1 file crlf", keygen, []string{"--pkcs1"}, "file", "s3cret-line\r\n", "s3cret-line"},
		{"keygen pkcs1 env newline first", keygen, []string{"--pkcs1"}, "env", "\ns3cret-line", ""},
		{"request keyout env crlf", request, nil, "env", "s3cret-line\r", "s3cret-line"},
		{"request keyout file newline first", request, nil, "file", "\ns3cret-line\n", ""},
		{"request keyout pkcs1 env newline first", request, []string{"--pkcs1"}, "env", "\ns3cret-line", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append(tc.args(dir, tc.extra...), secretSource(t, dir, tc.kind, tc.content)...)
			r := runCLI(t, args...)
			checkNoSecrets(t, r.stdout+r.stderr, "s3cret-line")
			key := filepath.Join(dir, "k.key")
			if tc.secret == "" {
				if r.code != exitError {
					t.Errorf("exit %d, want %d", r.code, exitError)
				}
				assertOneErrorLine(t, r.stderr, "first line is empty")
				for _, p := range []string{key, filepath.Join(dir, "k.req")} {
					if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("%s was written: %v", p, err)
					}
				}
				return
			}
			if r.code != 0 {
				t.Fatalf("pkienroll %s:\n%s", strings.Join(args, " "), r)
			}
			if !strings.Contains(r.stderr, "encrypted=true") {
				t.Errorf("log does not say encrypted=true: %q", r.stderr)
			}
			checkKeyEncryptedWith(t, key, tc.secret)
		})
	}
}

// TestPasswordRules: the bundle password of enroll follows the same rules
// from a file, a variable and the --password flag itself.
func TestPasswordRules(t *testing.T) {
	pkitest.OpenSSL(t)
	for _, kind := range []string{"file", "env", "flag"} {
		for _, sc := range secretCases {
			if sc.name != "crlf" && sc.name != "first line empty" && sc.name != "empty" {
				continue
			}
			t.Run(kind+"/"+sc.name, func(t *testing.T) {
				f := newFixture(t)
				var src []string
				switch kind {
				case "file":
					p := f.path("pw")
					writeFile(t, p, sc.content)
					src = []string{"--password-file", p}
				case "env":
					t.Setenv("PKIENROLL_TEST_PW", sc.content)
					src = []string{"--password-env", "PKIENROLL_TEST_PW"}
				default:
					src = []string{"--password=" + sc.content}
				}
				before := pkitest.Snapshot(t, f.pki)
				args := append([]string{"enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject}, src...)
				r := runCLI(t, args...)
				checkNoSecrets(t, r.stderr, "s3cret-line")
				if sc.secret == "" {
					// An empty flag value is a usage error (exit 80); an
					// empty file or variable is bad input (exit 1).
					want := exitError
					if src[0] == "--password=" {
						want = exitUsage
					}
					if r.code != want {
						t.Errorf("exit %d, want %d:\n%s", r.code, want, r)
					}
					assertOneErrorLine(t, r.stderr, "--password", "empty")
					pkitest.AssertUnchanged(t, f.pki, before)
					return
				}
				if r.code != 0 {
					t.Fatalf("pkienroll %s:\n%s", strings.Join(args, " "), r)
				}
				p12 := filepath.Join(f.pki, "keys", "proxy.p12")
				openssl(t, "pkcs12", "-in", p12, "-passin", "pass:"+sc.secret, "-noout")
				opensslFails(t, "pkcs12", "-in", p12, "-passin", "pass:", "-noout")
			})
		}
	}
}

// runBinaryTimeout runs the built command and fails the test, killing it,
// if it has not exited within a minute: the cases that use it hung forever
// before they were fixed, and a hang must fail, not stall the suite.
func runBinaryTimeout(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("pkienroll %s did not return (killed): %s", strings.Join(args, " "), stderr.String())
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSecretFileNotRegular: a FIFO, /dev/zero or a directory given as a
// secret file is refused at once in one line (a FIFO used to block
// forever, /dev/zero to fill memory), for every secret flag.
func TestSecretFileNotRegular(t *testing.T) {
	f := newFixture(t)
	fifo := f.path("fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skipf("no /dev/zero: %v", err)
	}
	bundle := f.path("b.p12")
	writeFile(t, bundle, "not read")
	uses := []struct {
		name string
		args func(secret string) []string
	}{
		{"--passphrase-file", func(s string) []string {
			return []string{"keygen", "--out", f.path("k.key"), "--passphrase-file", s}
		}},
		{"--password-file", func(s string) []string {
			return []string{"enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject, "--password-file", s}
		}},
		{"--passin-file", func(s string) []string {
			return []string{"pkcs12", "extract", "--in", bundle, "--cert", "-", "--passin-file", s}
		}},
		{"--passout-file", func(s string) []string {
			return []string{"pkcs12", "extract", "--in", bundle, "--key", f.path("x.key"), "--passin-env", "HOME", "--passout-file", s}
		}},
	}
	files := []struct{ path, kind string }{
		{fifo, "named pipe"},
		{"/dev/zero", "character device"},
		{f.dir, "directory"},
	}
	before := pkitest.Snapshot(t, f.dir)
	for _, u := range uses {
		for _, file := range files {
			t.Run(u.name+"/"+file.kind, func(t *testing.T) {
				args := u.args(file.path)
				r := runBinaryTimeout(t, args...)
				if r.code != exitError || r.stdout != "" {
					t.Errorf("pkienroll %s:\n%s\nwant exit 1 and nothing on stdout", strings.Join(args, " "), r)
				}
				assertOneErrorLine(t, r.stderr, u.name, file.path, "not a regular file", file.kind)
			})
		}
	}
	pkitest.AssertUnchanged(t, f.dir, before)
}
