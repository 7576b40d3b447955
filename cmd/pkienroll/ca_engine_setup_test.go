package main

import (
	"os"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestCARenewWarnings (issue 23 items 2 and 5): ca renew --days that ends
// the CA before a certificate it issued renews and logs a warning naming
// that certificate's serial and notAfter; a .truststore that does not open
// with the password given (--truststore-password-env) is left as it is,
// with a warning that does not show the password.
func TestCARenewWarnings(t *testing.T) {
	f := newFixture(t)
	mustRun(t, "sign", "--pki-dir", f.pki, "--name", "proxy", "--days", "400")
	cert := pkitest.ReadCert(t, f.pki+"/certs/proxy.cer")
	t.Setenv("PKIENROLL_TEST_TRUSTSTORE_PASSWORD", "mypass")
	r := runCLI(t, "ca", "renew", "--pki-dir", f.pki, "--days", "30", "--truststore-password-env", "PKIENROLL_TEST_TRUSTSTORE_PASSWORD")
	if r.code != 0 || !strings.Contains(r.stderr, "before certificates it issued") ||
		!strings.Contains(r.stderr, "serial 1001") || !strings.Contains(r.stderr, cert.NotAfter.Format("2006-01-02")) {
		t.Errorf("ca renew --days 30 after a 400-day certificate:\n%s", r)
	}
	if strings.Contains(r.stderr, ".truststore") {
		t.Errorf("ca renew with the right password warned of .truststore:\n%s", r)
	}

	t.Setenv("PKIENROLL_TEST_TRUSTSTORE_PASSWORD", "not-the-password")
	r = runCLI(t, "ca", "renew", "--pki-dir", f.pki, "--truststore-password-env", "PKIENROLL_TEST_TRUSTSTORE_PASSWORD")
	if r.code != 0 || !strings.Contains(r.stderr, ".truststore does not open") || strings.Contains(r.stderr, "before certificates it issued") {
		t.Errorf("ca renew with another password:\n%s", r)
	}
	checkNoSecrets(t, r.stderr, "not-the-password")
}

// TestCATrustStorePasswordNotASCII: a --truststore-password-* that Java
// cannot open a key store with (not printable ASCII) is refused by ca init
// and ca renew in one line naming the flag, not the password, before
// anything is written.
func TestCATrustStorePasswordNotASCII(t *testing.T) {
	f := newFixture(t)
	before := pkitest.Snapshot(t, f.pki)
	t.Setenv("PKIENROLL_TEST_TRUSTSTORE_PASSWORD", "tr\u00e8s-secret")
	r := runCLI(t, "ca", "renew", "--pki-dir", f.pki, "--truststore-password-env", "PKIENROLL_TEST_TRUSTSTORE_PASSWORD")
	if r.code != 1 || !strings.Contains(r.stderr, "--truststore-password-env: variable PKIENROLL_TEST_TRUSTSTORE_PASSWORD: ") ||
		!strings.Contains(r.stderr, "printable ASCII") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("ca renew with a password that is not ASCII:\n%s", r)
	}
	checkNoSecrets(t, r.stderr, "tr\u00e8s-secret")
	pkitest.AssertUnchanged(t, f.pki, before)

	dir := t.TempDir()
	passFile := dir + "/pass"
	pkitest.WriteFile(t, passFile, []byte("tab\there\n"), 0o600)
	r = runCLI(t, "ca", "init", "--pki-dir", dir+"/pki", "--subject", "/CN=Test CA", "--truststore-password-file", passFile)
	if r.code != 1 || !strings.Contains(r.stderr, "--truststore-password-file: "+passFile+": ") || !strings.Contains(r.stderr, "printable ASCII") {
		t.Errorf("ca init with a password that is not ASCII:\n%s", r)
	}
	checkNoSecrets(t, r.stderr, "tab\there")
	if _, err := os.Stat(dir + "/pki"); !os.IsNotExist(err) {
		t.Errorf("ca init made the directory: %v", err)
	}
}
