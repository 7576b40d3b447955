package proxy

import (
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// CheckSpiceTLSFiles reads the HTTPS SPICE proxy's certificate, key and CA
// file of c.TLS and checks what SPICE clients need of them: the key
// matches the certificate (and has no passphrase: Squid starts
// unattended), which chains to the CA, is valid at at (now when zero), may
// serve TLS, and carries an IP subject alternative name for the address in
// c.Listen. spice-gtk resolves the proxy's name itself and checks the
// certificate against the address it connects to, so a DNS name alone is
// refused. Failures wrap ErrUnfitCertificate, or ErrBadValue for a listen
// address an HTTPS proxy cannot have.
func CheckSpiceTLSFiles(c SpiceConfig, at time.Time) error {
	if c.TLS == nil {
		return nil
	}
	addr, err := spiceTLSAddr(c.Listen)
	if err != nil {
		return err
	}
	cert, err := pki.ReadCertificate(c.TLS.CertFile)
	if err != nil {
		return err
	}
	key, err := pki.ReadKey(c.TLS.KeyFile, nil)
	if err != nil {
		return fmt.Errorf("%w (Squid needs a key without passphrase)", err)
	}
	cas, err := pki.ReadCertificates(c.TLS.CAFile)
	if err != nil {
		return err
	}
	if err := checkServerFiles(c.TLS.CertFile, c.TLS.KeyFile, c.TLS.CAFile, cert, key, cas, "", at); err != nil {
		return err
	}
	if cert.VerifyHostname(addr.String()) != nil {
		return &unfitError{msg: fmt.Sprintf(
			"certificate %s has no IP subject alternative name %s: SPICE clients check the HTTPS proxy's certificate against the address they connect to; request one with --san DNS:NAME,IP:%s (and an IP: for every other address clients use)",
			c.TLS.CertFile, addr, addr)}
	}
	return nil
}
