package opensslsign_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// BenchmarkCASignature is one RSA-2048 PKCS#1 v1.5 SHA-256 signature with
// the CA key: Go's crypto/rsa, and OpenSSL's where this build has it
// (go test -tags openssl).
func BenchmarkCASignature(b *testing.B) {
	key := pkitest.SharedKey(b, pkitest.CAKey)
	d := sha256.Sum256([]byte("tbsCertificate"))
	signers := []struct {
		name string
		s    crypto.Signer
	}{{"go", key}}
	if s, err := opensslsign.New(key); err == nil {
		signers = append(signers, struct {
			name string
			s    crypto.Signer
		}{"openssl", s})
	}
	for _, c := range signers {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.s.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNew is what wrapping the CA key costs: the OpenSSL key object
// made from Go's.
func BenchmarkNew(b *testing.B) {
	key := pkitest.SharedKey(b, pkitest.CAKey)
	if _, err := opensslsign.New(key); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := opensslsign.New(key); err != nil {
			b.Fatal(err)
		}
	}
}
