package main

import (
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
)

// TestVersionSigner: the default build's `pkienroll version` is the one
// version line; a build with the OpenSSL signer names the signer on a second
// line, and PKIENROLL_SIGNER=go turns it to Go's.
func TestVersionSigner(t *testing.T) {
	r := runCLI(t, "version")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if !opensslsign.Built {
		if r.code != 0 || len(lines) != 1 {
			t.Fatalf("pkienroll version in the default build:\n%s\nwant one line", r)
		}
		return
	}
	if r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], "signature: openssl (OpenSSL ") {
		t.Fatalf("pkienroll version in an openssl build:\n%s\nwant a second line \"signature: openssl (OpenSSL …)\"", r)
	}
	t.Setenv(opensslsign.EnvVar, "go")
	r = runCLI(t, "version")
	if !strings.HasSuffix(r.stdout, "\nsignature: go (PKIENROLL_SIGNER=go)\n") {
		t.Errorf("pkienroll version with %s=go:\n%s", opensslsign.EnvVar, r)
	}
}
