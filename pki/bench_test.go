package pki_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// fillDatabase gives the store rows index lines and moves serial.txt past
// them, as a CA that has issued that many certificates would have.
func fillDatabase(b *testing.B, s *pki.Store, rows int) {
	b.Helper()
	var sb strings.Builder
	expiry := time.Now().AddDate(5, 0, 0)
	// After the CA's own serial, 1000, as ca init leaves it (certs/1000.pem).
	serial := big.NewInt(0x1001)
	for i := range rows {
		e := pki.Entry{Status: pki.StatusValid, Expiry: expiry, Serial: pki.FormatSerial(serial), File: "unknown",
			Subject: fmt.Sprintf("/C=US/O=Example Inc./CN=host%d.example.com", i)}
		sb.WriteString(e.String())
		sb.WriteByte('\n')
		serial.Add(serial, big.NewInt(1))
	}
	if err := os.WriteFile(s.DatabasePath(), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(s.SerialPath(), []byte(pki.FormatSerial(serial)+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSign is the cost of one `pkienroll sign` in the library: lock,
// CA load, request check, signature, and the synced writes. Its cost must
// not grow with the index (openssl ca rewrites the whole index each time).
func BenchmarkSign(b *testing.B) {
	for _, rows := range []int{0, 10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			s := pkitest.NewStore(b)
			fillDatabase(b, s, rows)
			pkitest.WriteRequest(b, s, "proxy", pkitest.EngineProxySubject)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Sign(ctx, pki.SignRequest{Name: "proxy"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignBatch is the per-certificate cost of signing 50 requests
// under one lock; compare it with BenchmarkRawSignature.
func BenchmarkSignBatch(b *testing.B) {
	const batch = 50
	s := pkitest.NewStore(b)
	reqs := make([]pki.SignRequest, batch)
	for i := range reqs {
		reqs[i].Name = fmt.Sprintf("proxy%d", i)
		pkitest.WriteRequest(b, s, reqs[i].Name, fmt.Sprintf("/C=US/O=Example Inc./CN=proxy%d.example.com", i))
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.SignBatch(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/cert")
}

// BenchmarkRawSignature is the floor: one RSA-2048 PKCS#1 v1.5 signature.
func BenchmarkRawSignature(b *testing.B) {
	key := pkitest.SharedKey(b, pkitest.CAKey)
	digest := sha256.Sum256([]byte("to be signed"))
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateKey(b *testing.B) {
	for b.Loop() {
		if _, err := pki.GenerateKey(2048); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateRequest(b *testing.B) {
	key := pkitest.SharedKey(b, pkitest.RequestKey)
	tmpl := pki.RequestTemplate{Subject: pkitest.Name(b, pkitest.EngineProxySubject)}
	for b.Loop() {
		if _, err := pki.CreateRequest(key, tmpl); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRequest is what SignRequest.Request saves an EST
// enrollment, which parsed and checked its request already: parsing an EC
// P-256 request, checking its signature and subject, once more.
func BenchmarkParseRequest(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: pkitest.Name(b, pkitest.EngineProxySubject)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pki.ParseRequest(der); err != nil {
			b.Fatal(err)
		}
	}
}
