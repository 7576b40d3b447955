package est

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// readCSR reads the body of an enrollment: a base64 PKCS#10 request, as
// RFC 7030 §4.2.1 sends it (a PEM request is taken too). It returns the
// request's DER and the parsed, signature-checked request.
func (s *Server) readCSR(w http.ResponseWriter, r *http.Request) ([]byte, *x509.CertificateRequest, *refusal) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/pkcs10" {
		return nil, nil, refuse(http.StatusUnsupportedMediaType, err, "bad CSR: Content-Type must be application/pkcs10 (base64 PKCS#10)")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, refuse(http.StatusRequestEntityTooLarge, err, "bad CSR: larger than %d bytes", s.opts.maxBody)
		}
		return nil, nil, refuse(http.StatusBadRequest, err, "bad CSR: cannot read the body")
	}
	der := body
	if !strings.HasPrefix(strings.TrimSpace(string(body)), "-----BEGIN") {
		if der, err = decodeBase64Body(body); err != nil {
			return nil, nil, refuse(http.StatusBadRequest, err, "bad CSR: %v", err)
		}
	}
	csr, err := pki.ParseRequest(der)
	if err != nil {
		return nil, nil, refuse(http.StatusBadRequest, err, "bad CSR: %v", err)
	}
	return csr.Raw, csr, nil
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
		errors.Is(err, pki.ErrBadSAN), errors.Is(err, pki.ErrBadDays), errors.Is(err, pki.ErrBadName):
		// The message names files of the directory; the client needs
		// only what was wrong.
		msg := strings.ReplaceAll(err.Error(), s.store.Dir()+"/", "")
		return nil, refuse(http.StatusBadRequest, err, "bad CSR: %s", msg)
	}
	return nil, refuse(http.StatusInternalServerError, err, "internal error: signing failed")
}

// oneLine keeps what the client is told to one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
