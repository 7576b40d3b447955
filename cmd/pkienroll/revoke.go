package main

import (
	"github.com/pkienroll/pkienroll/pki"
)

// revokeCmd marks a certificate revoked, like `openssl ca -revoke`.
type revokeCmd struct {
	storeFlags
	Name   string `xor:"which" required:"" placeholder:"NAME" help:"Revoke the certificate certs/NAME.cer."`
	Serial string `xor:"which" required:"" placeholder:"HEX" help:"Revoke the certificate with this serial."`
	Reason string `placeholder:"REASON" help:"openssl reason: unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold (not removeFromCRL, for delta CRLs only, nor privilegeWithdrawn and AACompromise, which openssl ca cannot read)."`
	lockFlags
}

// Run revokes.
func (c *revokeCmd) Run(e *env) error {
	// A reason the library would refuse is a mistake in the flag's value:
	// said before the directory is opened, exit 80.
	if _, err := pki.CanonicalReason(c.Reason); err != nil {
		return usageErrorf("--reason: %w", err)
	}
	store, err := c.openStore(c.storeFlags)
	if err != nil {
		return err
	}
	entry, err := store.Revoke(e.ctx, pki.RevokeRequest{Serial: c.Serial, Name: c.Name, Reason: c.Reason})
	if err != nil {
		return err
	}
	e.log.Info("revoked certificate", "serial", entry.Serial, "subject", entry.Subject, "reason", entry.Reason)
	e.log.Info("publish a new CRL for clients to see it", "command", "pkienroll crl --pki-dir "+store.Dir()+" --out FILE")
	return nil
}
