package main

import (
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// crlCmd signs a CRL, like `openssl ca -gencrl`.
type crlCmd struct {
	storeFlags
	Out  string `required:"" placeholder:"FILE" help:"Write the CRL here (PEM; replaced atomically)."`
	Days int    `default:"30" help:"Days until the CRL's nextUpdate (1..36500)."`
	DER  bool   `name:"der" help:"Write DER instead of PEM."`
}

// Run writes the CRL.
func (c *crlCmd) Run(e *env) error {
	if err := checkDays(c.Days); err != nil {
		return err
	}
	// Before the CRL is made: one that cannot be written must not use up a
	// CRL number.
	if err := pki.CheckWritable(c.Out, true); err != nil {
		return err
	}
	store, err := pki.OpenStore(c.PKIDir, c.options()...)
	if err != nil {
		return err
	}
	der, err := store.GenerateCRL(e.ctx, c.Days)
	if err != nil {
		return err
	}
	data := pki.EncodeCRLPEM(der)
	if c.DER {
		data = der
	}
	if err := pki.WriteFiles(pki.WriteOptions{Force: true, NoBackup: true}, pki.OutputFile{Path: c.Out, Data: data, Mode: 0o644}); err != nil {
		return fmt.Errorf("write CRL: %w", err)
	}
	e.log.Info("wrote CRL", "path", c.Out, "days", c.Days)
	return nil
}
