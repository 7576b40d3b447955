package proxy

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/verify"
)

// DefaultReadTimeout is how long the proxies let a connection sit idle.
// Squid's own default, 15 minutes, cuts consoles and portal sessions that
// wait for the user.
const DefaultReadTimeout = 10 * time.Hour

// minClientLifetime is Squid's default client_lifetime, kept unless the
// read timeout is longer.
const minClientLifetime = 24 * time.Hour

// Default ports: HTTPS for the portal, Squid's usual port for the SPICE
// proxy (what the oVirt documentation uses).
const (
	DefaultPortalPort = 443
	DefaultSpicePort  = 3128
	defaultEnginePort = 443
)

// PortalConfig describes the TLS reverse proxy in front of the engine's web
// portal. Engine, CertFile, KeyFile and CAFile are required.
type PortalConfig struct {
	// Engine is the engine's host name as its certificate names it,
	// HOST[:PORT] (port 443 by default); not an IP address.
	Engine string
	// EngineAddress, when set, is where the proxy connects to reach the
	// engine, for a proxy host on which the engine's name does not resolve
	// (or resolves elsewhere). The engine's certificate is still checked
	// against its name.
	EngineAddress string
	// Listen is where clients connect, [ADDR:]PORT; DefaultPortalPort on
	// every address when empty.
	Listen string
	// CertFile and KeyFile are the proxy's certificate and key, and CAFile
	// the engine's CA certificate, as absolute paths on the proxy host.
	CertFile, KeyFile, CAFile string
	// ReadTimeout is the idle timeout; DefaultReadTimeout when zero.
	ReadTimeout time.Duration
	// ProxyName, when set, is the proxy's host name: Squid's
	// visible_hostname, and the name CheckPortalFiles wants the
	// certificate to carry.
	ProxyName string
}

// portalData is what the template fills in, every field checked.
type portalData struct {
	Engine, EngineHostPort, PeerHost     string
	PeerPort                             int
	Listen, Cert, Key, CA                string
	ReadTimeout, ClientLifetime, Visible string
}

// RenderPortal returns the Squid configuration for c: an https_port in
// acceleration mode with the proxy's certificate, the engine as the only
// (TLS, verified) origin server, access to nothing but the portal, no
// caching, and idle timeouts long enough for consoles. Comments in the
// output say what each directive is for.
func RenderPortal(c PortalConfig) ([]byte, error) {
	d, err := c.data()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := portalTemplate().Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render portal configuration: %w", err)
	}
	return b.Bytes(), nil
}

func (c PortalConfig) data() (portalData, error) {
	var d portalData
	host, port, err := splitHostPort(c.Engine)
	if err != nil {
		return d, fmt.Errorf("engine %q: %w", redacted(c.Engine), err)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		// defaultsite=, tls-domain= and the access rule all want the name
		// the engine's certificate carries.
		return d, fmt.Errorf("engine %s is an address: %w: %w", redacted(c.Engine), ErrHostNameNeeded, ErrBadValue)
	}
	host = strings.TrimSuffix(host, ".")
	if port == 0 {
		port = defaultEnginePort
	}
	d.Engine, d.EngineHostPort, d.PeerHost, d.PeerPort = host, hostPort(host, port), host, port
	if c.EngineAddress != "" {
		if err := checkHostName(c.EngineAddress); err != nil {
			return d, fmt.Errorf("engine address %q: %w", redacted(c.EngineAddress), err)
		}
		d.PeerHost = c.EngineAddress
	}
	if d.Listen, err = listenAddr(c.Listen, DefaultPortalPort); err != nil {
		return d, err
	}
	for _, f := range []struct{ what, path string }{{"certificate", c.CertFile}, {"key", c.KeyFile}, {"CA", c.CAFile}} {
		if err := checkPath(f.what, f.path); err != nil {
			return d, err
		}
	}
	d.Cert, d.Key, d.CA = c.CertFile, c.KeyFile, c.CAFile
	if d.ReadTimeout, d.ClientLifetime, err = timeouts(c.ReadTimeout); err != nil {
		return d, err
	}
	if c.ProxyName != "" {
		if err := checkHostName(c.ProxyName); err != nil {
			return d, fmt.Errorf("proxy name %q: %w", redacted(c.ProxyName), err)
		}
		d.Visible = c.ProxyName
	}
	return d, nil
}

// timeouts spells read_timeout and client_lifetime. Squid ends a request
// that takes longer than client_lifetime even when data flows, so that one
// is never shorter than the read timeout.
func timeouts(read time.Duration) (readTimeout, lifetime string, err error) {
	if read == 0 {
		read = DefaultReadTimeout
	}
	if readTimeout, err = squidDuration("read timeout", read); err != nil {
		return "", "", err
	}
	lifetime, err = squidDuration("client lifetime", max(read, minClientLifetime))
	return readTimeout, lifetime, err
}

