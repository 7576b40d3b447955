package inspect_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/testenv"
)

// testKey is one RSA key for every test that needs a fresh one: generating
// a key per test would cost more than the tests.
var testKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// sharedKey returns the package's test key.
func sharedKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := testKey()
	if err != nil {
		t.Fatalf("generate test key: %v", err)
	}
	return key
}

// runOpenSSL runs openssl with args in dir and returns its standard output;
// the test fails when openssl exits non-zero. Under CI a missing openssl
// fails the test; by hand it skips with a loud message.
func runOpenSSL(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testenv.LookPath(t, "openssl", "openssl"), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}
