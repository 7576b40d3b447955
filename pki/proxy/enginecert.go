package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
)

// EngineCertificateResource is where the engine hands out its own
// certificate, in PEM.
const EngineCertificateResource = "/ovirt-engine/services/pki-resource?resource=engine-certificate&format=X509-PEM"

// DefaultFetchTimeout bounds fetching the engine's certificate, from the
// first connection to the last byte.
const DefaultFetchTimeout = 30 * time.Second

// maxEngineCertResponse bounds the answer; a certificate is 2 KB.
const maxEngineCertResponse = 64 << 10

// EngineFetch says where to fetch the engine's certificate from and what
// to trust. Engine and CAs are required.
type EngineFetch struct {
	// Engine is the engine's host name as its HTTPS certificate names it,
	// HOST[:PORT] (port 443 by default) or https://HOST[:PORT]. Plain
	// http:// is refused: anyone on the path could hand the proxy a
	// certificate of their own, and forge console tickets with its key.
	Engine string
	// Address, when set, is where to connect instead of resolving the
	// engine's name; the server's certificate is still checked against the
	// name.
	Address string
	// CAs are the only certificates trusted, for the server and for the
	// engine's certificate it sends.
	CAs []*x509.Certificate
	// Timeout bounds the whole fetch; DefaultFetchTimeout when zero.
	Timeout time.Duration
	// Now is the time the engine's certificate must be valid at; zero
	// means time.Now(). (Now, as every clock of the API is spelled.)
	Now time.Time
}

// EngineCertificateURL returns the URL FetchEngineCertificate reads for
// engine, HOST[:PORT] or https://HOST[:PORT].
func EngineCertificateURL(engine string) (string, error) {
	host, port, err := engineHostPort(engine)
	if err != nil {
		return "", err
	}
	return "https://" + hostPort(host, port) + EngineCertificateResource, nil
}

func engineHostPort(engine string) (string, int, error) {
	shown := redacted(engine)
	rest := engine
	if scheme, after, ok := strings.Cut(engine, "://"); ok {
		switch strings.ToLower(scheme) {
		case "https":
			rest = strings.TrimSuffix(after, "/")
		case "http":
			return "", 0, fmt.Errorf("engine %s: plain HTTP is refused; the certificate is fetched over HTTPS, checked against the CA: %w", shown, ErrBadValue)
		default:
			return "", 0, fmt.Errorf("engine %s: protocol %q: want https: %w", shown, scheme, ErrBadValue)
		}
	}
	if strings.ContainsAny(rest, "/?#@") {
		return "", 0, fmt.Errorf("engine %s: want HOST[:PORT], without a path or credentials: %w", shown, ErrBadValue)
	}
	host, port, err := splitHostPort(rest)
	if err != nil {
		return "", 0, fmt.Errorf("engine %s: %w", shown, err)
	}
	if port == 0 {
		port = defaultEnginePort
	}
	return strings.TrimSuffix(host, "."), port, nil
}

// FetchEngineCertificate fetches the engine's certificate from
// EngineCertificateURL over HTTPS, trusting nothing but f.CAs: a server
// whose certificate does not chain to them or does not carry the engine's
// name is refused before anything is sent (ErrUntrustedServer). The
// answer must be one PEM certificate and nothing else but white space (a
// second block or text around it is pki.ErrNotCertificate), at most 64 KB,
// signed by the CA and
// valid (VerifyEngineCertificate), the engine's and not a CA's
// (VerifyEngineLeaf with the engine's host). Redirects and proxies from the
// environment are not followed.
func FetchEngineCertificate(ctx context.Context, f EngineFetch) (*x509.Certificate, error) {
	host, port, err := engineHostPort(f.Engine)
	if err != nil {
		return nil, err
	}
	url := "https://" + hostPort(host, port) + EngineCertificateResource
	if len(f.CAs) == 0 {
		return nil, fmt.Errorf("fetch %s: no CA certificate to check the engine against: %w", url, ErrBadValue)
	}
	dialTo := net.JoinHostPort(host, strconv.Itoa(port))
	if f.Address != "" {
		if err := checkHostName(f.Address); err != nil {
			return nil, fmt.Errorf("engine address %s: %w", redacted(f.Address), err)
		}
		dialTo = net.JoinHostPort(f.Address, strconv.Itoa(port))
	}
	timeout := f.Timeout
	if timeout == 0 {
		timeout = DefaultFetchTimeout
	}
	if timeout < 0 {
		return nil, fmt.Errorf("fetch %s: timeout %v is negative: %w", url, timeout, ErrBadValue)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	roots := x509.NewCertPool()
	for _, ca := range f.CAs {
		roots.AddCert(ca)
	}
	var dialer net.Dialer
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, dialTo)
		},
		TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			return fmt.Errorf("the engine redirects to %s", req.URL.Redacted())
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fetchError(url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: the engine answered %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxEngineCertResponse+1))
	if err != nil {
		return nil, fetchError(url, err)
	}
	if len(body) > maxEngineCertResponse {
		return nil, fmt.Errorf("fetch %s: the answer is larger than %d bytes: %w", url, maxEngineCertResponse, pki.ErrNotCertificate)
	}
	cert, err := parseOneCertificate(body)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if err := VerifyEngineCertificate(cert, f.CAs, f.Now); err != nil {
		return nil, fmt.Errorf("engine certificate from %s: %w", url, err)
	}
	if err := VerifyEngineLeaf(cert, host); err != nil {
		return nil, fmt.Errorf("engine certificate from %s: %w", url, err)
	}
	return cert, nil
}

