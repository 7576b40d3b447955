package main

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/host"
	"github.com/pkienroll/pkienroll/pki/inspect"
)

// keygenCmd makes a private key for a proxy.
type keygenCmd struct {
	Out   string  `required:"" placeholder:"FILE" help:"Write the key here (mode 0600)."`
	Bits  keyBits `default:"2048" help:"RSA key size: 2048, 3072 or 4096."`
	PKCS1 bool    `name:"pkcs1" help:"Write PKCS#1 (RSA PRIVATE KEY) instead of PKCS#8 (PRIVATE KEY)."`
	Force bool    `help:"Replace an existing file, keeping it as FILE.YYYYMMDDHHMMSS."`
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
	if err := host.CheckWritable(host.Options{Force: c.Force}, c.Out); err != nil {
		return err
	}
	key, err := pki.GenerateKey(int(c.Bits))
	if err != nil {
		return bitsError(err)
	}
	keyPEM, encrypted, err := encodeKey(key, pki.KeyEncoding{PKCS1: c.PKCS1, Passphrase: pass})
	if err != nil {
		return err
	}
	if err := (host.Files{Key: c.Out}).Install(host.Bundle{KeyPEM: keyPEM}, host.Options{Force: c.Force}); err != nil {
		return err
	}
	e.log.Info("wrote key", "path", c.Out, "bits", int(c.Bits), "encrypted", encrypted)
	return nil
}

// encodeKey encodes key as enc says and reports whether the PEM it made is
// encrypted, read back from the PEM itself: that is what the log says.
// A passphrase that did not end up encrypting the key is an error, never a
// key written in the clear under a log line saying otherwise.
func encodeKey(key crypto.Signer, enc pki.KeyEncoding) (keyPEM []byte, encrypted bool, err error) {
	if keyPEM, err = pki.EncodeKey(key, enc); err != nil {
		return nil, false, err
	}
	in, err := inspect.Bytes(keyPEM, inspect.Options{})
	if err != nil || len(in.Objects) != 1 || in.Objects[0].Key == nil {
		return nil, false, fmt.Errorf("encode key: cannot read back the key just encoded: %v", err)
	}
	encrypted = in.Objects[0].Key.Encrypted
	if enc.Passphrase != nil && !encrypted {
		return nil, false, errors.New("encode key: a passphrase was given but the key would be written unencrypted")
	}
	return keyPEM, encrypted, nil
}

// bitsError names the flag when the library refuses the --bits size.
func bitsError(err error) error {
	if errors.Is(err, pki.ErrWeakKey) {
		return fmt.Errorf("--bits: %w", err)
	}
	return err
}
