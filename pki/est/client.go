package est

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
)

// ErrFingerprint reports a server whose CA does not have the fingerprint
// the client was given.
var ErrFingerprint = errors.New("CA fingerprint does not match")

// maxResponse bounds what the client reads of an answer.
const maxResponse = 1 << 20

// Fingerprint is the SHA-256 of a certificate as the client takes it:
// "SHA256:" and lowercase hex; "" for a nil c.
func Fingerprint(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	sum := sha256.Sum256(c.Raw)
	return "SHA256:" + hex.EncodeToString(sum[:])
}

// ErrFingerprintForm reports a fingerprint that is not a SHA-256 as
// ParseFingerprint reads one.
var ErrFingerprintForm = errors.New("not a SHA-256 fingerprint: want SHA256: and 64 hex digits, or openssl's 32 colon-separated pairs of hex digits (AB:CD:…:EF)")

// ParseFingerprint reads a CA fingerprint as the admin copies it: "SHA256:"
// (any case) and 64 hex digits, bare hex, or openssl's 32 colon-separated
// hex pairs (what `openssl x509 -fingerprint -sha256` prints after "="),
// and returns it as 64 lowercase hex digits.
// Anything else wraps ErrFingerprintForm: it is refused before a server is
// contacted.
func ParseFingerprint(s string) (string, error) {
	v := strings.TrimSpace(s)
	if i := strings.IndexByte(v, ':'); i >= 0 && strings.EqualFold(v[:i], "sha256") {
		v = v[i+1:]
	}
	hexDigits := v
	if strings.Contains(v, ":") {
		pairs := strings.Split(v, ":")
		if len(pairs) != sha256.Size {
			return "", ErrFingerprintForm
		}
		for _, p := range pairs {
			if len(p) != 2 {
				return "", ErrFingerprintForm
			}
		}
		hexDigits = strings.Join(pairs, "")
	}
	if len(hexDigits) != sha256.Size*2 {
		return "", ErrFingerprintForm
	}
	if _, err := hex.DecodeString(hexDigits); err != nil {
		return "", ErrFingerprintForm
	}
	return strings.ToLower(hexDigits), nil
}

// ServerError is a refusal from the server: its status and the line it
// sent. A refusal of the token or of what the request asks for wraps the
// package's sentinel for it (ErrUnknownToken, ErrTokenUsed,
// ErrTokenRevoked, ErrTokenExpired, ErrNotAllowed), so that
// errors.Is(err, ErrTokenUsed) holds for the server's "token was used
// already". The line holds no control character (printable.Escape) and
// never the token the client sent, which a server may echo: it is shown as
// xxxxx.
type ServerError struct {
	Op      string
	Status  int
	Message string
	// RetryAfter is the Retry-After of a 429 or 503 answer, escaped; ""
	// without one.
	RetryAfter string
	// Retries is how many times the request was sent again, as earlier 429
	// or 503 answers asked, before this answer; Waited is the time waited
	// for them.
	Retries int
	Waited  time.Duration
	// Err is the sentinel the refusal maps to, or nil.
	Err error
}

// Error is the refusal as one line: the operation, the status, the
// server's reason and, for a busy server, what to do.
func (e *ServerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "est %s: server answered %d", e.Op, e.Status)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	} else if text := http.StatusText(e.Status); text != "" {
		b.WriteString(" " + text + ", without a reason")
	}
	if busy := e.busy(); busy != "" {
		b.WriteString(" (" + busy + ")")
	}
	return b.String()
}

// busy says what a 429 or 503 means for the caller: the server is busy,
// how long the client waited for it, and when to try again.
func (e *ServerError) busy() string {
	if e.Status != http.StatusTooManyRequests && e.Status != http.StatusServiceUnavailable {
		return ""
	}
	switch {
	case e.Retries > 0:
		return fmt.Sprintf("the server is busy: the request was sent %d times, %s waited in all as its Retry-After asked; try again later", e.Retries+1, e.Waited)
	case e.RetryAfter == "":
		return "the server is busy; try again later"
	}
	if secs, err := strconv.Atoi(e.RetryAfter); err == nil && secs >= 0 {
		return fmt.Sprintf("the server is busy and asks to wait %s (Retry-After: %d), longer than the client waits; try again then", time.Duration(secs)*time.Second, secs)
	}
	return fmt.Sprintf("the server is busy (Retry-After: %s); try again later", e.RetryAfter)
}

// Unwrap returns the sentinel the refusal maps to.
func (e *ServerError) Unwrap() error { return e.Err }

// refusalSentinels are the sentinels a 401 or 403 may carry: the server
// sends each one's text (enroll.go's tokenRefusal and Token.grant).
var refusalSentinels = []error{ErrUnknownToken, ErrTokenUsed, ErrTokenRevoked, ErrTokenExpired, ErrNotAllowed}