// portalTemplate is parsed on first use, not at start-up of every pkienroll
// process (docs/performance.md).
var portalTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("portal").Parse(`# Squid configuration: TLS reverse proxy in front of the portal of
# {{.EngineHostPort}}. Made by pkienroll squid-config portal for Squid 5 and 6;
# check it with: squid -k parse -f THIS-FILE

# Where clients connect, with the proxy's certificate and key. "accel" makes
# the port a reverse proxy, and Squid 5 and 6 refuse defaultsite= without
# it; defaultsite= is the site of a request without a Host header (the
# others keep theirs: the engine sees the name clients used). tls-cert=
# must come before tls-key= (Squid 5 and 6 stop at "cert= option must be
# set before key= is used").
https_port {{.Listen}} accel defaultsite={{.Engine}} tls-cert={{.Cert}} tls-key={{.Key}} name=portal

# The engine, the only server behind the proxy, over TLS. Its certificate
# must chain to the engine's CA (tls-cafile=) and name it (tls-domain=).
# originserver: the engine is a web server, not another proxy;
# login=PASSTHRU: the portal's own logins pass through untouched;
# no-query no-digest: no ICP or cache digests, the engine speaks neither.
cache_peer {{.PeerHost}} parent {{.PeerPort}} 0 originserver login=PASSTHRU no-query no-digest tls tls-cafile={{.CA}} tls-domain={{.Engine}} name=engine

# The portal: what arrives on its port. All of it goes to the engine, and
# only there; nothing else is served.
acl portal myportname portal
http_access allow portal
http_access deny all
cache_peer_access engine allow portal
cache_peer_access engine deny all
never_direct allow all

# Keep nothing: the portal's pages belong to the user who asked for them.
cache deny all

# The portal can keep a request open, waiting for the engine, for long.
# read_timeout is how long Squid waits for the engine to send something
# (Squid's default, 15 minutes, cuts such requests); client_lifetime is the
# longest one request may take, from its headers to the end of the answer.
read_timeout {{.ReadTimeout}}
client_lifetime {{.ClientLifetime}}
{{- if .Visible}}

# The proxy's name, in error pages and Via headers.
visible_hostname {{.Visible}}
{{- end}}
`))
})

// CheckPortalFiles reads the proxy's certificate, key and CA file of c and
// checks what clients and Squid need of them, with verify.Certificate:
// the key matches the certificate, which chains to the CA, is valid at at
// (now when zero), may serve TLS, and, when c.ProxyName is set, names the
// proxy. The key must be without passphrase: Squid starts unattended.
// All that fails is reported in one error that wraps ErrUnfitCertificate
// (and pki.ErrKeyMismatch when the key is the problem).
func CheckPortalFiles(c PortalConfig, at time.Time) error {
	cert, err := pki.ReadCertificate(c.CertFile)
	if err != nil {
		return err
	}
	key, err := pki.ReadKey(c.KeyFile, nil)
	if err != nil {
		return fmt.Errorf("%w (Squid needs a key without passphrase)", err)
	}
	cas, err := pki.ReadCertificates(c.CAFile)
	if err != nil {
		return err
	}
	var host string
	if c.ProxyName != "" {
		host = strings.TrimSuffix(c.ProxyName, ".")
	}
	return checkServerFiles(c.CertFile, c.KeyFile, c.CAFile, cert, key, cas, host, at)
}

// checkServerFiles verifies a proxy's certificate as a TLS server's (with
// the key, against the CA file, for host when not empty, at at) and says
// what fails in one error naming the three files, wrapping
// ErrUnfitCertificate (and pki.ErrKeyMismatch when the key is the problem).
func checkServerFiles(certFile, keyFile, caFile string, cert *x509.Certificate, key crypto.Signer, cas []*x509.Certificate, host string, at time.Time) error {
	err := verify.Certificate(cert, verify.Options{CAs: cas, Key: key, Host: host, Now: at}).Err()
	if err == nil {
		return nil
	}
	return &unfitError{
		msg: fmt.Sprintf("certificate %s with key %s and CA %s: %v", certFile, keyFile, caFile, err),
		key: errors.Is(err, pki.ErrKeyMismatch),
	}
}

// unfitError is what CheckPortalFiles found; it says so in its own words,
// without the sentinels' text after them.
type unfitError struct {
	msg string
	key bool
}

func (e *unfitError) Error() string { return e.msg }

// Is makes errors.Is see ErrUnfitCertificate, and pki.ErrKeyMismatch when
// the key does not match.
func (e *unfitError) Is(target error) bool {
	return target == ErrUnfitCertificate || e.key && target == pki.ErrKeyMismatch
}
