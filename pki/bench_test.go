package pki_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
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
	reqs := queueRequests(b, s, names("proxy", batch)...)
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

// benchSizes are the numbers of names a CA has issued to in the
// benchmarks of a CA's growth: a few proxies, an engine with a thousand
// hosts, a large one.
var benchSizes = []int{50, 1000, 5000}

// fillNames has the store sign n certificates, host0 ... host(n-1), each
// with its certs/NAME.cer, certs/SERIAL.pem and index line, as a CA that
// enrolled that many hosts has; every request is for key, which costs the
// fixture nothing and the CA the same signature.
func fillNames(b *testing.B, s *pki.Store, key crypto.Signer, n int) {
	b.Helper()
	const batch = 500
	for first := 0; first < n; first += batch {
		var reqs []pki.SignRequest
		for i := first; i < min(first+batch, n); i++ {
			reqs = append(reqs, pki.SignRequest{Name: fmt.Sprintf("host%d", i), Request: parsedRequest(b, key, fmt.Sprintf("/C=US/O=Example Inc./CN=host%d.example.com", i))})
		}
		if _, err := s.SignBatch(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
	}
}

// parsedRequest is a request by key for subject, parsed as the EST server
// hands it to the signer.
func parsedRequest(b *testing.B, key crypto.Signer, subject string) *x509.CertificateRequest {
	b.Helper()
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: pkitest.Name(b, subject)})
	if err != nil {
		b.Fatal(err)
	}
	csr, err := pki.ParseRequest(der)
	if err != nil {
		b.Fatal(err)
	}
	return csr
}

// ecBenchKey is a P-256 key for the benchmarks' requests.
func ecBenchKey(b *testing.B) crypto.Signer {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return key
}

// BenchmarkSignAt is one `pkienroll sign` at CAs of 50, 1 000 and 5 000
// names; it must cost the same at each (docs/performance.md). renewal= is
// the signing of an EST renewal: its Precondition, under the lock, looks
// the current certificate up (Store.Lookup) as est's does. locked-ns/op is
// the time under the lock, from the Precondition to Sign's return.
func BenchmarkSignAt(b *testing.B) {
	key := ecBenchKey(b)
	for _, n := range benchSizes {
		s := pkitest.NewStore(b)
		fillNames(b, s, key, n)
		csr := parsedRequest(b, key, pkitest.EngineProxySubject)
		for _, renewal := range []bool{false, true} {
			b.Run(fmt.Sprintf("names=%d/renewal=%v", n, renewal), func(b *testing.B) {
				var locked time.Duration
				var start time.Time
				current := ""
				req := pki.SignRequest{Name: "proxy", Request: csr, Precondition: func() error {
					start = time.Now()
					if !renewal || current == "" {
						return nil
					}
					is, err := s.Lookup(current)
					if err == nil && (is.Status != pki.StatusValid || len(is.Names) != 1 || is.Names[0] != "proxy") {
						err = fmt.Errorf("%s is not the current certificate of proxy: %+v", current, is)
					}
					return err
				}}
				for b.Loop() {
					is, err := s.Sign(context.Background(), req)
					if err != nil {
						b.Fatal(err)
					}
					locked += time.Since(start)
					current = is.Serial
				}
				b.ReportMetric(float64(locked.Nanoseconds())/float64(b.N), "locked-ns/op")
			})
		}
	}
}

