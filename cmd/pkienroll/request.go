package main

import (
	"crypto"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/host"
)

// requestCmd makes a certificate signing request, as
// `openssl req -new [-newkey rsa:2048 -nodes -keyout KEY] -subj S -out REQ` does.
type requestCmd struct {
	Subject      string  `xor:"subject" oneof:"" placeholder:"S" help:"Subject of the request (slash form, RFC 4514 or openssl's output)."`
	CACert       string  `name:"ca-cert" xor:"subject" and:"derive" oneof:"" placeholder:"FILE" help:"Derive the subject from this CA certificate; needs --cn."`
	CN           string  `name:"cn" and:"derive" placeholder:"FQDN" help:"With --ca-cert: the proxy's host name, replacing the CA's CN."`
	Key          string  `xor:"key" required:"" placeholder:"FILE" help:"Sign with this existing key."`
	Keyout       string  `xor:"key" required:"" placeholder:"FILE" help:"Generate a new key, without passphrase unless one is given, into FILE (mode 0600)."`
	Out          string  `required:"" placeholder:"FILE" help:"Write the request here (PEM)."`
	SAN          string  `name:"san" placeholder:"LIST" help:"Subject alternative names in openssl syntax: DNS:a.example.com,IP:192.0.2.1,email:x@y,URI:..."`
	NoDefaultSAN bool    `name:"no-default-san" help:"Do not add the CN as a DNS or IP alternative name when --san is not given."`
	Bits         keyBits `default:"2048" help:"With --keyout: RSA key size (2048, 3072 or 4096)."`
	PKCS1        bool    `name:"pkcs1" help:"With --keyout: write PKCS#1 instead of PKCS#8."`
	Force        bool    `help:"Replace existing output files, keeping each as FILE.YYYYMMDDHHMMSS."`
	passphraseFlags
}

// Run writes the request, and the new key with --keyout. Every input is
// checked and both files are staged before either is put in place, so a
// failure leaves no output behind.
func (c *requestCmd) Run(e *env) error {
	subject, sans, pass, err := c.inputs()
	if err != nil {
		return err
	}
	files := host.Files{Key: c.Keyout, CSR: c.Out}
	opts := host.Options{Force: c.Force}
	if err := checkOutputsNotInputs([]flagFile{{"--out", c.Out}, {"--keyout", c.Keyout}},
		[]flagFile{{"--key", c.Key}, {"--ca-cert", c.CACert}, optionalFile("--passphrase-file", c.PassphraseFile)}); err != nil {
		return err
	}
	if err := host.CheckWritable(opts, c.Keyout, c.Out); err != nil {
		return err
	}
	key, err := c.key(pass)
	if err != nil {
		return err
	}
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject, SANs: sans, NoDefaultSAN: c.NoDefaultSAN})
	if err != nil {
		return err
	}
	out := host.Bundle{CSR: der}
	var encrypted bool
	if c.Keyout != "" {
		if out.KeyPEM, encrypted, err = encodeKey(key, pki.KeyEncoding{PKCS1: c.PKCS1, Passphrase: pass}); err != nil {
			return err
		}
	}
	if err := files.Install(out, opts); err != nil {
		return err
	}
	if c.Keyout != "" {
		e.log.Info("wrote key", "path", c.Keyout, "bits", int(c.Bits), "encrypted", encrypted)
	}
	e.log.Info("wrote request", "path", c.Out, "subject", subject.String())
	return nil
}

// inputs are the request's subject and SANs, and the key's passphrase,
// read and checked before any file is looked at.
func (c *requestCmd) inputs() (subject dn.Name, sans pki.SANs, pass []byte, err error) {
	// kong's required and xor accept an empty value (`--keyout "$UNSET"`);
	// without this a request would be made for a key nobody keeps.
	switch {
	case c.Key == "" && c.Keyout == "":
		return nil, sans, nil, fmt.Errorf("--key or --keyout is empty: give the key file")
	case c.Out == "":
		return nil, sans, nil, fmt.Errorf("--out is empty: give the request file")
	}
	if subject, err = c.subject(); err != nil {
		return nil, sans, nil, err
	}
	if sans, err = pki.ParseSANs(c.SAN); err != nil {
		return nil, sans, nil, fmt.Errorf("--san: %w", err)
	}
	pass, err = c.passphrase()
	return subject, sans, pass, err
}

func (c *requestCmd) subject() (dn.Name, error) {
	switch {
	case c.Subject != "" && c.CACert != "":
		return nil, usageErrorf("give either --subject or --ca-cert with --cn, not both")
	case c.Subject != "":
		if c.CN != "" {
			return nil, usageErrorf("--cn derives a subject from --ca-cert; with --subject put the CN in the subject")
		}
		return parseSubjectFlag(c.Subject)
	case c.CACert != "":
		if c.CN == "" {
			return nil, usageErrorf("--ca-cert needs --cn, the proxy's host name")
		}
		cert, err := pki.ReadCertificate(c.CACert)
		if err != nil {
			return nil, err
		}
		name, err := dn.DeriveFrom(cert, c.CN)
		if err != nil {
			return nil, fmt.Errorf("derive subject with CN %q from CA certificate %s: %w", c.CN, c.CACert, err)
		}
		return name, nil
	}
	return nil, usageErrorf("give --subject, or --ca-cert with --cn")
}

func (c *requestCmd) key(pass []byte) (crypto.Signer, error) {
	if c.Key != "" {
		return pki.ReadKey(c.Key, pass)
	}
	key, err := pki.GenerateKey(int(c.Bits))
	if err != nil {
		return nil, bitsError(err)
	}
	return key, nil
}
