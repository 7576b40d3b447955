package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestValidatePublicKeyWithoutValue: a key without its value (nil, as x509
// parses an unknown algorithm; an RSA key without modulus; an EC key
// without curve) is ErrWeakKey, not a panic.
func TestValidatePublicKeyWithoutValue(t *testing.T) {
	for name, pub := range map[string]crypto.PublicKey{
		"nil":              nil,
		"RSA without N":    &rsa.PublicKey{E: 65537},
		"nil RSA":          (*rsa.PublicKey)(nil),
		"EC without curve": &ecdsa.PublicKey{},
		"nil EC":           (*ecdsa.PublicKey)(nil),
	} {
		if err := pki.ValidatePublicKey(pub); !errors.Is(err, pki.ErrWeakKey) {
			t.Errorf("%s: %v, want ErrWeakKey", name, err)
		}
	}
}

// TestNilArguments: the functions that take a key, a certificate or a
// request answer a nil one instead of panicking.
func TestNilArguments(t *testing.T) {
	key := pkitest.SharedKey(t, 0)
	if pki.KeyMatches(key.Public(), nil) || pki.KeyMatches(nil, key) || pki.KeyMatches(nil, nil) {
		t.Error("a nil key matches")
	}
	if _, ok, err := pki.ParseAuthorityKeyID(nil); ok || err != nil {
		t.Errorf("ParseAuthorityKeyID(nil) = %v, %v", ok, err)
	}
	if got := pki.RequestSignatureAlgorithm(nil); got != "(unreadable)" {
		t.Errorf("RequestSignatureAlgorithm(nil) = %q", got)
	}
}
