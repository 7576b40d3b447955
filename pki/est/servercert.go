package est

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// ServerCertName is the store name of the server's own certificate:
// certs/est-server.cer, its key keys/est-server.key.nopass.
const ServerCertName = "est-server"

// serverCertDays is the server certificate's validity: within Apple's 825
// days, so no client platform refuses it.
const serverCertDays = 825

// renewServerCertWithin is how close to its expiry the server certificate
// is replaced: at start, and when a running server reloads it (SIGHUP, or
// its periodic check), so that it is renewed long before it expires.
const renewServerCertWithin = 30 * 24 * time.Hour

// ServerKeyPath is where the server's own key is kept in store, which
// must not be nil.
func ServerKeyPath(store *pki.Store) string {
	return filepath.Join(store.Dir(), "keys", ServerCertName+".key.nopass")
}

// ServerCertificate returns the server's TLS certificate from store: the
// one issued at an earlier start when it still matches its key, verifies
// under the CA, names every host and has more than 30 days left; otherwise
// a new key (RSA-2048, 0600) and a certificate for hosts issued through
// the store like any other (the CA's subject with CN=hosts[0], the hosts as
// SANs). issued says which.
func ServerCertificate(ctx context.Context, store *pki.Store, hosts []string, now time.Time) (cert tls.Certificate, issued bool, err error) {
	if len(hosts) == 0 {
		return cert, false, errors.New("server certificate: no host name")
	}
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		return cert, false, err
	}
	keyPath, certPath := ServerKeyPath(store), store.CertPath(ServerCertName)
	if c, ok := reusable(ca, keyPath, certPath, hosts, now); ok {
		return c, false, nil
	}
	var sans []string
	for _, h := range hosts {
		if net.ParseIP(h) != nil {
			sans = append(sans, "IP:"+h)
		} else {
			sans = append(sans, "DNS:"+h)
		}
	}
	san, err := pki.ParseSANs(strings.Join(sans, ","))
	if err != nil {
		return cert, false, fmt.Errorf("server certificate: host names: %w", err)
	}
	subject, err := dn.DeriveFrom(ca, hosts[0])
	if err != nil {
		return cert, false, fmt.Errorf("server certificate: %w", err)
	}
	// ECDSA P-256: every client's TLS handshake costs the server one
	// signature with this key, which P-256 makes about thirty times cheaper
	// than RSA-2048 (docs/performance.md); every TLS client supports it.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return cert, false, fmt.Errorf("server certificate: %w", err)
	}
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject, SANs: san})
	if err != nil {
		return cert, false, fmt.Errorf("server certificate: %w", err)
	}
	// The certificate first, the key once it is issued: a signing that
	// fails (a certs/est-server.cer that is a symbolic link, a busy CA)
	// leaves the key of the certificate being served where it is. A
	// crash in between leaves a certificate without its key, which the
	// next start replaces (reusable).
	is, err := store.Sign(ctx, pki.SignRequest{Name: ServerCertName, Subject: subject, SANs: san, Days: serverCertDays, CSR: der})
	if err != nil {
		return cert, false, fmt.Errorf("server certificate: %w", err)
	}
	if err := pki.WriteKey(keyPath, key, pki.KeyEncoding{}, true); err != nil {
		return cert, false, fmt.Errorf("server certificate %s issued, but its key: %w", is.Serial, err)
	}
	return tls.Certificate{Certificate: [][]byte{is.Certificate.Raw}, PrivateKey: key, Leaf: is.Certificate}, true, nil
}

// reusable loads the kept server certificate when it can serve hosts.
func reusable(ca *x509.Certificate, keyPath, certPath string, hosts []string, now time.Time) (tls.Certificate, bool) {
	c, err := pki.ReadCertificate(certPath)
	if err != nil {
		return tls.Certificate{}, false
	}
	key, err := pki.ReadKey(keyPath, nil)
	if err != nil || !pki.KeyMatches(c.PublicKey, key) {
		return tls.Certificate{}, false
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now.Add(renewServerCertWithin)}); err != nil {
		return tls.Certificate{}, false
	}
	for _, h := range hosts {
		if c.VerifyHostname(h) != nil {
			return tls.Certificate{}, false
		}
	}
	return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}, true
}
