package pki_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// BenchmarkSignQueue is the rate of SignQueue under 32 concurrent callers
// (an EST server's enrollments at 32 clients, without the network), with
// the lock kept over up to four batches, batch n+1 signed while batch n is
// written (held=4), and with a hold of the lock per batch (held=1). Run
// both in one invocation so that the machine's load weighs on each alike:
//
//	go test ./pki -run '^$' -bench SignQueue -count 6 | benchstat -col /held -
func BenchmarkSignQueue(b *testing.B) {
	const callers = 32
	for _, held := range []int{1, 4} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
			s := pkitest.NewStore(b)
			reqs := queueRequests(b, s, names("proxy", callers)...)
			q := s.NewSignQueue()
			q.SetHeld(held)
			ctx := context.Background()
			var next sync.Mutex
			left := b.N
			b.ResetTimer()
			var wg sync.WaitGroup
			for c := range callers {
				wg.Go(func() {
					for {
						next.Lock()
						if left == 0 {
							next.Unlock()
							return
						}
						left--
						next.Unlock()
						if _, err := q.Sign(ctx, reqs[c]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
		})
	}
}
