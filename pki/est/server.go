package est

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
)

// PathPrefix is where RFC 7030 puts its operations.
const PathPrefix = "/.well-known/est/"

// DefaultMaxBody bounds a request's body: a PKCS#10 request in base64 is
// about 1.5 KB; pki reads request files up to 64 KiB.
const DefaultMaxBody = 64 << 10

// DefaultMaxConcurrent bounds the requests served at once; more are told
// to retry (503). Signing is serialised by the store's lock anyway.
const DefaultMaxConcurrent = 64

// DefaultBodyTimeout bounds the time a client has to send a request's
// body once the handler starts reading it: a request of 1.5 KB takes
// milliseconds, and one that trickles must not hold anything for long.
const DefaultBodyTimeout = 10 * time.Second

// Event is what the Server reports about each request it answers, for the
// caller's access log. It never holds a token or key material.
type Event struct {
	// Op is the operation: cacerts, simpleenroll, simplereenroll, csrattrs,
	// or "" for a path that is none of them.
	Op string
	// Remote is the client's address.
	Remote string
	// Status is the HTTP status sent.
	Status int
	// Refusal is the line sent to the client when Status is not 2xx.
	Refusal string
	// Err is the full cause of a refusal or failure, which may name files
	// of the PKI directory (the client sees only Refusal).
	Err error
	// Name is the certificate's name in the store.
	Name string
	// Serial is the issued certificate's serial.
	Serial string
	// TokenID is the first 12 hex digits of the token's hash, as `token
	// list` shows it; never the token.
	TokenID string
	// ClientSerial is the serial of the TLS client certificate, if any.
	ClientSerial string
	// Duration is how long the request took.
	Duration time.Duration
}

// Option tunes a Server.
type Option func(*options)

type options struct {
	now           func() time.Time
	maxBody       int64
	maxConcurrent int
	maxPerClient  int
	bodyTimeout   time.Duration
	maxFailures   int
	failureWindow time.Duration
	events        func(Event)
}

