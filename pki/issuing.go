package pki

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// issuing is a batch of certificates being signed on every core, with
// consecutive serials; nothing is written. Each job's serial is fixed by
// its place in the batch, so the result is the same as signing one by one,
// whatever order the signatures finish in.
//
// The signatures are most of a batch's CPU time and the file creates of its
// commit most of the rest (inode allocation is kernel CPU time): commit
// stages each certificate as soon as it is signed, while later ones are
// still being signed, so the two overlap on a machine with a core to spare
// (docs/performance.md).
type issuing struct {
	// basis is what the batch is signed with.
	basis issueBasis
	// next is the serial after the batch's last: serial.txt's new content.
	next *big.Int

	issued []*Issued
	errs   []error
	done   []chan struct{}
	// dispatched is closed once every job has been started (or skipped by
	// stop): a batch signed after this one waits for it, so that the
	// earlier batch's signatures come first.
	dispatched chan struct{}
	all        sync.WaitGroup
	// stopped is set by stop: jobs not yet started are not signed.
	stopped atomic.Bool
}

// issueBasis is what a batch's certificates are signed with: the CA, the
// first serial, the caIssuers URL of cert.conf, and the time.
type issueBasis struct {
	ca    *ca
	first *big.Int
	aia   string
	now   time.Time
}

// readBasis reads what a batch of n certificates is signed with from the
// directory: serial.txt and cert.conf. The caller holds the lock.
func (s *Store) readBasis(ca *ca, n int) (issueBasis, error) {
	first, err := readSerialFile(s.SerialPath())
	if err != nil {
		return issueBasis{}, err
	}
	if err := checkSerialRange(s.SerialPath(), first, n); err != nil {
		return issueBasis{}, err
	}
	// The scripts write cert.conf's caIssuers URL into every certificate;
	// so does a signer given none of its own.
	aia, err := s.configuredAIA()
	if err != nil {
		return issueBasis{}, fmt.Errorf("sign: %w", err)
	}
	return issueBasis{ca: ca, first: first, aia: aia, now: s.opts.now()}, nil
}

// sameAs reports whether certificates signed with b are what signing with
// cur would give: same CA certificate, same first serial, same caIssuers
// URL, and a time close enough.
func (b issueBasis) sameAs(cur issueBasis) bool {
	return b.first.Cmp(cur.first) == 0 && b.aia == cur.aia &&
		bytes.Equal(b.ca.cert.Raw, cur.ca.cert.Raw) &&
		cur.now.Sub(b.now).Abs() < presignedMaxAge
}

// presignedMaxAge bounds how long before its commit a batch may have been
// signed: notBefore is the signing time.
const presignedMaxAge = time.Minute

// startIssuing starts signing jobs with b. slots bounds the signatures in
// flight (nil: one per core, for this batch alone); after, when not nil,
// is a batch whose jobs go first. The caller calls stop (or waitAll)
// before it lets go of what the batch needs.
func (s *Store) startIssuing(b issueBasis, jobs []job, slots chan struct{}, after *issuing) *issuing {
	if slots == nil {
		slots = make(chan struct{}, runtime.GOMAXPROCS(0))
	}
	g := &issuing{
		basis:      b,
		next:       new(big.Int).Add(b.first, big.NewInt(int64(len(jobs)))),
		issued:     make([]*Issued, len(jobs)),
		errs:       make([]error, len(jobs)),
		done:       make([]chan struct{}, len(jobs)),
		dispatched: make(chan struct{}),
	}
	for i := range jobs {
		g.done[i] = make(chan struct{})
	}
	// The slots are taken in job order, so the first certificates are
	// signed first and commit can start staging them.
	g.all.Go(func() {
		defer close(g.dispatched)
		if after != nil {
			<-after.dispatched
		}
		for i := range jobs {
			serial := new(big.Int).Add(b.first, big.NewInt(int64(i)))
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
				g.issued[i], g.errs[i] = s.issue(b.ca, jobs[i], serial, b.now, b.aia)
			})
		}
	})
	return g
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
