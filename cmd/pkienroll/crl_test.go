package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestCRLOutRefusesStoreFiles: `crl --out` naming one of the PKI
// directory's own files is refused, with and without --force, also through
// another spelling of the directory (a symbolic link to it); one line,
// nothing changed. Before, `crl --out pki/private/ca.pem` replaced the CA
// key with a CRL and exited 0.
func TestCRLOutRefusesStoreFiles(t *testing.T) {
	t.Parallel()
	alias := func(t *testing.T, f *fixture) {
		if err := os.Symlink("pki", f.path("alias")); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"keys", "est"} {
			if err := os.Mkdir(filepath.Join(f.pki, d), 0o700); err != nil && !os.IsExist(err) {
				t.Fatal(err)
			}
		}
		writeFile(t, filepath.Join(f.pki, "keys", "proxy.p12"), "bundle")
		if err := os.Chmod(filepath.Join(f.pki, "keys", "proxy.p12"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var cases []badCase
	for _, rel := range []string{
		"private/ca.pem", "ca.pem", "serial.txt", "database.txt", "database.txt.attr", "crlnumber.txt",
		"certs/ca.der", "certs/new.crl", "requests/proxy.req", "keys/proxy.p12", "keys/new.crl", "private/new.crl",
		".truststore", "openssl.conf", "cert.conf", "cacert.conf", "est/new.crl",
	} {
		for _, spelling := range []string{"pki", "alias"} {
			for _, force := range []bool{false, true} {
				args := []string{"crl", "--pki-dir", "{pki}", "--out", "{dir}/" + spelling + "/" + rel}
				name := spelling + "/" + rel
				if force {
					args = append(args, "--force")
					name += " --force"
				}
				cases = append(cases, badCase{name: name, setup: alias, args: flags(args...), code: exitError,
					want: []string{rel, "is a file of the pki directory"}})
			}
		}
	}
	checkBadInput(t, cases)
}

// TestCRLOutExisting: an existing --out is refused without --force, as
// keygen refuses, and nothing changes (crlnumber.txt included); with
// --force the old CRL is kept as FILE.YYYYMMDDHHMMSS and the new one has
// the next number.
func TestCRLOutExisting(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	out := f.path("ca.crl")
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out)
	first := pkitest.ReadFile(t, out)

	before := pkitest.Snapshot(t, f.dir)
	r := runCLI(t, "crl", "--pki-dir", f.pki, "--out", out)
	if r.code != exitError {
		t.Errorf("crl over an existing --out without --force: %s", r)
	}
	assertOneErrorLine(t, r.stderr, out, "--force")
	pkitest.AssertUnchanged(t, f.dir, before)

	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out, "--force")
	kept := backups(t, out)
	if len(kept) != 1 || pkitest.ReadFile(t, kept[0]) != first {
		t.Fatalf("backups of %s: %q, want one holding the first CRL", out, kept)
	}
	if got := crlNumber(t, out); got != "02" {
		t.Errorf("CRL number after --force %s, want 02", got)
	}
}

// TestCRLNeverGoesBackwards: with crlnumber.txt put back (a restored
// backup), `crl --force` refuses to replace the newer CRL at --out, and the
// store and the CRL are unchanged.
func TestCRLNeverGoesBackwards(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	out := f.path("ca.crl")
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out)
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out, "--force")
	writeFile(t, filepath.Join(f.pki, "crlnumber.txt"), "01\n")
	before := pkitest.Snapshot(t, f.dir)
	r := runCLI(t, "crl", "--pki-dir", f.pki, "--out", out, "--force")
	if r.code != exitError {
		t.Errorf("crl with crlnumber.txt behind the CRL at --out: %s", r)
	}
	assertOneErrorLine(t, r.stderr, out, "CRL number 02", "not older than the new 01")
	pkitest.AssertUnchanged(t, f.dir, before)
}

