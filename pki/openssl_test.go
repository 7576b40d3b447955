package pki_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/testenv"
)

// opensslBinary returns the path of the openssl program. Interop tests are the
// proof that what we write is right, so under CI a missing openssl fails the
// test; by hand it skips with a loud message.
func opensslBinary(t testing.TB) string {
	t.Helper()
	return testenv.LookPath(t, "openssl", "openssl")
}

// runOpenSSL runs openssl with args in dir (the test's cwd when empty) and
// returns its standard output; the test fails when openssl exits non-zero.
func runOpenSSL(t testing.TB, dir string, args ...string) string {
	t.Helper()
	stdout, stderr, err := execOpenSSL(t, dir, args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// tryOpenSSL runs openssl like runOpenSSL but hands back the error and the
// combined output instead of failing, for tests that expect a refusal.
func tryOpenSSL(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, err := execOpenSSL(t, dir, args...)
	return stdout + stderr, err
}

func execOpenSSL(t testing.TB, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(opensslBinary(t), args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}
