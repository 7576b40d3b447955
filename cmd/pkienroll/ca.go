package main

import (
	"github.com/pkienroll/pkienroll/pki"
)

// caCmd groups the CA commands.
type caCmd struct {
	Init caInitCmd `cmd:"" help:"Create a PKI directory with a new CA, like pki-create-ca.sh."`
}

// caInitCmd creates a CA.
type caInitCmd struct {
	PKIDir  string `name:"pki-dir" env:"PKIENROLL_PKI_DIR" default:"${default_pki_dir}" placeholder:"DIR" help:"The PKI directory to create or fill."`
	Subject string `required:"" placeholder:"S" help:"CA subject, such as /C=US/O=Example Inc./CN=engine.example.com.81108."`
	Days    int    `default:"7300" help:"Validity of the CA certificate in days (1..36500)."`
	CAFile  string `name:"ca-file" default:"ca" placeholder:"NAME" help:"CA base name: NAME.pem and private/NAME.pem."`
}

// Run creates the CA.
func (c *caInitCmd) Run(e *env) error {
	subject, err := parseSubjectFlag(c.Subject)
	if err != nil {
		return err
	}
	s, err := pki.InitStore(c.PKIDir, pki.InitRequest{Subject: subject, Days: c.Days}, pki.WithCAName(c.CAFile))
	if err != nil {
		return err
	}
	e.log.Info("created CA", "dir", s.Dir(), "cert", s.CACertPath(), "key", s.CAKeyPath(), "subject", subject.String())
	return nil
}
