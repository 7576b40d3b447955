package pki_test

import (
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// BenchmarkLoadCA is what each signing batch, CRL and revocation pays
// under the lock to read, parse and check the CA certificate and key (and
// wrap the key for OpenSSL in an openssl build).
func BenchmarkLoadCA(b *testing.B) {
	s := pkitest.NewStore(b)
	for b.Loop() {
		if _, err := s.LoadCA(); err != nil {
			b.Fatal(err)
		}
	}
}
