package est

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// readBody reads a request's whole body, at most maxBody bytes within
// bodyTimeout. The deadline is the connection's (http.ResponseController);
// where there is none to set (a test's recorder), the size bound and the
// server's ReadTimeout still hold.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *refusal) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.opts.bodyTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.maxBody))
	// net/http reads on in the background once the body is read, to see
	// the client go away; a deadline left set would cancel the request's
	// context while it waits for the store's lock.
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return nil, refuse(http.StatusRequestEntityTooLarge, err, "bad CSR: larger than %d bytes", s.opts.maxBody)
		case errors.Is(err, os.ErrDeadlineExceeded):
			ref := refuse(http.StatusRequestTimeout, err, "request body not received within %s", s.opts.bodyTimeout)
			ref.wasted = true
			return nil, ref
		}
		return nil, refuse(http.StatusBadRequest, err, "bad CSR: cannot read the body")
	}
	return body, nil
}

// bodyRead is a request's body once readBody has read it.
type bodyRead struct{ *bytes.Reader }

func (bodyRead) Close() error { return nil }

// readCSR reads the body of an enrollment: a base64 PKCS#10 request, as
// RFC 7030 §4.2.1 sends it (a PEM request is taken too). It returns the
// parsed, signature-checked request, which signing takes as it is
// (pki.SignRequest.Request): the request is parsed and checked once.
func (s *Server) readCSR(w http.ResponseWriter, r *http.Request) (*x509.CertificateRequest, *refusal) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/pkcs10" {
		return nil, refuse(http.StatusUnsupportedMediaType, err, "bad CSR: Content-Type must be application/pkcs10 (base64 PKCS#10)")
	}
	// ServeHTTP has read the body already (readBody); this is memory.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.maxBody))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, err, "bad CSR: cannot read the body")
	}
	der := body
	if !strings.HasPrefix(strings.TrimSpace(string(body)), "-----BEGIN") {
		if der, err = decodeBase64Body(body); err != nil {
			return nil, refuse(http.StatusBadRequest, err, "bad CSR: %v", err)
		}
	}
	csr, err := pki.ParseRequest(der)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, err, "bad CSR: %v", err)
	}
	return csr, nil
}

// sign issues through the store and turns its errors into refusals; the
// client learns the kind, the log the whole error. A certificate issued
// before a later step failed (pki.ErrAfterCommit) comes with the refusal
// for that step: it exists, and the caller decides what the client gets.
func (s *Server) sign(ctx context.Context, req pki.SignRequest) (*pki.Issued, *refusal) {
	is, err := s.queue.Sign(ctx, req)
	if err == nil {
		return is, nil
	}
	if is != nil {
		return is, refuse(http.StatusInternalServerError, err, "internal error: certificate %s was issued, but a later step failed", is.Serial)
	}
	var ref *refusal
	if errors.As(err, &ref) {
		// A Precondition's answer, checked under the lock.
		return nil, ref
	}
	switch {
	case errors.Is(err, pki.ErrLocked), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, refuse(http.StatusServiceUnavailable, err, "the CA is busy; retry")
	case errors.Is(err, pki.ErrBadRequest), errors.Is(err, pki.ErrWeakKey), errors.Is(err, dn.ErrInvalid),
		errors.Is(err, pki.ErrBadSAN), errors.Is(err, pki.ErrBadDays), errors.Is(err, pki.ErrBadName), errors.Is(err, pki.ErrBadUsage):
		// The message names files of the directory; the client needs
		// only what was wrong.
		msg := strings.ReplaceAll(err.Error(), s.store.Dir()+"/", "")
		return nil, refuse(http.StatusBadRequest, err, "bad CSR: %s", msg)
	}
	return nil, refuse(http.StatusInternalServerError, err, "internal error: signing failed")
}

// oneLine keeps what the client is told to one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
