package pki

import (
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
)

// issuing is a batch of certificates being signed on every core, with
// consecutive serials from serial.txt; nothing is written. Each job's
// serial is fixed by its place in the batch, so the result is the same as
// signing one by one, whatever order the signatures finish in.
//
// The signatures are most of a batch's CPU time and the file creates of its
// commit most of the rest (inode allocation is kernel CPU time): commit
// stages each certificate as soon as it is signed, while later ones are
// still being signed, so the two overlap on a machine with a core to spare
// (docs/performance.md).
type issuing struct {
	// next is the serial after the batch's last: serial.txt's new content.
	next *big.Int

	issued []*Issued
	errs   []error
	done   []chan struct{}
	all    sync.WaitGroup
	// stopped is set by stop: jobs not yet started are not signed.
	stopped atomic.Bool
}

// startIssuing reads serial.txt and starts signing jobs. The caller holds
// the lock and, whatever happens, calls wait or waitAll before releasing it.
func (s *Store) startIssuing(ca *ca, jobs []job) (*issuing, error) {
	first, err := readSerialFile(s.SerialPath())
	if err != nil {
		return nil, err
	}
	if err := checkSerialRange(s.SerialPath(), first, len(jobs)); err != nil {
		return nil, err
	}
	// The scripts write cert.conf's caIssuers URL into every certificate;
	// so does a signer given none of its own.
	aia, err := s.configuredAIA()
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	now := s.opts.now()
	g := &issuing{
		next:   new(big.Int).Add(first, big.NewInt(int64(len(jobs)))),
		issued: make([]*Issued, len(jobs)),
		errs:   make([]error, len(jobs)),
		done:   make([]chan struct{}, len(jobs)),
	}
	for i := range jobs {
		g.done[i] = make(chan struct{})
	}
	// The slots are taken in job order, so the first certificates are
	// signed first and commit can start staging them.
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	g.all.Go(func() {
		for i := range jobs {
			serial := new(big.Int).Add(first, big.NewInt(int64(i)))
			slots <- struct{}{}
			if g.stopped.Load() {
				g.errs[i] = errStopped
				close(g.done[i])
				<-slots
				continue
			}
			g.all.Go(func() {
				defer func() { <-slots }()
				defer close(g.done[i])
				g.issued[i], g.errs[i] = s.issue(ca, jobs[i], serial, now, aia)
			})
		}
	})
	return g, nil
}

// wait returns the i-th certificate once it is signed.
func (g *issuing) wait(i int) (*Issued, error) {
	<-g.done[i]
	return g.issued[i], g.errs[i]
}

// waitAll waits for every signature and returns the certificates, or the
// first job's error.
func (g *issuing) waitAll() ([]*Issued, error) {
	g.all.Wait()
	for _, err := range g.errs {
		if err != nil {
			return nil, err
		}
	}
	return g.issued, nil
}

// errStopped is the error of a job that stop kept from being signed.
var errStopped = errors.New("sign: batch stopped")

// stop signs no more jobs and waits for those being signed: after it, no
// goroutine of the batch runs. It is safe to call more than once.
func (g *issuing) stop() {
	g.stopped.Store(true)
	g.all.Wait()
}
