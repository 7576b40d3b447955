package pki_test

import (
	"testing"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// FuzzParseRequest feeds arbitrary bytes to the request reader, which reads
// files an engine receives from other hosts. It must never panic, and what it
// accepts must be a request signed by a strong key.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := pki.ParseRequest(data)
		if err != nil {
			return
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("accepted a request whose signature fails: %v", err)
		}
		if err := pki.ValidatePublicKey(csr.PublicKey); err != nil {
			t.Fatalf("accepted a request with a weak key: %v", err)
		}
		if _, err := dn.ParseDER(csr.RawSubject); err != nil {
			t.Fatalf("accepted a request whose subject does not parse: %v", err)
		}
	})
}