// sentinelOf is the sentinel of a 401 or 403 whose line is its text, or
// ends with it (": not allowed"), or starts with it ("token expired at
// ..."): not merely holds it, since the line may quote the request's
// names.
func sentinelOf(status int, msg string) error {
	if status != http.StatusUnauthorized && status != http.StatusForbidden {
		return nil
	}
	for _, s := range refusalSentinels {
		text := s.Error()
		if msg == text || strings.HasSuffix(msg, ": "+text) || strings.HasPrefix(msg, text+" ") {
			return s
		}
	}
	return nil
}

// Client enrolls with an EST server whose CA it trusts. It is safe for
// concurrent use. Enrollments with a token share the client's connections,
// kept open between calls as a browser keeps them, so a program that
// enrolls many hosts makes one TLS handshake per connection, not per host;
// CloseIdleConnections closes them. A renewal, which presents a client
// certificate, has a connection of its own, closed when it ends.
//
// Make one with NewClient or Bootstrap: a Client made otherwise, even with
// CA set, trusts no server, and its calls return an error.
type Client struct {
	base  string
	roots *x509.CertPool
	// shared carries the calls that present no client certificate.
	shared *http.Client
	// CA is the CA certificate the client trusts.
	CA *x509.Certificate
}

// Bootstrap connects to server (https://host:port) without trusting it
// yet, fetches its CA certificates, and trusts the one whose SHA-256 is
// fingerprint, as `step ca bootstrap` does; the server's own TLS
// certificate must then verify under that CA. Anything else is
// ErrFingerprint, and nothing is trusted.
func Bootstrap(ctx context.Context, server, fingerprint string) (*Client, error) {
	base, err := serverBase(server)
	if err != nil {
		return nil, fmt.Errorf("est bootstrap: %w", err)
	}
	want, err := ParseFingerprint(fingerprint)
	if err != nil {
		return nil, fmt.Errorf("est bootstrap: fingerprint \"%s\": %w", printable.Escape(fingerprint), err)
	}
	// Trust nothing yet: the answer is checked against the fingerprint,
	// and the connection against the CA it names, before anything is used.
	insecure := &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirect, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // verified below
	}}
	defer insecure.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+PathPrefix+"cacerts", nil)
	if err != nil {
		return nil, fmt.Errorf("est bootstrap: %w", err)
	}
	resp, done, err := doRetrying(ctx, insecure, func() (*http.Request, error) { return req.Clone(ctx), nil })
	if err != nil {
		return nil, fmt.Errorf("est bootstrap: %w", err)
	}
	defer resp.Body.Close()
	body, err := readAnswer("cacerts", resp, done, "")
	if err != nil {
		return nil, fmt.Errorf("est bootstrap: %w", err)
	}
	certs, err := parseCertsOnly(body)
	if err != nil {
		return nil, fmt.Errorf("est bootstrap: cacerts: %w", err)
	}
	var ca *x509.Certificate
	for _, c := range certs {
		if sum := sha256.Sum256(c.Raw); hex.EncodeToString(sum[:]) == want {
			ca = c
		}
	}
	if ca == nil {
		return nil, fmt.Errorf("est bootstrap: %s serves no CA with fingerprint SHA256:%s: %w", base, want, ErrFingerprint)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		return nil, fmt.Errorf("est bootstrap: no TLS certificate from %s", base)
	}
	inter := x509.NewCertPool()
	for _, c := range resp.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	host := req.URL.Hostname()
	if _, err := resp.TLS.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host}); err != nil {
		return nil, fmt.Errorf("est bootstrap: the server's certificate does not verify under the CA with that fingerprint: %v: %w", err, ErrFingerprint)
	}
	return newClient(base, ca), nil
}

// serverBase checks server, https://HOST[:PORT], and returns it without a
// trailing slash. Credentials in it are refused, and not shown: the client
// authenticates with the token or its certificate, and net/http would send
// them as Basic authorization, in Bootstrap to a server not yet trusted.
func serverBase(server string) (string, error) {
	base := strings.TrimSuffix(server, "/")
	switch {
	case !strings.HasPrefix(base, "https://"):
		return "", fmt.Errorf("server %q is not an https:// URL", printable.RedactCredentials(server))
	case strings.Contains(base, "@"):
		return "", fmt.Errorf("server %q: want https://HOST[:PORT], without credentials", printable.RedactCredentials(server))
	}
	return base, nil
}

// newClient is a client of the server at base (https://host:port) that
// trusts ca alone.
func newClient(base string, ca *x509.Certificate) *Client {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	shared := &http.Client{Timeout: callTimeout, CheckRedirect: noRedirect, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: maxIdleConns,
		IdleConnTimeout:     idleConnTimeout,
	}}
	return &Client{base: base, roots: roots, shared: shared, CA: ca}
}