// TestCRLConcurrentRunsKeepRevocation runs `crl --force` processes against
// one --out while a certificate is revoked, then more after the revocation
// returned: the CRL left at --out has the highest number issued, lists the
// revocation, and `openssl verify -crl_check` refuses the certificate.
// Before, a slower run could publish its older CRL (without the revocation)
// after the lock was released, and openssl then said OK.
func TestCRLConcurrentRunsKeepRevocation(t *testing.T) {
	t.Parallel()
	pkitest.OpenSSL(t)
	f := newFixture(t)
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
	out := f.path("ca.crl")
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out)
	bin := binary(t)
	runCRLs := func(n int, wg *sync.WaitGroup, errs chan<- error) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(bin, "-q", "crl", "--pki-dir", f.pki, "--out", out, "--force")
				if b, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("crl: %v: %s", err, b)
				}
			}()
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	runCRLs(6, &wg, errs)
	mustRun(t, "-q", "revoke", "--pki-dir", f.pki, "--name", "proxy", "--reason", "keyCompromise")
	runCRLs(6, &wg, errs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	next := strings.TrimSpace(pkitest.ReadFile(t, filepath.Join(f.pki, "crlnumber.txt")))
	if got := crlNumber(t, out); fmt.Sprintf("%02X", mustHex(t, got)+1) != next {
		t.Errorf("CRL at --out has number %s, but crlnumber.txt says %s is next: an older CRL was published last", got, next)
	}
	cmd := exec.Command("openssl", "verify", "-crl_check", "-CAfile", f.caPEM, "-CRLfile", out, filepath.Join(f.pki, "certs", "proxy.cer"))
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "revoked") {
		t.Errorf("openssl verify -crl_check of the revoked certificate: %v\n%s", err, b)
	}
}

// TestCRLWriteFailureChangesNothing: when the CRL cannot be written (the
// file size limit of `ulimit -f`, which binds root too, stands in for a
// full disk; TestCRLFullDisk fills a real file system), crl fails with one
// line and crlnumber.txt and the old CRL are unchanged. Before,
// crlnumber.txt advanced.
func TestCRLWriteFailureChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	out := f.path("ca.crl")
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out)
	before := pkitest.Snapshot(t, f.dir)
	// 1 block of 512 bytes: crlnumber.txt fits, a CRL signed by an RSA
	// 2048 key does not. SIGXFSZ is ignored so that write(2) fails with
	// EFBIG instead of killing the process.
	script := "trap '' XFSZ; ulimit -f 1 && exec " + shellQuote(binary(t)) + " crl --pki-dir " + shellQuote(f.pki) + " --out " + shellQuote(out) + " --force"
	cmd := exec.Command("sh", "-c", script)
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("crl under ulimit -f 1: %v, want exit %d\n%s", err, exitError, b)
	}
	assertOneErrorLine(t, string(b), "write CRL", "file too large")
	pkitest.AssertUnchanged(t, f.dir, before)
}

// crlNumber is the CRL number of the CRL in path, uppercase hex.
func crlNumber(t *testing.T, path string) string {
	t.Helper()
	crl, err := pki.ReadCRL(path)
	if err != nil {
		t.Fatal(err)
	}
	if crl.Number == nil {
		t.Fatalf("%s has no CRL number", path)
	}
	return pki.FormatSerial(crl.Number)
}

func mustHex(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscanf(s, "%X", &n); err != nil {
		t.Fatalf("%q is not hex: %v", s, err)
	}
	return n
}

// TestCRLNumberTooLarge: a crlnumber.txt holding a number a CRL cannot
// carry (more than 20 octets, RFC 5280 5.2.3) is refused in one line that
// names the file and the problem, nothing written. Before, the signer
// said "x509: CRL number exceeds 20 octets" without naming the file. The
// largest number that fits is still used.
func TestCRLNumberTooLarge(t *testing.T) {
	t.Parallel()
	number := func(n string) func(t *testing.T, f *fixture) {
		return func(t *testing.T, f *fixture) { writeFile(t, filepath.Join(f.pki, "crlnumber.txt"), n+"\n") }
	}
	out := flags("crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl")
	var cases []badCase
	for _, n := range []string{strings.Repeat("F", 40), "80" + strings.Repeat("0", 38)} {
		cases = append(cases, badCase{name: n, setup: number(n), args: out, code: exitError,
			want: []string{"crlnumber.txt", "larger than a CRL number may be", "RFC 5280 5.2.3"}})
	}
	long := "1" + strings.Repeat("0", 40)
	cases = append(cases, badCase{name: long, setup: number(long), args: out, code: exitError,
		want: []string{"crlnumber.txt", "is not 1 to 40 hexadecimal digits"}})
	checkBadInput(t, cases)

	f := newFixture(t)
	largest := "7F" + strings.Repeat("F", 38)
	number(largest)(t, f)
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", f.path("ca.crl"))
	if got := crlNumber(t, f.path("ca.crl")); got != largest {
		t.Errorf("CRL number %s, want %s", got, largest)
	}
}
