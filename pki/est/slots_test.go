package est_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/est"
)

// slowEnroll sends the header of an enrollment with token from ip, then
// its body one byte every interval, and returns the status the server
// answers (0 when it answers nothing within 30 s).
func (e *testEnv) slowEnroll(ip, token string, interval time.Duration) int {
	conn, err := e.dialTLS(ip)
	if err != nil {
		return 0
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	auth := base64.StdEncoding.EncodeToString([]byte("proxy:" + token))
	if _, err := fmt.Fprintf(conn, "POST %ssimpleenroll HTTP/1.1\r\nHost: est\r\nAuthorization: Basic %s\r\n"+
		"Content-Type: application/pkcs10\r\nContent-Length: 2000\r\n\r\n", est.PathPrefix, auth); err != nil {
		return 0
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("M")); err != nil {
					return
				}
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSlowBodies: requests from one address whose bodies trickle, all with
// one unused token, take no signing slot: another address enrolls at once,
// the slow ones end with 408 or 429, their token stays unused, and the
// address that wasted them is then refused for a while.
func TestSlowBodies(t *testing.T) {
	const slow = est.DefaultMaxConcurrent
	e := newEnv(t, est.WithBodyTimeout(time.Second))
	unused := e.token("slow", "slow.example.com", "", time.Hour)
	statuses := make([]int, slow)
	var wg sync.WaitGroup
	for i := range slow {
		wg.Go(func() { statuses[i] = e.slowEnroll("127.0.0.1", unused, 200*time.Millisecond) })
	}
	// Let the slow requests arrive, so that unbounded they would hold every
	// slot.
	time.Sleep(500 * time.Millisecond)
	if d := e.enrollFrom("127.0.0.2", "other.example.com"); d > 10*time.Second {
		t.Errorf("enrollment from another address took %s", d)
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[http.StatusRequestTimeout] == 0 || counts[http.StatusRequestTimeout]+counts[http.StatusTooManyRequests] != slow {
		t.Errorf("slow requests ended with %v, want only 408 and 429, some 408", counts)
	}
	list, err := e.tokens.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list {
		if tok.Name == "slow" && tok.State != est.TokenActive {
			t.Errorf("the slow requests' token is %s, want active", tok.State)
		}
	}
	if n := e.indexLines(); n != 1 {
		t.Errorf("%d index lines, want the other address's one", n)
	}
	// What the address wasted counts as refusals: it is refused for the
	// window, the other address is not.
	r := e.do(e.clientFrom("127.0.0.1"), mustGet(t, e.srv.URL+est.PathPrefix+"cacerts"))
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "too many refused requests") {
		t.Errorf("the wasting address then got %d %q, want 429", r.status, r.body)
	}
	if r := e.do(e.clientFrom("127.0.0.2"), mustGet(t, e.srv.URL+est.PathPrefix+"cacerts")); r.status != http.StatusOK {
		t.Errorf("the other address then got %d %q, want 200", r.status, r.body)
	}
}

// TestSlotsPerClient: an address that has its share of requests in
// progress gets 429 with Retry-After for one more; another address is
// served meanwhile.
func TestSlotsPerClient(t *testing.T) {
	e := newEnv(t, est.WithMaxPerClient(2), est.WithMaxConcurrent(8), est.WithFailureLimit(0, 0))
	// Hold the CA's lock, so that the enrollments wait inside the server.
	unlock := pkitest.HoldLock(t, e.store.CACertPath())
	results := make(chan response, 2)
	for _, cn := range []string{"a.example.com", "b.example.com"} {
		token := e.token(strings.TrimSuffix(cn, ".example.com"), cn, "", time.Hour)
		body := b64(csr(t, ecKey(t), "/CN="+cn, ""))
		go func() {
			// A poll below may hold a slot of the address for a moment.
			for {
				r := e.post(e.clientFrom("127.0.0.1"), "simpleenroll", token, "application/pkcs10", body)
				if r.status != http.StatusTooManyRequests {
					results <- r
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	var r response
	for time.Now().Before(deadline) {
		if r = e.do(e.clientFrom("127.0.0.1"), mustGet(t, e.srv.URL+est.PathPrefix+"cacerts")); r.status == http.StatusTooManyRequests {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "requests from this address in progress") || r.header.Get("Retry-After") == "" {
		t.Errorf("a third request of the address: %d %q, want 429 with Retry-After", r.status, r.body)
	}
	if r := e.do(e.clientFrom("127.0.0.2"), mustGet(t, e.srv.URL+est.PathPrefix+"cacerts")); r.status != http.StatusOK {
		t.Errorf("another address meanwhile: %d %q, want 200", r.status, r.body)
	}
	unlock()
	for range 2 {
		if r := <-results; r.status != http.StatusOK {
			t.Errorf("enrollment: %d %s", r.status, r.body)
		}
	}
}