// noRedirect refuses every redirect. EST needs none, and one that led to
// plain HTTP or another host would carry the token, or the request, where
// the CA vouches for nobody.
func noRedirect(req *http.Request, _ []*http.Request) error {
	return fmt.Errorf("the server redirects to %s: refused, EST follows no redirect", req.URL.Redacted())
}

// Limits of the client's calls and of the connections it keeps.
const (
	callTimeout     = 2 * time.Minute
	maxIdleConns    = 64
	idleConnTimeout = 90 * time.Second
)

// CloseIdleConnections closes the connections the client keeps open
// between enrollments; a later call opens a new one.
func (c *Client) CloseIdleConnections() {
	if c.shared != nil {
		c.shared.CloseIdleConnections()
	}
}

// Enroll sends csr (DER) with token and returns the new certificate, once
// it has checked that it verifies under the CA and is what csr asked for:
// its key, its CN, exactly its SANs (the CN when it asks none), not a CA,
// for TLS servers, valid now and for at least half a day more. Anything
// else wraps ErrNotAsked.
func (c *Client) Enroll(ctx context.Context, token string, csr []byte) (*x509.Certificate, error) {
	return c.post(ctx, "simpleenroll", csr, token, nil)
}

// Reenroll renews cert, presented as TLS client certificate, with csr
// (DER; its subject and SANs must be cert's), and returns the new
// certificate, checked as Enroll checks it; it must also not end before
// cert does.
func (c *Client) Reenroll(ctx context.Context, cert tls.Certificate, csr []byte) (*x509.Certificate, error) {
	return c.post(ctx, "simplereenroll", csr, "", &cert)
}

func (c *Client) post(ctx context.Context, op string, csr []byte, token string, cert *tls.Certificate) (*x509.Certificate, error) {
	if c.shared == nil {
		return nil, fmt.Errorf("est %s: the client was not made by NewClient or Bootstrap", op)
	}
	asked, err := x509.ParseCertificateRequest(csr)
	if err != nil {
		return nil, fmt.Errorf("est %s: the request: %w", op, err)
	}
	var current *x509.Certificate
	if cert != nil {
		if current = cert.Leaf; current == nil && len(cert.Certificate) > 0 {
			if current, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
				return nil, fmt.Errorf("est %s: the client certificate: %w", op, err)
			}
		}
	}
	hc := c.shared
	if cert != nil {
		// A transport of its own, for this call's client certificate; its
		// connection is closed when the call ends.
		cfg := &tls.Config{RootCAs: c.roots, MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert}}
		hc = &http.Client{Timeout: callTimeout, CheckRedirect: noRedirect, Transport: &http.Transport{TLSClientConfig: cfg}}
		defer hc.CloseIdleConnections()
	}
	body := base64Lines(csr)
	resp, done, err := doRetrying(ctx, hc, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+PathPrefix+op, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/pkcs10")
		req.Header.Set("Content-Transfer-Encoding", "base64")
		if token != "" {
			req.SetBasicAuth("pkienroll", token)
		}
		return req, nil
	})
	if err != nil {
		if token != "" && strings.Contains(err.Error(), token) {
			// A redirect's Location, say, may quote the token.
			return nil, fmt.Errorf("est %s: %s", op, redact(err.Error(), token))
		}
		return nil, fmt.Errorf("est %s: %w", op, err)
	}
	defer resp.Body.Close()
	answer, err := readAnswer(op, resp, done, token)
	if err != nil {
		return nil, err
	}
	certs, err := parseCertsOnly(answer)
	if err != nil {
		return nil, fmt.Errorf("est %s: %w", op, err)
	}
	leaf := certs[0]
	// What was asked for first: its refusals say more than the chain's.
	now := time.Now()
	if err := checkIssued(leaf, asked, current, now); err != nil {
		return nil, fmt.Errorf("est %s: %w", op, err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: c.roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("est %s: the issued certificate does not verify under the CA: %w", op, err)
	}
	return leaf, nil
}

// readAnswer returns the body of a 200 answer, or the server's refusal,
// with secret (the token sent, if any) shown as xxxxx wherever the server
// quoted it. An answer larger than maxResponse is refused whole.
func readAnswer(op string, resp *http.Response, done retries, secret string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("est %s: read answer: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		text := redact(string(body), secret)
		msg := printable.Escape(oneLine(text[:min(len(text), 512)]))
		se := &ServerError{Op: op, Status: resp.StatusCode, Message: msg, Err: sentinelOf(resp.StatusCode, msg), Retries: done.n, Waited: done.waited}
		if se.busy() != "" {
			ra := printable.Escape(oneLine(redact(resp.Header.Get("Retry-After"), secret)))
			se.RetryAfter = ra[:min(len(ra), 64)]
		}
		return nil, se
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("est %s: the answer is larger than %d MiB: refused", op, maxResponse>>20)
	}
	return body, nil
}

// redact is s with every occurrence of secret shown as xxxxx, as
// url.URL.Redacted shows a password; an empty secret changes nothing.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "xxxxx")
}
