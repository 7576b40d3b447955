package proxy

import "errors"

// Sentinel errors; every error of the package wraps one of them.
var (
	// ErrBadValue reports a setting that is not of its form: a host, a
	// port, a listen address, a path Squid cannot take, a SpiceProxyDefault
	// value, a timeout.
	ErrBadValue = errors.New("invalid value")
	// ErrUnfitCertificate reports a proxy certificate that Squid could load
	// but clients would refuse: its key does not match, it does not chain
	// to the CA, it is not valid now, or it does not name the proxy.
	ErrUnfitCertificate = errors.New("certificate unfit for the proxy")
	// ErrUntrustedServer reports an HTTPS server whose certificate does
	// not chain to the CA or does not name the server: what it sent is not
	// read.
	ErrUntrustedServer = errors.New("server not trusted")
	// ErrSquidRefused reports a configuration that `squid -k parse`
	// refuses.
	ErrSquidRefused = errors.New("squid refused the configuration")
	// ErrHostNameNeeded reports an engine given by its address where the
	// configuration needs its host name (it comes with ErrBadValue).
	ErrHostNameNeeded = errors.New("the host name is needed, as the engine's certificate names it")
)
