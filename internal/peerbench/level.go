package main

import (
	"context"
	"crypto/x509"
	"errors"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/loadstat"
)

// request is one enrollment, made before the clock starts: a fresh key's
// request, and the token the server wants with it.
type request struct {
	cn    string
	token string
	csr   []byte // DER
}

// client is one load client with connections of its own, as a program on
// its own host would have.
type client interface {
	enroll(ctx context.Context, r request) (*x509.Certificate, error)
	closeIdle()
}

// peer is a server under measurement.
type peer interface {
	// name is the server's name in the table.
	name() string
	// requests makes n enrollments the server has not seen.
	requests(n int) ([]request, error)
	// client makes one client, its first contact done.
	client(ctx context.Context) (client, error)
}

// result is one level's measurement, of one round or of several (combine).
type result struct {
	loadstat.Summary
	// lat holds every enrollment's latency.
	lat []time.Duration
	// serverCPU and clientCPU are the CPU time the server's process and
	// the load clients (this process) spent on the level's enrollments,
	// unread where it could not be read.
	serverCPU, clientCPU time.Duration
	// first is a certificate the level got, to show who signed it how.
	first *x509.Certificate
}

// unread is a CPU time that could not be read.
const unread = time.Duration(-1)

// serverPerCert and clientPerCert are the server's and the clients' CPU
// time per enrollment, or unread.
func (r result) serverPerCert() time.Duration { return r.perCert(r.serverCPU) }
func (r result) clientPerCert() time.Duration { return r.perCert(r.clientCPU) }

// perCert is total over r's enrollments, or unread.
func (r result) perCert(total time.Duration) time.Duration {
	if total == unread || len(r.lat) == 0 {
		return unread
	}
	return total / time.Duration(len(r.lat))
}

// combine pools the rounds of one level of one server: the rate is the
// median of the rounds' rates (the lower of the middle two for an even
// number), which a stall of the machine in one round moves least; the
// latencies' percentiles are of all the rounds' enrollments; the CPU
// times are the rounds' sums, unread if any round's was.
func combine(rounds []result) result {
	if len(rounds) == 0 {
		return result{}
	}
	out := result{first: rounds[0].first}
	rates := make([]float64, len(rounds))
	for i, r := range rounds {
		rates[i] = r.Rate
		out.lat = append(out.lat, r.lat...)
		out.serverCPU = addCPU(out.serverCPU, r.serverCPU)
		out.clientCPU = addCPU(out.clientCPU, r.clientCPU)
	}
	out.P50, out.P99 = loadstat.Percentiles(out.lat)
	slices.Sort(rates)
	out.Rate = rates[(len(rates)-1)/2]
	return out
}

// addCPU is a+b, unread if either is.
func addCPU(a, b time.Duration) time.Duration {
	if a == unread || b == unread {
		return unread
	}
	return a + b
}

// level enrolls n hosts at p, served by srv, with clients concurrent
// clients. With keep each client keeps its connection from one enrollment
// to the next; without, each enrollment makes its own connection and TLS
// handshake. Both sides share the machine's cores, so the CPU time each
// spends per certificate is measured too: the rate alone cannot tell a
// cheaper server from a cheaper client.
func level(ctx context.Context, p peer, srv *process, n, clients int, keep bool) (result, error) {
	jobs, err := p.requests(n)
	if err != nil {
		return result{}, err
	}
	cs := make([]client, clients)
	for w := range cs {
		if cs[w], err = p.client(ctx); err != nil {
			return result{}, err
		}
		defer cs[w].closeIdle()
	}
	lat := make([]time.Duration, len(jobs))
	certs := make([]*x509.Certificate, clients)
	errs := make(chan error, clients)
	// Each server starts its turn with nothing of another's (or of the
	// requests made above) waiting to be written: a server that flushes
	// with syncfs would otherwise pay for the others' writes.
	syscall.Sync()
	server0, serverErr := srv.cpu()
	client0, clientErr := selfCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for w, c := range cs {
		wg.Go(func() {
			for i := w; i < len(jobs); i += clients {
				t0 := time.Now()
				cert, err := c.enroll(ctx, jobs[i])
				if err != nil {
					errs <- err
					return
				}
				certs[w] = cert
				lat[i] = time.Since(t0)
				if !keep {
					c.closeIdle()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	server1, err := srv.cpu()
	serverErr = errors.Join(serverErr, err)
	client1, err := selfCPU()
	clientErr = errors.Join(clientErr, err)
	close(errs)
	if err := <-errs; err != nil {
		return result{}, err
	}
	r := result{Summary: loadstat.Summarize(lat, elapsed), lat: lat, first: certs[0], serverCPU: unread, clientCPU: unread}
	if serverErr == nil {
		r.serverCPU = server1 - server0
	}
	if clientErr == nil {
		r.clientCPU = client1 - client0
	}
	return r, nil
}
