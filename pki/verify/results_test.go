package verify_test

import (
	"errors"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/verify"
)

func TestResultsErr(t *testing.T) {
	ok := verify.Results{{Check: verify.Chain, OK: true, Detail: "signed by /CN=ca"}}
	if err := ok.Err(); err != nil {
		t.Errorf("all passed: Err() = %v, want nil", err)
	}
	bad := verify.Results{
		{Check: verify.Chain, OK: true, Detail: "signed by /CN=ca"},
		{Check: verify.Key, Detail: "key does not match the certificate"},
		{Check: verify.Host, Detail: "x.example.com not in SANs (DNS:y.example.com)"},
	}
	err := bad.Err()
	if err == nil {
		t.Fatal("failed checks: Err() = nil")
	}
	want := "key: key does not match the certificate; host: x.example.com not in SANs (DNS:y.example.com)"
	if err.Error() != want {
		t.Errorf("Err() = %q, want %q", err, want)
	}
	if !errors.Is(err, verify.ErrFailed) || !errors.Is(err, pki.ErrKeyMismatch) {
		t.Errorf("Err() = %v: want it to be ErrFailed and pki.ErrKeyMismatch", err)
	}
	if err := bad[2:].Err(); errors.Is(err, pki.ErrKeyMismatch) {
		t.Errorf("host alone: %v is pki.ErrKeyMismatch", err)
	}
	if got := len(bad.Failed()); got != 2 {
		t.Errorf("Failed() has %d results, want 2", got)
	}
}
