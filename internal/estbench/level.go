package main

import (
	"context"
	"crypto"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/loadstat"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// bench is what every level shares: the server, its CA, and what makes
// each enrollment's token and request.
type bench struct {
	server, ca string
	subject    dn.Name
	tokens     *est.Tokens
	key        crypto.Signer
	n          int
	// made counts the hosts enrolled so far, for their names.
	made int
}

// result is one level's measurement.
type result struct {
	loadstat.Summary
	busy float64 // share of the machine's CPU time the process used
}

// enrollment is one host's token and request, made before the clock
// starts.
type enrollment struct {
	token string
	csr   []byte
}

// level enrolls b.n hosts with clients concurrent clients, each an
// est.Client of its own as a program on its own host would be. With keep
// each client keeps its connection from one enrollment to the next, as a
// load generator such as hey does; without, each enrollment makes its own
// connection and TLS handshake, as a proxy that enrolls once does.
func (b *bench) level(clients int, keep bool, profile string) (result, error) {
	jobs, err := b.enrollments()
	if err != nil {
		return result{}, err
	}
	// Bootstrap is each client's first contact; it is done, as the tokens
	// and requests are, before the clock starts.
	cs := make([]*est.Client, clients)
	for w := range cs {
		if cs[w], err = est.Bootstrap(context.Background(), b.server, b.ca); err != nil {
			return result{}, err
		}
		defer cs[w].CloseIdleConnections()
	}
	lat := make([]time.Duration, len(jobs))
	errs := make(chan error, clients)
	stopProfile, err := startProfile(profile)
	if err != nil {
		return result{}, err
	}
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for w, c := range cs {
		wg.Go(func() {
			for i := w; i < len(jobs); i += clients {
				t0 := time.Now()
				if _, err := c.Enroll(context.Background(), jobs[i].token, jobs[i].csr); err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t0)
				if !keep {
					c.CloseIdleConnections()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	busy := (cpuTime() - cpu0).Seconds() / elapsed.Seconds() / float64(runtime.NumCPU())
	stopProfile()
	close(errs)
	if err := <-errs; err != nil {
		return result{}, err
	}
	return result{Summary: loadstat.Summarize(lat, elapsed), busy: busy}, nil
}

// enrollments makes b.n tokens and requests for hosts not enrolled yet.
func (b *bench) enrollments() ([]enrollment, error) {
	jobs := make([]enrollment, b.n)
	for i := range jobs {
		b.made++
		cn := fmt.Sprintf("h%05d.example.com", b.made)
		name, err := dn.Derive(b.subject, cn)
		if err != nil {
			return nil, err
		}
		secret, _, err := b.tokens.Create(est.TokenRequest{Name: fmt.Sprintf("h%05d", b.made), Subject: name, Days: 825, TTL: time.Hour})
		if err != nil {
			return nil, err
		}
		csr, err := pki.CreateRequest(b.key, pki.RequestTemplate{Subject: name})
		if err != nil {
			return nil, err
		}
		jobs[i] = enrollment{secret, csr}
	}
	return jobs, nil
}

// cpuTime is the CPU time the process (clients and server) has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