// WithNow replaces time.Now for token expiry and certificate validity
// checks, for tests; nil keeps time.Now.
func WithNow(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithMaxBody sets the largest request body accepted (DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(o *options) { o.maxBody = n } }

// WithMaxConcurrent sets how many requests are served at once
// (DefaultMaxConcurrent); a request beyond that gets 503 at once.
func WithMaxConcurrent(n int) Option { return func(o *options) { o.maxConcurrent = n } }

// WithMaxPerClient sets how many requests one client address may have in
// progress at once (DefaultMaxPerClient); one more gets 429 at once, which
// counts as a refusal for WithFailureLimit.
func WithMaxPerClient(n int) Option { return func(o *options) { o.maxPerClient = n } }

// WithBodyTimeout sets how long a client has to send a request's body
// (DefaultBodyTimeout); a slower one gets 408, which counts as a refusal
// for WithFailureLimit. The body is read before the request takes one of
// the WithMaxConcurrent slots, and before its token is looked up.
func WithBodyTimeout(d time.Duration) Option { return func(o *options) { o.bodyTimeout = d } }

// WithFailureLimit bounds the authorisation refusals (401, 403) and the
// wasted requests (408, 429 past WithMaxPerClient) one client address may
// have in a window (DefaultMaxFailures a
// DefaultFailureWindow); past it, its requests get 429 until the window
// ends. max 0 turns the bound off.
func WithFailureLimit(max int, window time.Duration) Option {
	return func(o *options) { o.maxFailures, o.failureWindow = max, window }
}

// WithEvents sets the function told about every request answered; it must
// be safe for concurrent use. nil tells nobody.
func WithEvents(f func(Event)) Option {
	return func(o *options) {
		if f != nil {
			o.events = f
		}
	}
}

// Server is an http.Handler that serves EST (RFC 7030) for one PKI
// directory. It must be served over TLS, with client certificates
// requested (tls.RequestClientCert) for simplereenroll.
type Server struct {
	store    *pki.Store
	tokens   *Tokens
	opts     options
	slots    chan struct{}
	clients  *clientSlots
	failures *failures
	queue    *pki.SignQueue
}

// NewServer returns the EST service of store, with its tokens in
// store.Dir()/est/tokens. store must not be nil; the zero Server is not
// usable.
func NewServer(store *pki.Store, opts ...Option) *Server {
	o := options{now: time.Now, maxBody: DefaultMaxBody, maxConcurrent: DefaultMaxConcurrent,
		maxPerClient: DefaultMaxPerClient, bodyTimeout: DefaultBodyTimeout,
		maxFailures: DefaultMaxFailures, failureWindow: DefaultFailureWindow, events: func(Event) {}}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.maxConcurrent < 1 {
		o.maxConcurrent = 1
	}
	if o.maxPerClient < 1 {
		o.maxPerClient = 1
	}
	if o.bodyTimeout <= 0 {
		o.bodyTimeout = DefaultBodyTimeout
	}
	tokens := OpenTokens(store.Dir())
	tokens.now = o.now
	return &Server{store: store, tokens: tokens, opts: o, slots: make(chan struct{}, o.maxConcurrent),
		clients: newClientSlots(o.maxPerClient), failures: newFailures(o.maxFailures, o.failureWindow, o.now), queue: store.NewSignQueue()}
}

// refusal is a request the server does not grant: the status, the one line
// the client is told, and the full cause for the log.
type refusal struct {
	status int
	msg    string
	err    error
	// retryAfter is the Retry-After of a 429, in seconds.
	retryAfter string
	// wasted marks a request that held the server for nothing (a body
	// too slow, more than the client's share): it counts as a refusal of
	// its address, as 401 and 403 do.
	wasted bool
}

func (r *refusal) Error() string { return r.msg }

func refuse(status int, err error, format string, args ...any) *refusal {
	return &refusal{status: status, msg: fmt.Sprintf(format, args...), err: err}
}

// reply is a successful answer.
type reply struct {
	contentType string
	body        []byte
}

// ServeHTTP answers one EST request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ev := Event{Remote: r.RemoteAddr}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		ev.ClientSerial = pki.FormatSerial(r.TLS.PeerCertificates[0].SerialNumber)
	}
	rep, ref := s.serve(w, r, &ev)
	if _, read := r.Body.(bodyRead); !read && r.ContentLength != 0 {
		// A body not read (a refusal before readBody, a GET with one):
		// close rather than let net/http read it to reuse the
		// connection, which a body that trickles would make last.
		w.Header().Set("Connection", "close")
	}
	if ref != nil {
		if ref.status == http.StatusUnauthorized || ref.status == http.StatusForbidden || ref.wasted {
			s.failures.add(r.RemoteAddr)
		}
		// One line, escaped: the client's, and the access log's, where a
		// newline in a name the client chose would start a record of its
		// own.
		line := printable.Escape(oneLine(ref.msg))
		ev.Status, ev.Refusal, ev.Err = ref.status, line, ref.err
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		if ref.status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Basic realm="pkienroll est"`)
		}
		if ref.status == http.StatusServiceUnavailable {
			h.Set("Retry-After", "1")
		}
		if ref.status == http.StatusTooManyRequests {
			h.Set("Retry-After", ref.retryAfter)
		}
		if ref.status == http.StatusMethodNotAllowed {
			h.Set("Allow", allowed[ev.Op])
		}
		w.WriteHeader(ref.status)
		fmt.Fprintln(w, line)
	} else {
		ev.Status = http.StatusOK
		if rep.body == nil {
			ev.Status = http.StatusNoContent
			w.WriteHeader(http.StatusNoContent)
		} else {
			w.Header().Set("Content-Type", rep.contentType)
			w.Header().Set("Content-Transfer-Encoding", "base64")
			_, _ = w.Write(rep.body)
		}
	}
	ev.Duration = time.Since(start)
	s.opts.events(ev)
}

// allowed is the method each operation takes.
var allowed = map[string]string{
	"cacerts":        http.MethodGet,
	"csrattrs":       http.MethodGet,
	"simpleenroll":   http.MethodPost,
	"simplereenroll": http.MethodPost,
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, ev *Event) (*reply, *refusal) {
	op, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	if !ok || strings.Contains(op, "/") {
		return nil, refuse(http.StatusNotFound, nil, "not found: the EST operations are %s{cacerts,simpleenroll,simplereenroll,csrattrs}", PathPrefix)
	}
	method, ok := allowed[op]
	if !ok {
		return nil, refuse(http.StatusNotFound, nil, "not found: %q is not an EST operation", op)
	}
	ev.Op = op
	if until, ok := s.failures.blocked(r.RemoteAddr); ok {
		wait := max(int(until.Sub(s.opts.now()).Seconds()+0.999), 1)
		ref := refuse(http.StatusTooManyRequests, nil, "too many refused requests from this address; retry in %d s", wait)
		ref.retryAfter = strconv.Itoa(wait)
		return nil, ref
	}
	if r.Method != method && (method != http.MethodGet || r.Method != http.MethodHead) {
		return nil, refuse(http.StatusMethodNotAllowed, nil, "%s takes %s", op, method)
	}
	// The client's own share first, before its body is read: past it,
	// the client is told so (429), and the slots of the others are not
	// touched. Its connections do not bound its requests: over HTTP/2
	// one connection carries many.
	addr := addrKey(r.RemoteAddr)
	if !s.clients.take(addr) {
		ref := refuse(http.StatusTooManyRequests, nil, "too many requests from this address in progress (%d); retry in 1 s", s.opts.maxPerClient)
		ref.retryAfter, ref.wasted = "1", true
		return nil, ref
	}
	defer s.clients.give(addr)
	// The whole body, bounded in size and time, before a signing slot is
	// taken and before the token is looked up: a body that trickles holds
	// only its client's share. enroll and reenroll read it from memory.
	if r.Method == http.MethodPost {
		body, ref := s.readBody(w, r)
		if ref != nil {
			return nil, ref
		}
		r.Body = bodyRead{bytes.NewReader(body)}
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		// Not counted as the client's waste: the slots are the others'.
		return nil, refuse(http.StatusServiceUnavailable, nil, "server busy: %d requests in progress; retry", cap(s.slots))
	}
	switch op {
	case "cacerts":
		return s.caCerts()
	case "csrattrs":
		// RFC 7030 §4.5.2: no attributes are required, so 204. The token
		// or the current certificate decides the names, not the request.
		return &reply{}, nil
	case "simpleenroll":
		return s.enroll(w, r, ev)
	default:
		return s.reenroll(w, r, ev)
	}
}

// caCerts answers /cacerts with the CA certificate as it is now in the
// directory, so a renewed CA is served without a restart.
func (s *Server) caCerts() (*reply, *refusal) {
	cas, err := pki.ReadCertificates(s.store.CACertPath())
	if err != nil {
		return nil, refuse(http.StatusInternalServerError, err, "internal error: cannot read the CA certificate")
	}
	body, err := certsOnly(cas)
	if err != nil {
		return nil, refuse(http.StatusInternalServerError, err, "internal error: cannot encode the CA certificate")
	}
	return &reply{contentType: "application/pkcs7-mime", body: body}, nil
}

// issuedReply is the answer to an enrollment: the new certificate alone,
// certs-only.
func issuedReply(is *pki.Issued) (*reply, *refusal) {
	body, err := certsOnly([]*x509.Certificate{is.Certificate})
	if err != nil {
		return nil, refuse(http.StatusInternalServerError, err, "internal error: cannot encode the certificate")
	}
	return &reply{contentType: "application/pkcs7-mime; smime-type=certs-only", body: body}, nil
}