// BenchmarkRevokeAt is one `pkienroll revoke` by name at CAs of 50, 1 000
// and 5 000 names; each certificate it revokes is signed first, untimed.
func BenchmarkRevokeAt(b *testing.B) {
	key := ecBenchKey(b)
	for _, n := range benchSizes {
		s := pkitest.NewStore(b)
		fillNames(b, s, key, n)
		next := 0
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			ctx := context.Background()
			for range b.N {
				b.StopTimer()
				name := fmt.Sprintf("revoked%d", next)
				next++
				if _, err := s.Sign(ctx, pki.SignRequest{Name: name, Request: parsedRequest(b, key, "/C=US/O=Example Inc./CN="+name+".example.com")}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := s.Revoke(ctx, pki.RevokeRequest{Name: name}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLookup is Store.Lookup, which an EST renewal makes twice (once
// under the lock), at CAs of 50, 1 000 and 5 000 names, each lookup of
// another name's certificate; list= is Store.List, which it replaces.
func BenchmarkLookup(b *testing.B) {
	key := ecBenchKey(b)
	for _, n := range benchSizes {
		s := pkitest.NewStore(b)
		fillNames(b, s, key, n)
		all, err := s.List()
		if err != nil {
			b.Fatal(err)
		}
		// The certificates a renewal presents: each the current one of a
		// name (the CA's own line has none).
		var list []pki.Issuance
		for _, is := range all {
			if len(is.Names) > 0 {
				list = append(list, is)
			}
		}
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				want := list[i%len(list)]
				i++
				is, err := s.Lookup(want.Serial)
				if err != nil || len(is.Names) != len(want.Names) {
					b.Fatalf("lookup %s: %+v, %v; want names %v", want.Serial, is, err, want.Names)
				}
			}
		})
		b.Run(fmt.Sprintf("list/names=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.List(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGrowth interleaves, operation by operation, the signing of an
// EST renewal (a Precondition that looks the current certificate up, as
// est's does) and a revocation at CAs of 50, 1 000 and 5 000 names, so
// that the load of a shared machine, which drifts through a run, weighs on
// every size alike. It reports each size's time under the lock for the
// renewal, each size's revocation (all of which is under the lock), the
// floor of that revocation (index-write: the durable write of a file the
// size of the index, which no revocation can avoid while the index is
// openssl's text file), and the ratios of 5 000 names to 50, the claim of
// docs/performance.md.
func BenchmarkGrowth(b *testing.B) {
	key := ecBenchKey(b)
	stores := make([]*pki.Store, len(benchSizes))
	for i, n := range benchSizes {
		stores[i] = pkitest.NewStore(b)
		fillNames(b, stores[i], key, n)
	}
	csr := parsedRequest(b, key, pkitest.EngineProxySubject)
	ctx := context.Background()
	locked := make([]time.Duration, len(benchSizes))
	revoke := make([]time.Duration, len(benchSizes))
	floor := make([]time.Duration, len(benchSizes))
	current := make([]string, len(benchSizes))
	next := 0
	for b.Loop() {
		name := fmt.Sprintf("revoked%d", next)
		next++
		for i, s := range stores {
			var start time.Time
			req := pki.SignRequest{Name: "proxy", Request: csr, Precondition: func() error {
				start = time.Now()
				if current[i] == "" {
					return nil
				}
				is, err := s.Lookup(current[i])
				if err == nil && (is.Status != pki.StatusValid || len(is.Names) != 1 || is.Names[0] != "proxy") {
					err = fmt.Errorf("%s is not the current certificate of proxy: %+v", current[i], is)
				}
				return err
			}}
			is, err := s.Sign(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			locked[i] += time.Since(start)
			current[i] = is.Serial
			if _, err := s.Sign(ctx, pki.SignRequest{Name: name, Request: csr}); err != nil {
				b.Fatal(err)
			}
			start = time.Now()
			if _, err := s.Revoke(ctx, pki.RevokeRequest{Name: name}); err != nil {
				b.Fatal(err)
			}
			revoke[i] += time.Since(start)
			floor[i] += durableWrite(b, s)
		}
	}
	last := len(benchSizes) - 1
	for i, n := range benchSizes {
		b.ReportMetric(float64(locked[i].Nanoseconds())/float64(b.N), fmt.Sprintf("renewal-locked-ns@%d", n))
		b.ReportMetric(float64(revoke[i].Nanoseconds())/float64(b.N), fmt.Sprintf("revoke-ns@%d", n))
		b.ReportMetric(float64(floor[i].Nanoseconds())/float64(b.N), fmt.Sprintf("index-write-ns@%d", n))
	}
	b.ReportMetric(float64(locked[last])/float64(locked[0]), fmt.Sprintf("renewal-locked-%d/%d", benchSizes[last], benchSizes[0]))
	b.ReportMetric(float64(revoke[last])/float64(revoke[0]), fmt.Sprintf("revoke-%d/%d", benchSizes[last], benchSizes[0]))
	b.ReportMetric(float64(floor[last])/float64(floor[0]), fmt.Sprintf("index-write-%d/%d", benchSizes[last], benchSizes[0]))
}

// durableWrite is the floor of a revocation in s: the time to write a copy
// of its index durably (temporary file, fsync, rename, directory sync), as
// a revocation must, since the line it changes grows and the index must
// never be seen half-written. The copy is read untimed.
func durableWrite(b *testing.B, s *pki.Store) time.Duration {
	b.Helper()
	data, err := os.ReadFile(s.DatabasePath())
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := atomicfile.WriteLocked(filepath.Join(s.Dir(), "index-copy.txt"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkCheckAt is `ca check` (Store.Check) and `list` (Store.List) at
// CAs of 50, 1 000 and 5 000 names: both read every certificate of the
// directory, so both grow with it, as they must.
func BenchmarkCheckAt(b *testing.B) {
	key := ecBenchKey(b)
	for _, n := range benchSizes {
		s := pkitest.NewStore(b)
		fillNames(b, s, key, n)
		b.Run(fmt.Sprintf("check/names=%d", n), func(b *testing.B) {
			for b.Loop() {
				if problems, err := s.Check(context.Background()); err != nil || len(problems) > 0 {
					b.Fatal(problems, err)
				}
			}
		})
		b.Run(fmt.Sprintf("list/names=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.List(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
