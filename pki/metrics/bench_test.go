package metrics_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/metrics"
)

// BenchmarkScrapeFiles is one scrape of a PKI directory of 2 000 issued
// certificates: read, parse, gather and write the text format, as
// --metrics-listen and `pkienroll metrics` do.
func BenchmarkScrapeFiles(b *testing.B) {
	s := pkitest.NewStore(b)
	names := make([]string, 2000)
	for i := range names {
		names[i] = fmt.Sprintf("host%04d", i)
		pkitest.WriteRequest(b, s, names[i], "/C=US/O=Example Inc./CN="+names[i]+".example.com")
	}
	for i := 0; i < len(names); i += 100 {
		reqs := make([]pki.SignRequest, 0, 100)
		for _, n := range names[i : i+100] {
			reqs = append(reqs, pki.SignRequest{Name: n})
		}
		if _, err := s.SignBatch(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
	}
	files := metrics.NewFiles(s.Dir(), nil, metrics.WithNow(func() time.Time { return time.Now() }))
	b.ResetTimer()
	for b.Loop() {
		fams, err := metrics.Gather(files)
		if err != nil {
			b.Fatal(err)
		}
		if err := metrics.WriteText(io.Discard, fams); err != nil {
			b.Fatal(err)
		}
	}
}
