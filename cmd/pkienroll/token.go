package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// tokenCmd manages the one-time tokens that authorise a first enrollment
// over EST (`pkienroll serve`).
type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Make a one-time enrollment token for one name, CN and SANs; print it once."`
	List   tokenListCmd   `cmd:"" help:"List the tokens (never the tokens themselves)."`
	Revoke tokenRevokeCmd `cmd:"" help:"Take back unused tokens by name or ID prefix."`
}

// tokenCreateCmd makes a token.
// minTokenTTL is the shortest --ttl: a shorter one expires while the
// token is copied to the proxy, or before it is printed.
const minTokenTTL = time.Minute

type tokenCreateCmd struct {
	storeFlags
	Name string        `required:"" placeholder:"NAME" help:"The certificate's name: certs/NAME.cer."`
	CN   string        `name:"cn" required:"" placeholder:"FQDN" help:"The CN the certificate gets; the subject is the CA's with this CN."`
	SAN  string        `name:"san" placeholder:"LIST" help:"The SANs the certificate gets (DNS:...,IP:...); default the CN."`
	Days dayCount      `default:"${default_days}" help:"Validity of the certificate in days (${days_range}), notBefore through notAfter inclusive."`
	TTL  time.Duration `name:"ttl" default:"1h" help:"How long the token can be used."`
}

// Run creates the token and prints it, the only time it is shown.
func (c *tokenCreateCmd) Run(e *env) error {
	if err := checkDays(c.Days); err != nil {
		return err
	}
	if c.TTL < minTokenTTL {
		return usageErrorf("--ttl %s: want a duration of at least %s, such as 1h (a token must outlive its handing over)", c.TTL, minTokenTTL)
	}
	sans, err := pki.ParseSANs(c.SAN)
	if err != nil {
		return fmt.Errorf("--san: %w", err)
	}
	store, err := pki.OpenStore(c.PKIDir, c.options()...)
	if err != nil {
		return err
	}
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		return err
	}
	subject, err := dn.DeriveFrom(ca, c.CN)
	if err != nil {
		return fmt.Errorf("--cn: %w", err)
	}
	secret, tok, err := est.OpenTokens(store.Dir()).Create(est.TokenRequest{Name: c.Name, Subject: subject, SANs: sans, Days: int(c.Days), TTL: c.TTL})
	if err != nil {
		return err
	}
	e.log.Info("created token", "name", tok.Name, "subject", tok.Subject, "sans", tok.SANs.String(),
		"expires", tok.Expires.Format(time.RFC3339), "id", tok.ID[:12])
	_, err = fmt.Fprintln(e.stdout, secret)
	return err
}

// tokenListCmd lists tokens.
type tokenListCmd struct {
	storeFlags
}

// Run prints one line per token: ID prefix, state, expiry, name, CN, SANs.
// The record's fields are escaped: a record file is not to be trusted with
// the terminal.
func (c *tokenListCmd) Run(e *env) error {
	store, err := pki.OpenStore(c.PKIDir, c.options()...)
	if err != nil {
		return err
	}
	toks, err := est.OpenTokens(store.Dir()).List()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATE\tEXPIRES\tNAME\tCN\tSANS")
	for _, t := range toks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID[:12], t.State, t.Expires.UTC().Format(time.RFC3339),
			printable.Escape(t.Name), printable.Escape(t.CN()), printable.Escape(t.SANs.String()))
	}
	return w.Flush()
}

// tokenRevokeCmd takes tokens back.
type tokenRevokeCmd struct {
	storeFlags
	Match string `arg:"" name:"name-or-id" help:"Revoke every unused token for this NAME, or the one whose ID starts with these (at least 8) hex digits."`
}

// Run revokes.
func (c *tokenRevokeCmd) Run(e *env) error {
	store, err := pki.OpenStore(c.PKIDir, c.options()...)
	if err != nil {
		return err
	}
	done, err := est.OpenTokens(store.Dir()).Revoke(c.Match)
	for _, t := range done {
		e.log.Info("revoked token", "id", t.ID[:12], "name", t.Name)
	}
	return err
}
