package est

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of ConnLimiter. Each open TLS connection costs the server a
// file descriptor and some 40 KB (buffers, TLS state, a goroutine); 1024
// of them is 40 MB and far below the descriptors Go allows (it raises the
// soft RLIMIT_NOFILE to the hard one at start, 4096 at the least on
// common systems), leaving descriptors for the PKI directory's files. 32
// per address is more than a client's connection pool or a NAT of a few
// proxies needs, and 32 addresses are needed to fill the total.
const (
	DefaultMaxConns        = 1024
	DefaultMaxConnsPerAddr = 32
	// DefaultIdleUnderPressure is how long a connection may stay idle
	// once three quarters of MaxConns are open; below that, the
	// server's IdleTimeout alone applies.
	DefaultIdleUnderPressure = 5 * time.Second
)

// ConnLimiter bounds the connections of an http.Server: in total and per
// client address (an IPv4 address, or an IPv6 /64). Its Listener wraps
// the server's listener and its ConnState must be the server's ConnState
// (or be called from it), so that it knows which connections are idle.
//
// Unlike golang.org/x/net/netutil.LimitListener, it never blocks Accept,
// which would let one address that holds connections keep every other
// out. A connection from an address at its bound is closed at once, before
// the TLS handshake (an HTTP answer would cost the handshake the flood
// wants the server to spend). At the total bound a newcomer is let in and
// an idle connection is closed for it, preferably one of the address
// holding the most; only when none is idle or still silent is the
// newcomer closed. Past three quarters of the total, a connection idle
// for IdleUnderPressure is closed when the next one arrives.
//
// The fields are read when connections arrive; set them before serving.
// A zero field means its default.
type ConnLimiter struct {
	// MaxConns bounds the connections open at once (DefaultMaxConns).
	MaxConns int
	// MaxConnsPerAddr bounds the connections of one client address
	// (DefaultMaxConnsPerAddr).
	MaxConnsPerAddr int
	// IdleUnderPressure is how long a connection may stay idle, or
	// silent after it was accepted, under pressure
	// (DefaultIdleUnderPressure).
	IdleUnderPressure time.Duration

	mu      sync.Mutex
	open    map[*limitedConn]struct{}
	perAddr map[string]int
	refused int64
	closed  int64
}

// ConnStats are a ConnLimiter's counts.
type ConnStats struct {
	// Open is the number of connections open now.
	Open int
	// Refused counts the connections closed as they arrived.
	Refused int64
	// Closed counts the idle or silent connections closed to make room.
	Closed int64
}

// Stats returns the counts of l.
func (l *ConnLimiter) Stats() ConnStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ConnStats{Open: len(l.open), Refused: l.refused, Closed: l.closed}
}

// Listener returns ln with l's bounds.
func (l *ConnLimiter) Listener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, l: l}
}

// ConnState tells l what state a connection is in, as
// http.Server.ConnState does. It takes no lock: two atomic stores.
func (l *ConnLimiter) ConnState(c net.Conn, s http.ConnState) {
	for {
		if lc, ok := c.(*limitedConn); ok {
			if lc.l == l {
				lc.since.Store(time.Now().UnixNano())
				lc.state.Store(int32(s))
			}
			return
		}
		// A TLS server sees a *tls.Conn wrapping the listener's conn.
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return
		}
		c = u.NetConn()
	}
}

type limitListener struct {
	net.Listener
	l *ConnLimiter
}

// Accept returns the next connection that l admits; those it refuses are
// closed and not returned.
func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := ll.l.admit(c); lc != nil {
			return lc, nil
		}
	}
}

// limitedConn is an admitted connection: its address, and its state as
// ConnState last reported it, since when.
type limitedConn struct {
	net.Conn
	l     *ConnLimiter
	addr  string
	state atomic.Int32
	since atomic.Int64
}

// Close forgets the connection, once, and closes it.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.forget(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// forget removes c from the table; l.mu is held. Forgetting twice is
// nothing: a victim is forgotten when chosen and again when the server
// closes it.
func (l *ConnLimiter) forget(c *limitedConn) {
	if _, ok := l.open[c]; !ok {
		return
	}
	delete(l.open, c)
	if l.perAddr[c.addr]--; l.perAddr[c.addr] <= 0 {
		delete(l.perAddr, c.addr)
	}
}

// admit decides on a new connection: it returns it tracked, or closes it
// and returns nil. Victims are closed outside the lock; their server
// goroutines then see the read fail and end.
func (l *ConnLimiter) admit(c net.Conn) *limitedConn {
	total, perAddr, idle := l.bounds()
	addr := addrKey(c.RemoteAddr().String())
	now := time.Now()
	var victims []*limitedConn
	l.mu.Lock()
	if l.open == nil {
		l.open, l.perAddr = map[*limitedConn]struct{}{}, map[string]int{}
	}
	if l.perAddr[addr] >= perAddr {
		l.refused++
		l.mu.Unlock()
		c.Close()
		return nil
	}
	if len(l.open) >= total-total/4 {
		victims = l.idleSince(now.Add(-idle).UnixNano())
	}
	if len(l.open) >= total {
		v := l.victim()
		if v == nil {
			l.refused++
			l.mu.Unlock()
			c.Close()
			return nil
		}
		l.forget(v)
		victims = append(victims, v)
	}
	l.closed += int64(len(victims))
	lc := &limitedConn{Conn: c, l: l, addr: addr}
	lc.since.Store(now.UnixNano())
	l.open[lc] = struct{}{}
	l.perAddr[addr]++
	l.mu.Unlock()
	for _, v := range victims {
		v.Conn.Close()
	}
	return lc
}

func (l *ConnLimiter) bounds() (total, perAddr int, idle time.Duration) {
	total, perAddr, idle = l.MaxConns, l.MaxConnsPerAddr, l.IdleUnderPressure
	if total <= 0 {
		total = DefaultMaxConns
	}
	if perAddr <= 0 {
		perAddr = DefaultMaxConnsPerAddr
	}
	if idle <= 0 {
		idle = DefaultIdleUnderPressure
	}
	return total, perAddr, idle
}

// closable reports whether c may be closed for another: idle between
// requests, or new and not yet through its first request's header. An
// active one is serving a request and is never closed.
func closable(c *limitedConn) bool {
	s := http.ConnState(c.state.Load())
	return s == http.StateIdle || s == http.StateNew
}

// idleSince forgets and returns the closable connections quiet since
// before cutoff (unix nanoseconds); l.mu is held.
func (l *ConnLimiter) idleSince(cutoff int64) []*limitedConn {
	var out []*limitedConn
	for c := range l.open {
		if closable(c) && c.since.Load() < cutoff {
			out = append(out, c)
		}
	}
	for _, c := range out {
		l.forget(c)
	}
	return out
}

// victim is the connection to close for a newcomer at the total bound:
// an idle one before a new one, of the address holding the most, quiet
// the longest; nil when every one is serving a request. l.mu is held; a
// scan of at most MaxConns, only at the bound.
func (l *ConnLimiter) victim() *limitedConn {
	var best *limitedConn
	var bestIdle bool
	var bestN int
	var bestSince int64
	for c := range l.open {
		if !closable(c) {
			continue
		}
		idle, n, since := http.ConnState(c.state.Load()) == http.StateIdle, l.perAddr[c.addr], c.since.Load()
		better := best == nil ||
			(idle && !bestIdle) ||
			(idle == bestIdle && (n > bestN || (n == bestN && since < bestSince)))
		if better {
			best, bestIdle, bestN, bestSince = c, idle, n, since
		}
	}
	return best
}
