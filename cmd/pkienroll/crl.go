package main

import (
	"github.com/pkienroll/pkienroll/pki"
)

// crlCmd signs a CRL, like `openssl ca -gencrl`.
type crlCmd struct {
	storeFlags
	lockFlags
	Out   string   `required:"" placeholder:"FILE" help:"Write the CRL here (PEM; replaced atomically). Never one of the PKI directory's own files."`
	Days  dayCount `default:"${default_crl_days}" help:"Days until the CRL's nextUpdate (${crl_days_range})."`
	DER   bool     `name:"der" help:"Write DER instead of PEM."`
	Force bool     `help:"Replace an existing --out, keeping it as FILE.YYYYMMDDHHMMSS (never a newer CRL)."`
}

// Run writes the CRL, under the PKI directory's lock.
func (c *crlCmd) Run(e *env) error {
	if err := checkCRLDays(c.Days); err != nil {
		return err
	}
	store, err := c.openStore(c.storeFlags)
	if err != nil {
		return err
	}
	crl, err := store.PublishCRL(e.ctx, pki.CRLRequest{Out: c.Out, Days: int(c.Days), DER: c.DER, Force: c.Force})
	if err != nil {
		return err
	}
	for _, w := range crl.Warnings {
		e.log.Warn(w)
	}
	if crl.Backup != "" {
		e.log.Info("kept the previous CRL", "backup", crl.Backup)
	}
	e.log.Info("wrote CRL", "path", c.Out, "number", pki.FormatSerial(crl.Number), "days", int(c.Days))
	return nil
}
