// Package testenv finds the real programs that the interop tests run
// against (openssl, Squid, websockify, flock) and decides what a test does
// when one is missing: under CI (CI=true) it fails, since the interop tests
// are the proof that what pkienroll writes is right; by hand it skips, and
// records why in the file named by $PKIENROLL_SKIP_LOG, so that `make test`
// can end with a summary of everything that was not checked, without -v.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// SkipLogEnv names the variable that holds the path of the skip summary.
const SkipLogEnv = "PKIENROLL_SKIP_LOG"

// LookPath returns the path of program. When it is not installed, the test
// fails under CI and otherwise skips with a message that names the Debian
// package to install.
func LookPath(t testing.TB, program, debianPackage string) string {
	t.Helper()
	if path, err := exec.LookPath(program); err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} { // not on every user's PATH
		path := dir + "/" + program
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return path
		}
	}
	Missing(t, fmt.Sprintf("%s is not installed (apt-get install %s)", program, debianPackage))
	return ""
}

// Missing ends a test that cannot run here for reason: it fails under CI
// and otherwise skips, loudly, and records the skip for the summary.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s, and CI=true: .ci/run installs what the tests need", reason)
	}
	record(t.Name(), reason)
	t.Skipf("SKIPPED INTEROP TEST: %s", reason)
}

// record appends "test: reason" to the skip log, when there is one. One
// short write with O_APPEND keeps lines whole when packages run in parallel.
func record(test, reason string) {
	path := os.Getenv(SkipLogEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	line := strings.ReplaceAll(test+": "+reason, "\n", " ") + "\n"
	_, _ = f.WriteString(line)
}
