package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestPKCS12CRLFPasswordFile: openssl's file: source keeps the '\r' of a
// password file saved with CRLF line ends, pkienroll drops it. A bundle
// openssl wrote with such a file opens with pkienroll and the same file
// (the password with its '\r' is tried when the one without fails); a
// bundle or a key pkienroll protects with such a file comes with a
// warning naming the file, and opens with openssl and the file's LF copy.
func TestPKCS12CRLFPasswordFile(t *testing.T) {
	pkitest.OpenSSL(t)
	f := newFixture(t)
	crlf, lf := f.path("crlf.pw"), f.path("lf.pw")
	writeFile(t, crlf, "s3cret-line\r\n")
	writeFile(t, lf, "s3cret-line\n")
	warned := func(t *testing.T, r result, what string) {
		t.Helper()
		checkNoSecrets(t, r.stderr, "s3cret-line")
		if r.code != 0 || !strings.Contains(r.stderr, "WARN") || !strings.Contains(r.stderr, "CR LF") || !strings.Contains(r.stderr, crlf) {
			t.Errorf("%s with a CRLF secret file:\n%s\nwant exit 0 and a warning naming %s", what, r, crlf)
		}
	}

	r := runCLI(t, "enroll", "--pki-dir", f.pki, "--name", "proxy", "--subject", proxySubject, "--password-file", crlf)
	warned(t, r, "enroll")
	p12 := filepath.Join(f.pki, "keys", "proxy.p12")
	openssl(t, "pkcs12", "-in", p12, "-passin", "file:"+lf, "-noout")
	opensslFails(t, "pkcs12", "-in", p12, "-passin", "file:"+crlf, "-noout")

	// The same bundle, written by openssl with the CRLF file.
	all, theirs := f.path("all.pem"), f.path("openssl.p12")
	openssl(t, "pkcs12", "-in", p12, "-passin", "file:"+lf, "-nodes", "-out", all)
	openssl(t, "pkcs12", "-export", "-in", all, "-passout", "file:"+crlf, "-out", theirs)
	openssl(t, "pkcs12", "-in", theirs, "-passin", "file:"+crlf, "-noout")
	r = runCLI(t, "pkcs12", "extract", "--in", theirs, "--passin-file", crlf, "--cert", f.path("out.cer"))
	if r.code != 0 || strings.Contains(r.stderr, "WARN") {
		t.Errorf("extract from openssl's bundle with the CRLF file it was written with:\n%s", r)
	}
	// The LF file is another password for openssl: not this bundle's.
	r = runCLI(t, "pkcs12", "extract", "--in", theirs, "--passin-file", lf, "--cert", f.path("lf.cer"))
	if r.code != exitError || !strings.Contains(r.stderr, "wrong password") {
		t.Errorf("extract from openssl's bundle with the LF file:\n%s\nwant wrong password", r)
	}

	key := f.path("out.key")
	r = runCLI(t, "pkcs12", "extract", "--in", p12, "--passin-file", crlf, "--key", key, "--passout-file", crlf)
	warned(t, r, "pkcs12 extract --passout-file")
	openssl(t, "pkey", "-in", key, "-passin", "file:"+lf, "-noout")
	opensslFails(t, "pkey", "-in", key, "-passin", "file:"+crlf, "-noout")
}
