//go:build !(openssl && cgo)

package opensslsign_test

import (
	"errors"
	"testing"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// Without the tag there is no OpenSSL signer, whatever the environment says.
func TestFallback(t *testing.T) {
	t.Setenv(opensslsign.EnvVar, "openssl")
	if _, err := opensslsign.New(pkitest.SharedKey(t, pkitest.CAKey)); !errors.Is(err, opensslsign.ErrUnavailable) {
		t.Errorf("New: %v, want ErrUnavailable", err)
	}
	if got := opensslsign.Status(); got != "go" {
		t.Errorf("Status %q, want go", got)
	}
	if opensslsign.Built {
		t.Error("Built is true without the tag")
	}
}