// pemBegin starts every PEM block.
const pemBegin = "-----BEGIN "

// parseOneCertificate reads the engine's answer, which must be one PEM
// certificate and nothing else but white space: a second certificate, a
// private key or text around it means the server is not the engine's
// pki-resource, or is misconfigured, and the proxy must not pick a
// certificate out of it. What is refused is named by its PEM type at most,
// never shown. The error wraps pki.ErrNotCertificate.
func parseOneCertificate(body []byte) (*x509.Certificate, error) {
	block, rest := pem.Decode(body)
	switch {
	case block == nil:
		return nil, fmt.Errorf("the answer is not a PEM certificate: %w", pki.ErrNotCertificate)
	case !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte(pemBegin)):
		return nil, fmt.Errorf("the answer is not one PEM certificate: text comes before it: %w", pki.ErrNotCertificate)
	case block.Type != "CERTIFICATE":
		return nil, fmt.Errorf("the answer is a PEM %q block, not a certificate: %w", printable.Escape(block.Type), pki.ErrNotCertificate)
	case len(block.Headers) != 0:
		return nil, fmt.Errorf("the answer is not a plain PEM certificate: it has headers: %w", pki.ErrNotCertificate)
	}
	if rest = bytes.TrimSpace(rest); len(rest) != 0 {
		if next, _ := pem.Decode(rest); next != nil && bytes.HasPrefix(rest, []byte(pemBegin)) {
			return nil, fmt.Errorf("the answer is not one PEM certificate: a %q block follows it: %w", printable.Escape(next.Type), pki.ErrNotCertificate)
		}
		return nil, fmt.Errorf("the answer is not one PEM certificate: text follows it: %w", pki.ErrNotCertificate)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the answer is a malformed certificate: %w", pki.ErrNotCertificate)
	}
	return cert, nil
}

// VerifyEngineLeaf checks that cert can be the engine's own: not a CA's
// (basicConstraints CA:TRUE, or keyCertSign), and, when host is not empty,
// naming host, by its subject alternative names as TLS clients check them,
// or by its CN when it has none (engines set up before the SANs were
// added). The CA signs more than the engine's certificate: the CA's own,
// every host's and proxy's; a proxy that took one of those as the engine's
// would take console tickets signed with that key as the engine's word.
// The error wraps ErrUnfitCertificate, as for a nil cert.
func VerifyEngineLeaf(cert *x509.Certificate, host string) error {
	switch {
	case cert == nil:
		return &unfitError{msg: "no engine certificate"}
	case cert.BasicConstraintsValid && cert.IsCA:
		return &unfitError{msg: fmt.Sprintf("%s is a CA certificate (basicConstraints CA:TRUE), not the engine's", printable.Escape(cert.Subject.String()))}
	case cert.KeyUsage&x509.KeyUsageCertSign != 0:
		return &unfitError{msg: fmt.Sprintf("%s may sign certificates (keyUsage keyCertSign): a CA's, not the engine's", printable.Escape(cert.Subject.String()))}
	}
	if host == "" {
		return nil
	}
	named := cert.VerifyHostname(host) == nil
	if len(cert.DNSNames) == 0 && len(cert.IPAddresses) == 0 {
		named = strings.EqualFold(strings.TrimSuffix(cert.Subject.CommonName, "."), host)
	}
	if !named {
		return &unfitError{msg: fmt.Sprintf("%s does not name the engine %s (names %s)", printable.Escape(cert.Subject.String()), host, printable.Escape(certNames(cert)))}
	}
	return nil
}

// certNames lists the host names and addresses a certificate is for.
func certNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "CN " + c.Subject.CommonName
	}
	return strings.Join(names, ", ")
}

// fetchError says why a fetch failed in one line, and marks a server the CA
// does not vouch for.
func fetchError(url string, err error) error {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &hostname):
		return fmt.Errorf("fetch %s: the server's certificate does not name the engine (%s): %w", url, hostname.Error(), ErrUntrustedServer)
	case errors.As(err, &unknown):
		return fmt.Errorf("fetch %s: the server's certificate does not chain to the CA (%s): %w", url, unknown.Error(), ErrUntrustedServer)
	case errors.As(err, &invalid):
		return fmt.Errorf("fetch %s: the server's certificate is not valid (%s): %w", url, invalid.Error(), ErrUntrustedServer)
	case errors.As(err, &verify):
		return fmt.Errorf("fetch %s: the server's certificate does not verify (%s): %w", url, verify.Err, ErrUntrustedServer)
	}
	// *url.Error repeats the method and the URL.
	var uerr *neturl.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return fmt.Errorf("fetch %s: %w", url, err)
}
