package main

import (
	"path/filepath"
	"testing"
)

// TestRevokeReasonUsage: a --reason that is not openssl's, and
// removeFromCRL, which RFC 5280 5.3.1 allows only in delta CRLs (pkienroll
// makes none), are usage errors (exit 80) said in one line, the directory
// unchanged. Before, a bad reason exited 1 and removeFromCRL was written
// into the index and then into a full CRL.
func TestRevokeReasonUsage(t *testing.T) {
	signed := func(t *testing.T, f *fixture) {
		mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
	}
	revoke := func(reason string) func(f *fixture) []string {
		return func(f *fixture) []string {
			return []string{"revoke", "--pki-dir", f.pki, "--name", "proxy", "--reason", reason}
		}
	}
	checkBadInput(t, []badCase{
		{name: "unknown", setup: signed, args: revoke("bored"), code: exitUsage,
			want: []string{`--reason: revocation reason "bored" is not one of openssl's`}},
		{name: "removeFromCRL", setup: signed, args: revoke("removeFromCRL"), code: exitUsage,
			want: []string{"--reason: revocation reason removeFromCRL is for delta CRLs only", "which pkienroll does not make"}},
		{name: "removeFromCRL in another case", setup: signed, args: revoke("REMOVEFROMCRL"), code: exitUsage,
			want: []string{"removeFromCRL is for delta CRLs only"}},
		{name: "privilegeWithdrawn, which openssl ca cannot read", setup: signed, args: revoke("privilegeWithdrawn"), code: exitUsage,
			want: []string{"--reason: revocation reason privilegeWithdrawn is not one openssl ca knows"}},
		{name: "AACompromise, which openssl ca cannot read", setup: signed, args: revoke("aacompromise"), code: exitUsage,
			want: []string{"--reason: revocation reason AACompromise is not one openssl ca knows"}},
		{name: "no directory", args: func(f *fixture) []string {
			return []string{"revoke", "--pki-dir", filepath.Join(f.dir, "nowhere"), "--serial", "1001", "--reason", "bored"}
		}, code: exitUsage, want: []string{`"bored"`}},
	})
}
