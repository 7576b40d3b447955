package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// enrollCmd makes a certificate whole on the engine host, like the engine's
// `pki-enroll-pkcs12.sh --name=NAME --subject=S --password=P`: key, request,
// certificate and a PKCS#12 bundle keys/NAME.p12.
type enrollCmd struct {
	storeFlags
	Name    string  `required:"" placeholder:"NAME" help:"Write requests/NAME.req, certs/NAME.cer and keys/NAME.p12."`
	Subject string  `required:"" placeholder:"S" help:"Subject of the request and the certificate."`
	Days    int     `default:"1827" help:"Validity in days (1..36500)."`
	KU      string  `name:"ku" placeholder:"LIST" help:"Key usage, openssl names (default digitalSignature,keyEncipherment)."`
	EKU     string  `name:"eku" placeholder:"LIST" help:"Extended key usage, openssl names or OIDs (default serverAuth,clientAuth)."`
	SAN     string  `name:"san" placeholder:"LIST" help:"Subject alternative names (DNS:...,IP:...); default the CN."`
	AIAURL  string  `name:"aia-url" placeholder:"URL" help:"Write this URL as the authorityInfoAccess caIssuers of the certificate."`
	KeepKey bool    `name:"keep-key" help:"Re-issue with the key of the existing keys/NAME.p12 instead of a new one."`
	Legacy  bool    `help:"Encrypt the bundle with 3DES and SHA-1 for old readers, instead of AES-256 and PBKDF2."`
	Timeout float64 `default:"20" help:"Seconds to wait for the PKI directory's lock."`
	passwordFlags
}

// Run enrolls one name.
func (c *enrollCmd) Run(e *env) error {
	if c.Name == "" {
		return errors.New("--name is empty: give the NAME of keys/NAME.p12")
	}
	if err := pki.CheckName(c.Name); err != nil {
		return fmt.Errorf("--name: %w", err)
	}
	if c.Subject == "" {
		return errors.New("--subject is empty: give the certificate's subject")
	}
	// The same flags as sign, read the same way.
	sign := signCmd{Subject: c.Subject, Days: c.Days, KU: c.KU, EKU: c.EKU, SAN: c.SAN, AIAURL: c.AIAURL}
	base, err := sign.request()
	if err != nil {
		return err
	}
	base.Name = c.Name
	if c.Timeout < 0 {
		return fmt.Errorf("--timeout %v is negative", c.Timeout)
	}
	password, onCommandLine, err := c.password()
	if err != nil {
		return err
	}
	if err := pki.CheckPKCS12Password(password); err != nil {
		return fmt.Errorf("bundle password: %w", err)
	}
	if onCommandLine {
		e.log.Warn("the password given with --password can be seen by other users of this host; prefer --password-file or --password-env")
	}
	opts := append(c.options(), pki.WithLockTimeout(time.Duration(c.Timeout*float64(time.Second))))
	store, err := pki.OpenStore(c.PKIDir, opts...)
	if err != nil {
		return err
	}
	e.log.Debug("enrolling", "dir", store.Dir(), "name", c.Name, "keep-key", c.KeepKey, "legacy", c.Legacy)
	out, err := store.Enroll(e.ctx, pki.EnrollRequest{SignRequest: base, Password: password, Legacy: c.Legacy, KeepKey: c.KeepKey})
	if err != nil {
		return err
	}
	for _, w := range out.Warnings {
		e.log.Warn(w, "name", out.Name)
	}
	if out.Backup != "" {
		e.log.Info("kept previous certificate", "backup", out.Backup)
	}
	e.log.Info("issued certificate", "name", out.Name, "serial", out.Serial,
		"path", out.CertPath, "expires", out.Certificate.NotAfter.Format(time.DateOnly))
	e.log.Info("wrote bundle", "path", out.PKCS12Path, "request", out.RequestPath, "kept-key", out.KeptKey, "legacy", c.Legacy)
	return nil
}
