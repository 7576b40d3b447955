package main

import (
	"fmt"
	"strings"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
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
	// A pointer tells --cn from no --cn; --cn "" (an unset variable in a
	// script), which would print the CA's own subject and hand the proxy
	// the engine's CN, is refused by checkGiven.
	if c.CN != nil {
		if name, err = dn.Derive(name, *c.CN); err != nil {
			return fmt.Errorf("derive subject with CN %q: %w", *c.CN, err)
		}
	}
	out, err := formatName(name, c.Format)
	if err != nil {
		return err
	}
	if c.Format != "json" {
		// A certificate's subject may hold control characters (which
		// dn.Parse refuses, so they cannot be fed back anyway) and bidi
		// overrides: escaped, they cannot reach the terminal.
		out = printable.Escape(out)
	} else {
		// JSON escapes C0 itself, but leaves DEL, C1 and U+202E raw.
		out = string(printable.JSON([]byte(out)))
	}
	_, err = fmt.Fprintln(e.stdout, out)
	return err
}

func (c *subjectCmd) read() (dn.Name, error) {
	if c.Cert == "" && c.Subject == "" {
		// One was given, empty: kong's required accepts that.
		return nil, fmt.Errorf("--cert or --subject is empty")
	}
	if c.Cert != "" {
		cert, err := pki.ReadCertificate(c.Cert)
		if err != nil {
			return nil, err
		}
		return dn.FromCertificate(cert)
	}
	return parseSubjectFlag(c.Subject)
}

// maxSubjectFlag bounds a --subject value: far above any real subject (an
// attribute value is at most 64 characters), far below a pasted file.
const maxSubjectFlag = 4096

// parseSubjectFlag parses a --subject value with an error that says so: a
// usage error (exit 80), since the value is one the flag cannot take, as
// --days abc is. PEM text, several lines or a value too long to be a
// subject is refused by its size alone: the parser's error would quote a
// piece of it, and the piece may be a line of a key pasted by mistake.
func parseSubjectFlag(s string) (dn.Name, error) {
	switch {
	case strings.Contains(s, "-----BEGIN"):
		return nil, usageErrorf("--subject: %d bytes of PEM text (a key or a certificate?), not a subject; give --cert FILE to read a certificate's", len(s))
	case strings.ContainsAny(s, "\n\r"):
		return nil, usageErrorf("--subject: %d bytes over %d lines, not a subject: a subject is one line", len(s), strings.Count(s, "\n")+1)
	case len(s) > maxSubjectFlag:
		return nil, usageErrorf("--subject: %d bytes is too long for a subject (at most %d)", len(s), maxSubjectFlag)
	}
	name, err := dn.Parse(s)
	if err != nil {
		return nil, usageErrorf("--subject: %w", err)
	}
	return name, nil
}

func formatName(n dn.Name, format string) (string, error) {
	f, err := dn.ParseFormat(format)
	if err != nil {
		return "", err
	}
	return n.Format(f)
}
