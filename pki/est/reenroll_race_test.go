package est_test

import (
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestReenrollRacing: renewals racing with one certificate get one new
// certificate; the others are told it was replaced, because "still the
// current certificate" is checked again under the store's lock.
func TestReenrollRacing(t *testing.T) {
	const n = 8
	e := newEnv(t, est.WithMaxPerClient(n))
	token := e.token("proxy", "proxy.example.com", "", time.Hour)
	key := ecKey(t)
	cert := e.enroll(token, csr(t, key, proxySubject, ""))
	body := b64(csr(t, key, proxySubject, "DNS:proxy.example.com"))
	c := e.client(tlsCert(cert, key))
	// Hold the lock, so that every renewal passes the first check and
	// waits for the lock: the race the second check is for.
	unlock := pkitest.HoldLock(t, e.store.CACertPath())
	rs := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { rs[i] = e.post(c, "simplereenroll", "", "application/pkcs10", body) })
	}
	time.Sleep(2 * time.Second)
	unlock()
	wg.Wait()
	if ok := winners(t, rs, "was replaced by a newer one"); ok != 1 || e.indexLines() != 2 {
		t.Errorf("%d renewals succeeded and %d index lines, want 1 and 2", ok, e.indexLines())
	}
	e.checkClean()
}
