package main

import (
	"encoding/json"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// subjectCmd prints a subject, or the proxy subject derived from a CA's.
type subjectCmd struct {
	Cert    string `xor:"source" required:"" type:"path" placeholder:"FILE" help:"Read the subject of this certificate (PEM or DER), such as the engine's ca.pem."`
	Subject string `xor:"source" required:"" placeholder:"TEXT" help:"Read this subject: slash form, RFC 4514, or what openssl x509 -subject prints."`
	CN      string `name:"cn" placeholder:"FQDN" help:"Derive a subject: keep every attribute but CN, in order, and append CN=FQDN."`
	Format  string `enum:"openssl,rfc4514,json" default:"openssl" help:"Output format: openssl (slash form, for -subj and --subject), rfc4514 or json."`
}

// Run prints the subject.
func (c *subjectCmd) Run(e *env) error {
	name, err := c.read()
	if err != nil {
		return err
	}
	if c.CN != "" {
		if name, err = pki.DeriveSubject(name, c.CN); err != nil {
			return fmt.Errorf("derive subject with CN %q: %w", c.CN, err)
		}
	}
	out, err := formatName(name, c.Format)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, out)
	return err
}

func (c *subjectCmd) read() (pki.Name, error) {
	if c.Cert != "" {
		cert, err := pki.ReadCertificate(c.Cert)
		if err != nil {
			return nil, err
		}
		return pki.NameFromCertificate(cert)
	}
	return parseSubjectFlag(c.Subject)
}

// parseSubjectFlag parses a --subject value with an error that says so.
func parseSubjectFlag(s string) (pki.Name, error) {
	name, err := pki.ParseName(s)
	if err != nil {
		return nil, fmt.Errorf("--subject: %w", err)
	}
	return name, nil
}

func formatName(n pki.Name, format string) (string, error) {
	switch format {
	case "rfc4514":
		return n.RFC4514(), nil
	case "json":
		b, err := json.Marshal(n)
		return string(b), err
	default:
		return n.String(), nil
	}
}
