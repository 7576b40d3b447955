package main

import (
	"errors"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// keygenCmd makes a private key for a proxy.
type keygenCmd struct {
	Out   string `required:"" placeholder:"FILE" help:"Write the key here (mode 0600)."`
	Bits  int    `default:"2048" help:"RSA key size: 2048, 3072 or 4096."`
	PKCS1 bool   `name:"pkcs1" help:"Write PKCS#1 (RSA PRIVATE KEY) instead of PKCS#8 (PRIVATE KEY)."`
	Force bool   `help:"Replace an existing file, keeping it as FILE.YYYYMMDDHHMMSS."`
	passphraseFlags
}

// Run generates and writes the key.
func (c *keygenCmd) Run(e *env) error {
	if c.Out == "" {
		return errors.New("--out is empty: give the key file")
	}
	pass, err := c.passphrase()
	if err != nil {
		return err
	}
	// Check the destination before paying for a key.
	if err := pki.CheckWritable(c.Out, c.Force); err != nil {
		return err
	}
	key, err := pki.GenerateKey(c.Bits)
	if err != nil {
		return bitsError(err)
	}
	enc := pki.KeyEncoding{PKCS1: c.PKCS1, Passphrase: pass}
	if err := pki.WriteKey(c.Out, key, enc, pki.WriteOptions{Force: c.Force}); err != nil {
		return err
	}
	e.log.Info("wrote key", "path", c.Out, "bits", c.Bits, "encrypted", pass != nil)
	return nil
}

// bitsError names the flag when the library refuses the --bits size.
func bitsError(err error) error {
	if errors.Is(err, pki.ErrWeakKey) {
		return fmt.Errorf("--bits: %w", err)
	}
	return err
}
