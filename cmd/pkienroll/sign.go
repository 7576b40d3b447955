package main

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// signCmd signs requests into the PKI directory, like the engine's
// `pki-enroll-request.sh --name=NAME --days=N --subject=S`.
type signCmd struct {
	storeFlags
	Name    []string `required:"" placeholder:"NAME" help:"Sign requests/NAME.req into certs/NAME.cer; repeat (or separate with commas) to sign several under one lock."`
	Subject string   `placeholder:"S" help:"Replace the request's subject with this one."`
	Days    int      `default:"1827" help:"Validity in days (1..36500)."`
	KU      string   `name:"ku" placeholder:"LIST" help:"Key usage, openssl names (default digitalSignature,keyEncipherment)."`
	EKU     string   `name:"eku" placeholder:"LIST" help:"Extended key usage, openssl names or OIDs (default serverAuth,clientAuth)."`
	SAN     string   `name:"san" placeholder:"LIST" help:"Subject alternative names (DNS:...,IP:...); default the request's, else the CN."`
	Timeout float64  `default:"20" help:"Seconds to wait for the PKI directory's lock."`
	AIAURL  string   `name:"aia-url" placeholder:"URL" help:"Write this URL as the authorityInfoAccess caIssuers of the certificate."`
}

// Run signs every --name in one batch.
func (c *signCmd) Run(e *env) error {
	// kong turns --name "" (an unset variable in a script) into no names;
	// signing nothing and exiting 0 would hide the mistake.
	if len(c.Name) == 0 {
		return fmt.Errorf("--name is empty: give the NAME of requests/NAME.req")
	}
	base, err := c.request()
	if err != nil {
		return err
	}
	if c.Timeout < 0 {
		return fmt.Errorf("--timeout %v is negative", c.Timeout)
	}
	opts := append(c.options(), pki.WithLockTimeout(time.Duration(c.Timeout*float64(time.Second))))
	store, err := pki.OpenStore(c.PKIDir, opts...)
	if err != nil {
		return err
	}
	reqs := make([]pki.SignRequest, len(c.Name))
	for i, name := range c.Name {
		reqs[i] = base
		reqs[i].Name = name
	}
	e.log.Debug("signing", "dir", store.Dir(), "names", c.Name)
	issued, err := store.SignBatch(e.ctx, reqs)
	if err != nil {
		return err
	}
	for _, is := range issued {
		for _, w := range is.Warnings {
			e.log.Warn(w, "name", is.Name)
		}
		if is.Backup != "" {
			e.log.Info("kept previous certificate", "backup", is.Backup)
		}
		e.log.Info("issued certificate", "name", is.Name, "serial", is.Serial,
			"path", is.CertPath, "expires", is.Certificate.NotAfter.Format(time.DateOnly))
	}
	return nil
}

// request turns the flags into the shared part of every SignRequest.
func (c *signCmd) request() (pki.SignRequest, error) {
	r := pki.SignRequest{Days: c.Days, AIAURL: c.AIAURL}
	var err error
	if c.Subject != "" {
		if r.Subject, err = parseSubjectFlag(c.Subject); err != nil {
			return r, err
		}
	}
	if c.KU != "" {
		var ku x509.KeyUsage
		if ku, err = pki.ParseKeyUsage(c.KU); err != nil {
			return r, fmt.Errorf("--ku: %w", err)
		}
		r.KeyUsage = ku
	}
	if c.EKU != "" {
		var eku []asn1.ObjectIdentifier
		if eku, err = pki.ParseExtKeyUsage(c.EKU); err != nil {
			return r, fmt.Errorf("--eku: %w", err)
		}
		r.ExtKeyUsage = eku
	}
	if r.SANs, err = pki.ParseSANs(c.SAN); err != nil {
		return r, fmt.Errorf("--san: %w", err)
	}
	if err := checkDays(c.Days); err != nil {
		return r, err
	}
	return r, nil
}
