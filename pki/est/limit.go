package est

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults of the bound on refused attempts per client address: guessing
// tokens or trying certificates is slowed to this many refusals a window.
const (
	DefaultMaxFailures   = 20
	DefaultFailureWindow = time.Minute
)

// failures counts, per client address (addrKey), the authorisation
// refusals (401, 403) and the requests it wasted (408, and 429 for more
// than its share of slots) in the current window; an address at the bound is answered
// 429 until the window ends.
type failures struct {
	max    int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	byIP   map[string]*failureCount
}

type failureCount struct {
	start time.Time
	n     int
}

// maxTracked bounds the memory of the table; past it, expired entries are
// dropped.
const maxTracked = 10000

func newFailures(max int, window time.Duration, now func() time.Time) *failures {
	return &failures{max: max, window: window, now: now, byIP: map[string]*failureCount{}}
}

// blocked reports whether remote is at the bound, and until when.
func (f *failures) blocked(remote string) (time.Time, bool) {
	if f.max <= 0 {
		return time.Time{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.byIP[addrKey(remote)]
	if c == nil || f.now().Sub(c.start) >= f.window || c.n < f.max {
		return time.Time{}, false
	}
	return c.start.Add(f.window), true
}

// add counts one refusal of remote.
func (f *failures) add(remote string) {
	if f.max <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now, ip := f.now(), addrKey(remote)
	c := f.byIP[ip]
	if c == nil || now.Sub(c.start) >= f.window {
		if len(f.byIP) >= maxTracked {
			for k, v := range f.byIP {
				if now.Sub(v.start) >= f.window {
					delete(f.byIP, k)
				}
			}
		}
		c = &failureCount{start: now}
		f.byIP[ip] = c
	}
	c.n++
}

// addrKey is the client address that the bounds count by: the IP address
// of remote (host:port), or its /64 for IPv6, since one host is given a
// whole /64 and could otherwise take a new address for each connection.
func addrKey(remote string) string {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		if h, _, err := net.SplitHostPort(remote); err == nil {
			return h
		}
		return remote
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
