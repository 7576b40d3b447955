package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pkienroll/pkienroll/pki/est"
)

var (
	tokensDesc = prometheus.NewDesc("pkienroll_tokens", "Enrollment tokens by state (active, expired, claimed, used, revoked).", []string{"state"}, nil)
	openDesc   = prometheus.NewDesc("pkienroll_connections_open", "Connections open now.", nil, nil)
	refusedDsc = prometheus.NewDesc("pkienroll_connections_refused_total", "Connections closed as they arrived: their address, or the server, at its bound.", nil, nil)
	closedDesc = prometheus.NewDesc("pkienroll_connections_closed_total", "Idle or silent connections closed to make room for others.", nil, nil)
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

// Describe sends the descriptions of the metrics Server collects.
func (s *Server) Describe(ch chan<- *prometheus.Desc) {
	ch <- tokensDesc
	ch <- openDesc
	ch <- refusedDsc
	ch <- closedDesc
}

// Collect reads the tokens and the connection counts and sends them. A
// token directory that cannot be listed is an error of the scrape for
// pkienroll_tokens alone.
func (s *Server) Collect(ch chan<- prometheus.Metric) {
	if s.tokens != nil {
		list, err := s.tokens.List()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(tokensDesc, err)
		} else {
			n := map[est.TokenState]int{}
			for _, t := range list {
				n[t.State]++
			}
			for _, st := range tokenStates {
				ch <- prometheus.MustNewConstMetric(tokensDesc, prometheus.GaugeValue, float64(n[st]), string(st))
			}
		}
	}
	if s.conns != nil {
		st := s.conns.Stats()
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(st.Open))
		ch <- prometheus.MustNewConstMetric(refusedDsc, prometheus.CounterValue, float64(st.Refused))
		ch <- prometheus.MustNewConstMetric(closedDesc, prometheus.CounterValue, float64(st.Closed))
	}
}

// Requests counts the EST requests answered, by operation and result, and
// their latency: events, which no state read at scrape time holds. Its
// Observe is an est.WithEvents function.
type Requests struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// latencyBuckets reach the lock timeout (20 s by default): an enrollment
// waiting for the PKI directory's lock is slow, not failed.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40}

// NewRequests returns an empty Requests.
func NewRequests() *Requests {
	return &Requests{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pkienroll_est_requests_total",
			Help: "EST requests answered, by operation (simpleenroll: a first enrollment, simplereenroll: a renewal, cacerts, csrattrs, other), result (ok, refused: 4xx, failed: 5xx) and HTTP status code.",
		}, []string{"op", "result", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pkienroll_est_request_duration_seconds",
			Help:    "Time to answer an EST request, by operation, waits for the PKI directory's lock included.",
			Buckets: latencyBuckets,
		}, []string{"op"}),
	}
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
	r.total.WithLabelValues(op, result, strconv.Itoa(ev.Status)).Inc()
	r.duration.WithLabelValues(op).Observe(ev.Duration.Seconds())
}

// Describe sends the descriptions of the request metrics.
func (r *Requests) Describe(ch chan<- *prometheus.Desc) {
	r.total.Describe(ch)
	r.duration.Describe(ch)
}

// Collect sends the request metrics.
func (r *Requests) Collect(ch chan<- prometheus.Metric) {
	r.total.Collect(ch)
	r.duration.Collect(ch)
}
