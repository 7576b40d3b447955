package metrics

import (
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/pkienroll/pkienroll/pki/est"
)

var (
	tokensDesc     = desc{"pkienroll_tokens", "Enrollment tokens by state (active, expired, claimed, used, revoked)."}
	unreadableDesc = desc{"pkienroll_tokens_unreadable", "Token records that cannot be read (damaged): they enroll nothing; token list names the first."}
	openDesc       = desc{"pkienroll_connections_open", "Connections open now."}
	refusedDesc    = desc{"pkienroll_connections_refused_total", "Connections closed as they arrived: their address, or the server, at its bound."}
	closedDesc     = desc{"pkienroll_connections_closed_total", "Idle or silent connections closed to make room for others."}

	requestsDesc = desc{"pkienroll_est_requests_total", "EST requests answered, by operation (simpleenroll: a first enrollment, simplereenroll: a renewal, cacerts, csrattrs, other), result (ok, refused: 4xx, failed: 5xx) and HTTP status code."}
	durationDesc = desc{"pkienroll_est_request_duration_seconds", "Time to answer an EST request, by operation, waits for the PKI directory's lock included."}
)

// tokenStates are the states pkienroll_tokens always shows, 0 when no
// token is in one, so that an alert on a state has a series to look at.
var tokenStates = []est.TokenState{est.TokenActive, est.TokenExpired, est.TokenClaimed, est.TokenUsed, est.TokenRevoked}

// Server collects the state of `pkienroll serve` at each scrape: its
// tokens by state (the records under est/tokens) and its connections (the
// ConnLimiter's counts). Either may be nil.
type Server struct {
	tokens *est.Tokens
	conns  *est.ConnLimiter
}

// NewServer returns the collector of tokens and conns.
func NewServer(tokens *est.Tokens, conns *est.ConnLimiter) *Server {
	return &Server{tokens: tokens, conns: conns}
}

// Collect reads the tokens and the connection counts. A token directory
// that cannot be listed leaves pkienroll_tokens out and is the error; the
// connection counts are still returned. Records that cannot be read are
// counted in pkienroll_tokens_unreadable, the others by state, and the
// first one's reason is the error.
func (s *Server) Collect() ([]Family, error) {
	var out []Family
	var err error
	one := func(d desc, t Type, v float64) Family {
		return Family{Name: d.name, Help: d.help, Type: t, Metrics: []Metric{{Value: v}}}
	}
	if s.tokens != nil {
		census, cerr := s.tokens.Census()
		if cerr != nil {
			err = fmt.Errorf("metric %s: %w", tokensDesc.name, cerr)
		} else {
			f := Family{Name: tokensDesc.name, Help: tokensDesc.help, Type: Gauge}
			for _, st := range tokenStates {
				f.Metrics = append(f.Metrics, Metric{Labels: []Label{{"state", string(st)}}, Value: float64(census.ByState[st])})
			}
			out = append(out, f, one(unreadableDesc, Gauge, float64(census.Unreadable)))
			if census.UnreadableErr != nil {
				err = fmt.Errorf("metric %s: %w", unreadableDesc.name, census.UnreadableErr)
			}
		}
	}
	if s.conns != nil {
		st := s.conns.Stats()
		out = append(out,
			one(openDesc, Gauge, float64(st.Open)),
			one(refusedDesc, Counter, float64(st.Refused)),
			one(closedDesc, Counter, float64(st.Closed)))
	}
	return out, err
}

// Requests counts the EST requests answered, by operation and result, and
// their latency: events, which no state read at scrape time holds. Its
// Observe is an est.WithEvents function. The zero Requests is empty and
// ready to use, as NewRequests's is.
type Requests struct {
	mu       sync.Mutex
	total    map[[3]string]uint64 // op, result, code
	duration map[string]*HistogramValue
}

// latencyBuckets reach the lock timeout (20 s by default): an enrollment
// waiting for the PKI directory's lock is slow, not failed.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40}

// NewRequests returns an empty Requests.
func NewRequests() *Requests {
	return &Requests{total: map[[3]string]uint64{}, duration: map[string]*HistogramValue{}}
}

// Observe counts ev. It is safe for concurrent use.
func (r *Requests) Observe(ev est.Event) {
	op := ev.Op
	if op == "" {
		op = "other"
	}
	result := "ok"
	switch {
	case ev.Status >= 500:
		result = "failed"
	case ev.Status >= 300:
		result = "refused"
	}
	secs := ev.Duration.Seconds()
	// The first bucket whose bound is at least secs: a bucket counts the
	// observations up to and including its bound.
	first := sort.SearchFloat64s(latencyBuckets, secs)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.total == nil {
		r.total, r.duration = map[[3]string]uint64{}, map[string]*HistogramValue{}
	}
	r.total[[3]string{op, result, strconv.Itoa(ev.Status)}]++
	h := r.duration[op]
	if h == nil {
		h = &HistogramValue{Bounds: latencyBuckets, Cumulative: make([]uint64, len(latencyBuckets))}
		r.duration[op] = h
	}
	for i := first; i < len(h.Cumulative); i++ {
		h.Cumulative[i]++
	}
	h.Sum += secs
	h.Count++
}

// Collect returns the request counts and latencies so far; a family with
// no request yet has no series, and Gather leaves it out. The error is
// always nil.
func (r *Requests) Collect() ([]Family, error) {
	total := Family{Name: requestsDesc.name, Help: requestsDesc.help, Type: Counter}
	duration := Family{Name: durationDesc.name, Help: durationDesc.help, Type: Histogram}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, n := range r.total {
		total.Metrics = append(total.Metrics, Metric{
			Labels: []Label{{"op", k[0]}, {"result", k[1]}, {"code", k[2]}},
			Value:  float64(n),
		})
	}
	for op, h := range r.duration {
		c := *h
		c.Cumulative = append([]uint64(nil), h.Cumulative...)
		duration.Metrics = append(duration.Metrics, Metric{Labels: []Label{{"op", op}}, Hist: &c})
	}
	return []Family{total, duration}, nil
}
