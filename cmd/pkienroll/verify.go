package main

import (
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/verify"
)

// verifyCmd checks a certificate as a proxy's TLS clients and its
// administrator would: chain, dates, key, host name, revocation, usage.
type verifyCmd struct {
	CA   string `name:"ca" required:"" placeholder:"FILE" help:"The CA certificates to chain to (PEM; roots and intermediates), such as the engine's ca.pem."`
	Cert string `required:"" placeholder:"FILE" help:"The certificate to check (PEM or DER)."`
	Key  string `placeholder:"FILE" help:"Check that this private key belongs to the certificate."`
	Host string `placeholder:"NAME" help:"Check that the certificate's SANs name this host name or IP address."`
	CRL  string `name:"crl" placeholder:"FILE" help:"Check that this CRL (PEM or DER), signed by the CA and current, does not list the certificate."`
	At   string `placeholder:"TIME" help:"Check at this time, RFC 3339 or YYYY-MM-DD (UTC midnight), instead of now."`
	passphraseFlags
}

// Run prints a line per passed check on stdout and returns the failed ones
// as a *checkFailed.
func (c *verifyCmd) Run(e *env) error {
	opts, err := c.options()
	if err != nil {
		return err
	}
	cert, err := pki.ReadCertificate(c.Cert)
	if err != nil {
		return err
	}
	e.log.Debug("checking", "cert", c.Cert, "serial", pki.FormatSerial(cert.SerialNumber), "at", opts.Now.Format(time.RFC3339))
	var failed []string
	for _, r := range verify.Certificate(cert, opts) {
		if !r.OK {
			failed = append(failed, r.String())
			continue
		}
		if _, err := fmt.Fprintln(e.stdout, r.String()); err != nil {
			return err
		}
	}
	if failed != nil {
		return &checkFailed{lines: failed}
	}
	return nil
}

// options reads every input before anything is checked, so that a missing
// or unreadable file is an error (exit 1), never a failed check (exit 2).
func (c *verifyCmd) options() (verify.Options, error) {
	var opts verify.Options
	var err error
	if opts.Now, err = parseAt(c.At); err != nil {
		return opts, err
	}
	if opts.Now.IsZero() {
		// --at 0001-01-01 is Go's zero time, which verify.Options reads
		// as "now": a nanosecond later gives every check the same answer
		// (certificate and CRL times count whole seconds from year 0).
		opts.Now = opts.Now.Add(time.Nanosecond)
	}
	if opts.CAs, err = pki.ReadCertificates(c.CA); err != nil {
		return opts, err
	}
	pass, err := c.passphrase()
	if err != nil {
		return opts, err
	}
	switch {
	case c.Key != "":
		if opts.Key, err = pki.ReadKey(c.Key, pass); err != nil {
			return opts, err
		}
	case pass != nil:
		// Without this, a forgotten --key would skip the check silently.
		return opts, fmt.Errorf("a passphrase is given but no --key to use it with")
	}
	opts.Host = c.Host
	if c.CRL != "" {
		if opts.CRL, err = pki.ReadCRL(c.CRL); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// parseAt reads --at: RFC 3339, or a date meaning its first second in UTC.
// Empty is now.
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--at %q: want RFC 3339 (2026-01-02T15:04:05Z) or YYYY-MM-DD", s)
}
