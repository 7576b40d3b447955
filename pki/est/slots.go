package est

import "sync"

// DefaultMaxPerClient bounds the requests one client address has in
// progress at once: enough for a host that enrolls and fetches the CA
// together, and 16 addresses are needed to take DefaultMaxConcurrent.
const DefaultMaxPerClient = 4

// clientSlots counts the requests each client address (addrKey) has in
// progress. The lock is held for a map update only, never across a
// request; the map holds only addresses with requests in progress.
type clientSlots struct {
	max    int
	mu     sync.Mutex
	byAddr map[string]int
}

func newClientSlots(max int) *clientSlots {
	return &clientSlots{max: max, byAddr: map[string]int{}}
}

// take takes a slot for addr, or reports that addr has its share.
func (c *clientSlots) take(addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAddr[addr] >= c.max {
		return false
	}
	c.byAddr[addr]++
	return true
}

// give returns a slot that take gave addr.
func (c *clientSlots) give(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAddr[addr]--; c.byAddr[addr] <= 0 {
		delete(c.byAddr, addr)
	}
}
