package est_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// benchSizes are the numbers of names a CA has issued to in the
// benchmarks: a few proxies, an engine with a thousand hosts, a large one.
var benchSizes = []int{50, 1000, 5000}

// bigCA is a served CA that has issued certificates to many names, each
// with its certs/NAME.cer, certs/SERIAL.pem and index line, as a CA that
// enrolled that many hosts and proxies has.
type bigCA struct {
	e   *testEnv
	srv *est.Server
	key *ecdsa.PrivateKey
	// certs are the current certificate of each name, host0 ... hostN-1.
	certs []*x509.Certificate
}

// hostSubject and hostSANs are those of the i-th name of a bigCA.
func hostSubject(i int) string { return fmt.Sprintf("/C=US/O=Example Inc./CN=host%d.example.com", i) }
func hostSANs(i int) string    { return fmt.Sprintf("DNS:host%d.example.com", i) }

// newBigCA makes a served CA with n names, signed by the CA in batches;
// every certificate is for one EC key, which costs the fixture nothing
// and the CA the same signature.
func newBigCA(b *testing.B, n int) *bigCA {
	b.Helper()
	e := newEnv(b)
	f := &bigCA{e: e, srv: est.NewServer(e.store), key: ecKey(b), certs: make([]*x509.Certificate, 0, n)}
	const batch = 500
	for first := 0; first < n; first += batch {
		var reqs []pki.SignRequest
		for i := first; i < min(first+batch, n); i++ {
			csr, err := pki.ParseRequest(csr(b, f.key, hostSubject(i), hostSANs(i)))
			if err != nil {
				b.Fatal(err)
			}
			reqs = append(reqs, pki.SignRequest{Name: fmt.Sprintf("host%d", i), Request: csr})
		}
		issued, err := e.store.SignBatch(context.Background(), reqs)
		if err != nil {
			b.Fatal(err)
		}
		for _, is := range issued {
			f.certs = append(f.certs, is.Certificate)
		}
	}
	return f
}

// BenchmarkRenewal is one EST renewal (simplereenroll over TLS with the
// current certificate) at CAs of 50, 1 000 and 5 000 names; lookup-ns/op is
// the check the renewal makes under the store's lock (Precondition), the
// part of its time under the lock that could grow with the CA. Its cost at
// 5 000 names must stay within 1.5 times its cost at 50 (docs/performance.md).
func BenchmarkRenewal(b *testing.B) {
	for _, n := range benchSizes {
		f := newBigCA(b, n)
		next := 0
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			var lookup time.Duration
			b.ResetTimer()
			for range b.N {
				i := next % n
				next++
				cur := f.certs[i]
				start := time.Now()
				if name, err := f.srv.CurrentName(pki.FormatSerial(cur.SerialNumber)); err != nil || name != fmt.Sprintf("host%d", i) {
					b.Fatalf("current name of host%d: %q, %v", i, name, err)
				}
				lookup += time.Since(start)
				r := f.e.post(f.e.client(tlsCert(cur, f.key)), "simplereenroll", "", "application/pkcs10", b64(csr(b, f.key, hostSubject(i), hostSANs(i))))
				if r.status != http.StatusOK {
					b.Fatalf("renewal of host%d: %d %s", i, r.status, r.body)
				}
				f.certs[i] = certsOnly(b, r.body)[0]
			}
			b.ReportMetric(float64(lookup.Nanoseconds())/float64(b.N), "lookup-ns/op")
		})
	}
}

// BenchmarkEnrollAt is one EST enrollment with a token at CAs of 50,
// 1 000 and 5 000 names: it must cost the same at each.
func BenchmarkEnrollAt(b *testing.B) {
	for _, n := range benchSizes {
		f := newBigCA(b, n)
		next := 0
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			b.StopTimer()
			tokens := make([]string, b.N)
			names := make([]string, b.N)
			for i := range tokens {
				names[i] = fmt.Sprintf("new%d", next)
				next++
				tokens[i] = f.e.token(names[i], names[i]+".example.com", "DNS:"+names[i]+".example.com", time.Hour)
			}
			c := f.e.client(nil)
			b.StartTimer()
			for i := range b.N {
				r := f.e.post(c, "simpleenroll", tokens[i], "application/pkcs10", b64(csr(b, f.key, "/CN="+names[i]+".example.com", "")))
				if r.status != http.StatusOK {
					b.Fatalf("enrollment of %s: %d %s", names[i], r.status, r.body)
				}
			}
		})
	}
}

// BenchmarkRenewalGrowth interleaves renewals and enrollments at CAs of
// 50, 1 000 and 5 000 names, one of each at each size per iteration, so
// that the load of a shared machine, which drifts through a run, weighs on
// every size alike; it reports each size's latencies and the ratios of
// 5 000 names to 50, the claim of docs/performance.md.
func BenchmarkRenewalGrowth(b *testing.B) {
	cas := make([]*bigCA, len(benchSizes))
	for i, n := range benchSizes {
		cas[i] = newBigCA(b, n)
	}
	renew := make([]time.Duration, len(benchSizes))
	enroll := make([]time.Duration, len(benchSizes))
	next := 0
	for b.Loop() {
		for k, f := range cas {
			i := next % len(f.certs)
			cur := f.certs[i]
			body := b64(csr(b, f.key, hostSubject(i), hostSANs(i)))
			c := f.e.client(tlsCert(cur, f.key))
			start := time.Now()
			r := f.e.post(c, "simplereenroll", "", "application/pkcs10", body)
			renew[k] += time.Since(start)
			if r.status != http.StatusOK {
				b.Fatalf("renewal of host%d: %d %s", i, r.status, r.body)
			}
			f.certs[i] = certsOnly(b, r.body)[0]

			name := fmt.Sprintf("new%d", next)
			token := f.e.token(name, name+".example.com", "DNS:"+name+".example.com", time.Hour)
			body = b64(csr(b, f.key, "/CN="+name+".example.com", ""))
			c = f.e.client(nil)
			start = time.Now()
			r = f.e.post(c, "simpleenroll", token, "application/pkcs10", body)
			enroll[k] += time.Since(start)
			if r.status != http.StatusOK {
				b.Fatalf("enrollment of %s: %d %s", name, r.status, r.body)
			}
		}
		next++
	}
	last := len(benchSizes) - 1
	for k, n := range benchSizes {
		b.ReportMetric(float64(renew[k].Nanoseconds())/float64(b.N), fmt.Sprintf("renewal-ns@%d", n))
		b.ReportMetric(float64(enroll[k].Nanoseconds())/float64(b.N), fmt.Sprintf("enroll-ns@%d", n))
	}
	b.ReportMetric(float64(renew[last])/float64(renew[0]), fmt.Sprintf("renewal-%d/%d", benchSizes[last], benchSizes[0]))
	b.ReportMetric(float64(enroll[last])/float64(enroll[0]), fmt.Sprintf("enroll-%d/%d", benchSizes[last], benchSizes[0]))
}
