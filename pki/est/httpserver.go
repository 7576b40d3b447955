package est

import (
	"crypto/tls"
	"net/http"
	"time"
)

// Limits of the http.Server NewHTTPServer returns: a request's header must
// arrive within DefaultReadHeaderTimeout and the whole request within
// DefaultReadTimeout; DefaultWriteTimeout covers a wait for the PKI
// directory's lock (20 s by default) and the signature.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 90 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 16 << 10
)

// NewHTTPServer returns an http.Server ready to serve h (a Server) over
// TLS, as `pkienroll serve` serves it: TLS 1.2 at least, with the
// certificate getCertificate returns at each handshake (a CertReloader's
// GetCertificate, so a reload serves new connections and leaves
// established ones alone), client certificates requested but not required
// (first enrollments come with a token; the handler verifies a
// certificate, so a refused one gets an HTTP answer that says why instead
// of a TLS alert), the Default timeouts and DefaultMaxHeaderBytes. With
// conns not nil, its ConnState is the server's: serve on
// conns.Listener(ln) with ServeTLS(ln, "", ""). The caller may change any
// field before serving (ErrorLog, say).
func NewHTTPServer(h http.Handler, getCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error), conns *ConnLimiter) *http.Server {
	srv := &http.Server{
		Handler: h,
		TLSConfig: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: getCertificate,
			ClientAuth:     tls.RequestClientCert,
		},
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
	}
	if conns != nil {
		srv.ConnState = conns.ConnState
	}
	return srv
}
