package main

import (
	"errors"
	"fmt"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
	"github.com/pkienroll/pkienroll/pki/host"
)

// obtainCmd enrolls this host over EST (RFC 7030 simpleenroll) with a
// one-time token the engine's admin made: the network enrollment that
// renew continues, apart from enroll, which is the engine's
// pki-enroll-pkcs12.sh.
type obtainCmd struct {
	Server        string  `required:"" placeholder:"URL" help:"The engine's pkienroll serve (https://HOST:PORT)."`
	Token         *string `required:"" placeholder:"TOKEN" xor:"token" help:"The one-time token from pkienroll token create; others can see it in ps until it is used, prefer --token-file."`
	TokenFile     *string `required:"" placeholder:"FILE" xor:"token" help:"Read the token from the first line of FILE."`
	TokenEnv      *string `required:"" placeholder:"VAR" xor:"token" help:"Read the token from environment variable VAR."`
	CAFingerprint string  `required:"" name:"ca-fingerprint" placeholder:"SHA256:HEX" help:"The engine CA's SHA-256 fingerprint (openssl x509 -in ca.pem -noout -fingerprint -sha256 on the engine): the server is trusted only if its CA has it."`
	CN            string  `required:"" name:"cn" placeholder:"FQDN" help:"This host's name: the CN; the subject is the CA's with this CN."`
	SAN           string  `name:"san" placeholder:"LIST" help:"Subject alternative names (DNS:...,IP:...); default the CN."`
	Key           string  `required:"" placeholder:"FILE" help:"Write the new key here (mode 0600, no passphrase)."`
	Cert          string  `required:"" placeholder:"FILE" help:"Write the certificate here."`
	CAOut         string  `required:"" name:"ca-out" placeholder:"FILE" help:"Write the CA certificate here (for renew and for clients)."`
	Force         bool    `help:"Replace existing files, keeping each as FILE.YYYYMMDDHHMMSS."`
	Owner         string  `placeholder:"USER" help:"Give the key and certificates to this account, the one the service runs as; default: leave owners alone."`
}

// Run enrolls this host: every file is checked before the token is sent,
// and none is written unless the certificate is fit.
func (c *obtainCmd) Run(e *env) error {
	if _, err := est.ParseFingerprint(c.CAFingerprint); err != nil {
		return usageErrorf("--ca-fingerprint %s: %w", quoteValue(c.CAFingerprint), err)
	}
	token, err := c.token()
	if err != nil {
		return err
	}
	sans, err := pki.ParseSANs(c.SAN)
	if err != nil {
		return fmt.Errorf("--san: %w", err)
	}
	files, err := c.files()
	if err != nil {
		return err
	}
	client, err := est.Bootstrap(e.ctx, c.Server, c.CAFingerprint)
	if err != nil {
		return err
	}
	e.log.Debug("trusting the server's CA", "subject", client.CA.Subject.String(), "fingerprint", est.Fingerprint(client.CA))
	cert, err := client.EnrollFiles(e.ctx, est.EnrollRequest{Token: string(token), CN: c.CN, SANs: sans, Files: files, Force: c.Force})
	if err != nil {
		return err
	}
	e.log.Info("enrolled", "serial", pki.FormatSerial(cert.SerialNumber), "cn", cert.Subject.CommonName,
		"expires", cert.NotAfter.Format("2006-01-02"), "key", c.Key, "cert", c.Cert, "ca", c.CAOut)
	return nil
}

// token is the token of --token, --token-file or --token-env.
func (c *obtainCmd) token() ([]byte, error) {
	token, err := readSecret("token", c.TokenFile, c.TokenEnv)
	if err != nil || token != nil {
		return token, err
	}
	if c.Token == nil || *c.Token == "" {
		return nil, errors.New("--token is empty: give the token pkienroll token create printed")
	}
	return []byte(*c.Token), nil
}

// files are the files to write, each checked before anything is sent,
// with the account they are given to.
func (c *obtainCmd) files() (est.Files, error) {
	if err := atomicfile.CheckDistinct(c.Key, c.Cert, c.CAOut); err != nil {
		return est.Files{}, err
	}
	for _, p := range []struct{ flag, path string }{{"--key", c.Key}, {"--cert", c.Cert}, {"--ca-out", c.CAOut}} {
		if err := host.CheckWritable(host.Options{Force: c.Force}, p.path); err != nil {
			return est.Files{}, fmt.Errorf("%s: %w", p.flag, err)
		}
	}
	owner, err := lookupOwner(c.Owner, "the service")
	if err == nil {
		err = checkGive(owner)
	}
	return est.Files{Key: c.Key, Cert: c.Cert, CA: c.CAOut, Owner: owner}, err
}
