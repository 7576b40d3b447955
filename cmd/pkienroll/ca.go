package main

import (
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// caCmd groups the CA commands.
type caCmd struct {
	Init  caInitCmd  `cmd:"" help:"Create a PKI directory with a new CA, like pki-create-ca.sh."`
	Renew caRenewCmd `cmd:"" help:"Renew the CA certificate with the same key and subject, like pki-create-ca.sh --renew."`
	Check caCheckCmd `cmd:"" help:"Check the PKI directory's invariants and permissions."`
}

// caInitCmd creates a CA.
type caInitCmd struct {
	pkiDirFlag `set:"pki_dir_help=The PKI directory to create or fill"`
	lockFlags
	Subject string   `required:"" placeholder:"S" help:"CA subject, such as /C=US/O=Example Inc./CN=engine.example.com.81108."`
	Days    dayCount `default:"${default_ca_days}" help:"Validity of the CA certificate in days (${days_range})."`
	CAFile  string   `name:"ca-file" default:"ca" help:"CA base name: NAME.pem and private/NAME.pem."`
	trustStoreFlags
}

// trustStoreFlags give the password of the engine's Java trust store
// .truststore, the one engine-setup passes pki-create-ca.sh
// (--keystore-password) and writes into the engine's configuration: its
// default, mypass, unless engine-setup was told another.
type trustStoreFlags struct {
	TruststorePasswordFile *string `placeholder:"FILE" xor:"truststore-password" help:"Read the password of .truststore from the first line of FILE (default engine-setup's, mypass)."`
	TruststorePasswordEnv  *string `placeholder:"VAR" xor:"truststore-password" help:"Read the password of .truststore from environment variable VAR."`
}

// option is the store option of the trust store's password.
func (f trustStoreFlags) option() (pki.StoreOption, error) {
	password, err := readSecret("truststore-password", f.TruststorePasswordFile, f.TruststorePasswordEnv)
	if err != nil {
		return nil, err
	}
	if password == nil {
		return pki.WithTrustStorePassword(pki.DefaultTrustStorePassword), nil
	}
	if err := pki.ValidateTrustStorePassword(string(password)); err != nil {
		if f.TruststorePasswordFile != nil {
			return nil, fmt.Errorf("--truststore-password-file: %s: %w", *f.TruststorePasswordFile, err)
		}
		return nil, fmt.Errorf("--truststore-password-env: variable %s: %w", *f.TruststorePasswordEnv, err)
	}
	return pki.WithTrustStorePassword(string(password)), nil
}

// Run creates the CA.
func (c *caInitCmd) Run(e *env) error {
	subject, err := parseSubjectFlag(c.Subject)
	if err != nil {
		return err
	}
	if err := checkDays(c.Days); err != nil {
		return err
	}
	trust, err := c.option()
	if err != nil {
		return err
	}
	s, err := pki.InitStore(c.PKIDir, pki.InitRequest{Subject: subject, Days: int(c.Days)},
		pki.WithCAName(c.CAFile), pki.WithLockTimeout(time.Duration(c.Timeout)), trust)
	if err != nil {
		return err
	}
	e.log.Info("created CA", "dir", s.Dir(), "cert", s.CACertPath(), "key", s.CAKeyPath(), "subject", subject.String())
	return nil
}

// caRenewCmd renews the CA certificate.
type caRenewCmd struct {
	storeFlags
	lockFlags
	Days dayCount `default:"${default_ca_days}" help:"Validity of the renewed CA certificate in days (${days_range})."`
	trustStoreFlags
}

// Run renews the CA.
func (c *caRenewCmd) Run(e *env) error {
	if err := checkDays(c.Days); err != nil {
		return err
	}
	trust, err := c.option()
	if err != nil {
		return err
	}
	store, err := pki.OpenStore(c.PKIDir, append(c.options(), pki.WithLockTimeout(time.Duration(c.Timeout)), trust)...)
	if err != nil {
		return err
	}
	renewed, err := store.RenewCA(e.ctx, int(c.Days))
	if err != nil {
		return err
	}
	for _, w := range renewed.Warnings {
		e.log.Warn(w, "cert", store.CACertPath())
	}
	cert := renewed.Certificate
	e.log.Info("renewed CA", "cert", store.CACertPath(), "expires", cert.NotAfter.Format(time.DateOnly),
		"serial", pki.FormatSerial(cert.SerialNumber))
	e.log.Info("copy the new CA certificate to every host that trusts the old one", "path", store.CACertPath())
	return nil
}

// caCheckCmd checks a PKI directory.
type caCheckCmd struct {
	storeFlags
	lockFlags
}

// Run prints "ok" when the directory is sound, and otherwise each breach
// as a failed check (exit 2). It also settles the EST tokens a killed
// server left claimed, from the index, each reported as a breach, and
// reports token records that cannot be read.
func (c *caCheckCmd) Run(e *env) error {
	store, err := c.openStore(c.storeFlags)
	if err != nil {
		return err
	}
	problems, err := store.Check(e.ctx)
	if err != nil {
		return err
	}
	tokens := est.OpenTokens(store.Dir())
	settled, err := tokens.Reconcile(e.ctx, store)
	if err != nil {
		return err
	}
	problems = append(problems, settled...)
	// A damaged token record enrolls nothing, but the token it was is
	// neither usable nor listed: the admin should know.
	if census, err := tokens.Census(); err == nil && census.Unreadable > 0 {
		problems = append(problems, fmt.Sprintf("%d token record(s) cannot be read, the first: %v; such a record enrolls nothing: look at it and remove it",
			census.Unreadable, census.UnreadableErr))
	}
	if len(problems) > 0 {
		return &checkFailed{lines: problems}
	}
	_, err = fmt.Fprintf(e.stdout, "ok   %s: every index line has its certificate, signed by the CA; serials unique and behind serial.txt; modes safe\n", printable.Escape(store.Dir()))
	return err
}
