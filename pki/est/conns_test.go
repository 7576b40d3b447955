package est_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/est"
)

// newBoundedEnv is newEnv served through the connection bounds of l, as
// `pkienroll serve` serves. It also returns the number of connections the
// http.Server holds, counted by a ConnState hook of the test's own, not by
// l: a connection l refuses never reaches the server.
func newBoundedEnv(t *testing.T, l *est.ConnLimiter, opts ...est.Option) (*testEnv, *atomic.Int64) {
	t.Helper()
	open := new(atomic.Int64)
	count := func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	return buildEnv(t, envConfig{limiter: l, connState: count}, opts...), open
}

// dialer dials from the loopback address ip, a client host of its own.
func dialer(ip string) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
}

// clientFrom is an HTTPS client of the server that connects from ip.
func (e *testEnv) clientFrom(ip string) *http.Client {
	c := e.client(nil)
	c.Transport.(*http.Transport).DialContext = dialer(ip).DialContext
	return c
}

// dialTLS opens a TLS connection to the server from ip.
func (e *testEnv) dialTLS(ip string) (*tls.Conn, error) {
	cfg := e.srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	return tls.DialWithDialer(dialer(ip), "tcp", strings.TrimPrefix(e.srv.URL, "https://"), cfg)
}

// cacertsOn sends a cacerts GET on conn, keeping it alive, and reads the
// answer.
func cacertsOn(conn net.Conn) error {
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	defer conn.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(conn, "GET %scacerts HTTP/1.1\r\nHost: est\r\n\r\n", est.PathPrefix); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cacerts: %s", resp.Status)
	}
	return nil
}

// holdIdle opens n connections from ip, each after one cacerts GET kept
// idle, as the flood of the issue did, and returns those that the server
// answered; the others were refused.
func (e *testEnv) holdIdle(ip string, n int) []net.Conn {
	e.t.Helper()
	var mu sync.Mutex
	var held []net.Conn
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				conn, err := e.dialTLS(ip)
				if err == nil {
					err = cacertsOn(conn)
				}
				if err != nil {
					if conn != nil {
						conn.Close()
					}
					continue
				}
				mu.Lock()
				held = append(held, conn)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	e.t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	return held
}

// enrollFrom enrolls a new host from ip and says how long it took.
func (e *testEnv) enrollFrom(ip, cn string) time.Duration {
	e.t.Helper()
	token := e.token(strings.TrimSuffix(cn, ".example.com"), cn, "", time.Hour)
	body := b64(csr(e.t, ecKey(e.t), "/CN="+cn, ""))
	start := time.Now()
	e.wantCert(e.post(e.clientFrom(ip), "simpleenroll", token, "application/pkcs10", body))
	return time.Since(start)
}

// waitOpen waits until the server holds at most want connections (closing
// takes the server's goroutines a moment), and returns how many it holds.
func waitOpen(open *atomic.Int64, want int64) int64 {
	deadline := time.Now().Add(5 * time.Second)
	for open.Load() > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return open.Load()
}

// TestConnFloodPerAddress: one address opening hundreds of connections and
// keeping them idle holds no more than its bound; another address still
// enrolls at once.
func TestConnFloodPerAddress(t *testing.T) {
	const perAddr, flood = 16, 300
	l := &est.ConnLimiter{MaxConns: 64, MaxConnsPerAddr: perAddr}
	e, open := newBoundedEnv(t, l)
	held := e.holdIdle("127.0.0.1", flood)
	if len(held) > perAddr {
		t.Errorf("one address holds %d connections, want at most %d", len(held), perAddr)
	}
	if n := waitOpen(open, perAddr); n > perAddr {
		t.Errorf("server holds %d connections, want at most %d", n, perAddr)
	}
	if st := l.Stats(); st.Refused < flood-perAddr {
		t.Errorf("stats %+v: want %d refused", st, flood-perAddr)
	}
	// Generous for a loaded machine: unbounded, the enrollment waited
	// 30 s and more.
	if d := e.enrollFrom("127.0.0.2", "other.example.com"); d > 10*time.Second {
		t.Errorf("enrollment from another address took %s", d)
	}
}

// TestConnFloodTotalClosesIdle: at the total bound a newcomer is let in and
// an idle connection of the address that holds the most is closed for it;
// the address holding fewer keeps its own.
func TestConnFloodTotalClosesIdle(t *testing.T) {
	const total = 8
	// Idle a minute under pressure: no connection is closed for being
	// idle, however slow the machine, only for the newcomer.
	l := &est.ConnLimiter{MaxConns: total, MaxConnsPerAddr: 100, IdleUnderPressure: time.Minute}
	e, open := newBoundedEnv(t, l)
	few := e.holdIdle("127.0.0.3", 2)
	many := e.holdIdle("127.0.0.1", total-2)
	if len(few) != 2 || len(many) != total-2 {
		t.Fatalf("held %d and %d connections, want 2 and %d", len(few), len(many), total-2)
	}
	if d := e.enrollFrom("127.0.0.2", "other.example.com"); d > 10*time.Second {
		t.Errorf("enrollment from another address took %s", d)
	}
	if n := waitOpen(open, total); n > total {
		t.Errorf("server holds %d connections, want at most %d", n, total)
	}
	for i, c := range few {
		if err := cacertsOn(c); err != nil {
			t.Errorf("connection %d of the address holding fewer was closed: %v", i, err)
		}
	}
	closed := 0
	for _, c := range many {
		if cacertsOn(c) != nil {
			closed++
		}
	}
	if closed == 0 {
		t.Error("no connection of the address holding the most was closed")
	}
}

// TestConnIdleUnderPressure: past three quarters of the total bound, a
// connection idle longer than IdleUnderPressure is closed when the next
// one comes, long before the server's IdleTimeout.
func TestConnIdleUnderPressure(t *testing.T) {
	l := &est.ConnLimiter{MaxConns: 8, MaxConnsPerAddr: 100, IdleUnderPressure: 100 * time.Millisecond}
	e, open := newBoundedEnv(t, l)
	if held := e.holdIdle("127.0.0.1", 6); len(held) != 6 {
		t.Fatalf("held %d connections, want 6", len(held))
	}
	time.Sleep(300 * time.Millisecond)
	if r := e.do(e.clientFrom("127.0.0.2"), mustGet(t, e.srv.URL+est.PathPrefix+"cacerts")); r.status != http.StatusOK {
		t.Fatalf("cacerts: %d %s", r.status, r.body)
	}
	// The newcomer's connection, idle in its client's pool, is what is left.
	if n := waitOpen(open, 1); n > 1 {
		t.Errorf("server holds %d connections, want the idle ones closed", n)
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
