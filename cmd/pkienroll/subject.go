package main

import (
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// subjectCmd prints a subject, or the proxy subject derived from a CA's.
type subjectCmd struct {
	Cert    string  `xor:"source" required:"" placeholder:"FILE" help:"Read the subject of this certificate (PEM or DER), such as the engine's ca.pem."`
	Subject string  `xor:"source" required:"" placeholder:"TEXT" help:"Read this subject: slash form, RFC 4514, or what openssl x509 -subject prints."`
	CN      *string `name:"cn" placeholder:"FQDN" help:"Derive a subject: keep every attribute but CN, in order, and append CN=FQDN."`
	Format  string  `enum:"openssl,rfc4514,json" default:"openssl" help:"Output format: openssl (slash form, for -subj and --subject), rfc4514 or json."`
}

// Run prints the subject.
func (c *subjectCmd) Run(e *env) error {
	name, err := c.read()
	if err != nil {
		return err
	}
	// A pointer tells --cn "" (an unset variable in a script) from no
	// --cn: printing the CA's own subject then would hand the proxy the
	// engine's CN.
	if c.CN != nil {
		if *c.CN == "" {
			return fmt.Errorf("--cn is empty: give the proxy's host name")
		}
		if name, err = pki.DeriveSubject(name, *c.CN); err != nil {
			return fmt.Errorf("derive subject with CN %q: %w", *c.CN, err)
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
	if c.Cert == "" && c.Subject == "" {
		// One was given, empty: kong's required accepts that.
		return nil, fmt.Errorf("--cert or --subject is empty")
	}
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
	f, err := pki.ParseNameFormat(format)
	if err != nil {
		return "", err
	}
	return n.Format(f)
}
