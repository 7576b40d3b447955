package inspect

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
)

// WriteText writes every object of the inspection as WriteText does, with
// a blank line between objects.
func (in *Result) WriteText(w io.Writer) error {
	for i, o := range in.Objects {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := o.WriteText(w); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes o for a reader: a heading, then one "Label: value" line
// per fact, in the notation openssl uses (slash-form names, key usage names
// as in an extension file, hex with colons). docs/cli.md (pkienroll
// inspect) shows it.
func (o Object) WriteText(w io.Writer) error {
	t := &textWriter{w: w}
	heading := map[Kind]string{
		KindCertificate: "Certificate", KindRequest: "Certificate request",
		KindCRL: "CRL", KindPrivateKey: "Private key", KindPublicKey: "Public key",
	}[o.Kind]
	if o.PEMType != "" {
		t.printf("%s (PEM %q)\n", heading, o.PEMType)
	} else {
		t.printf("%s (DER)\n", heading)
	}
	switch {
	case o.Certificate != nil:
		t.certificate(o.Certificate)
	case o.Request != nil:
		t.request(o.Request)
	case o.CRL != nil:
		t.crl(o.CRL)
	case o.Key != nil:
		t.key(o.Key, o.Kind == KindPrivateKey)
	}
	return t.err
}

// textWriter keeps the first write error so the renderers read as a list
// of lines.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// line writes one labelled fact, values aligned after the longest label.
// Values come from the input (names, SANs), so control characters in them
// are escaped: a certificate must not be able to clear the reader's screen
// or retitle the terminal. JSON output escapes them its own way.
func (t *textWriter) line(label, value string) {
	t.printf("  %-21s%s\n", label+":", printable.Escape(value))
}

func (t *textWriter) certificate(c *CertificateInfo) {
	t.line("Subject", c.Subject.String())
	t.line("Issuer", c.Issuer.String())
	t.line("Serial", pki.FormatSerial(c.Serial))
	t.line("Not before", textTime(c.NotBefore))
	t.line("Not after", textTime(c.NotAfter))
	switch c.Status {
	case ValidityNotYetValid:
		now := c.NotAfter.Add(-c.TimeLeft)
		t.line("Status", "not yet valid, starts in "+textDuration(c.NotBefore.Sub(now)))
	case ValidityExpired:
		t.line("Status", "expired "+textDuration(-c.TimeLeft)+" ago")
	default:
		t.line("Status", "valid, expires in "+textDuration(c.TimeLeft))
	}
	t.line("Self-signed", yesNo(c.SelfSigned))
	t.publicKey(c.PublicKey)
	t.extensions(c.Extensions)
	t.line("Signature", c.SignatureAlgorithm)
	t.line("SHA-256 fingerprint", colonHex(c.SHA256))
}

func (t *textWriter) request(r *RequestInfo) {
	t.line("Subject", r.Subject.String())
	t.publicKey(r.PublicKey)
	t.extensions(r.Extensions)
	verifies := "verifies"
	switch {
	case r.SignatureNotChecked != "":
		verifies = "NOT CHECKED (" + r.SignatureNotChecked + ")"
	case !r.SignatureValid:
		verifies = "DOES NOT VERIFY"
	}
	t.line("Signature", r.SignatureAlgorithm+", "+verifies)
}

func (t *textWriter) crl(c *CRLInfo) {
	t.line("Issuer", c.Issuer.String())
	t.line("This update", textTime(c.ThisUpdate))
	switch {
	case c.NextUpdate.IsZero():
		t.line("Next update", "none")
	case c.TimeLeft < 0:
		t.line("Next update", textTime(c.NextUpdate)+" (overdue by "+textDuration(-c.TimeLeft)+")")
	default:
		t.line("Next update", textTime(c.NextUpdate)+" (in "+textDuration(c.TimeLeft)+")")
	}
	if c.Number != nil {
		t.line("CRL number", fmt.Sprintf("%s (0x%s)", c.Number, pki.FormatSerial(c.Number)))
	}
	if c.AuthorityKeyID != nil {
		t.line("Authority key ID", colonHex(c.AuthorityKeyID))
	}
	t.line("Signature", c.SignatureAlgorithm)
	t.line("SHA-256 fingerprint", colonHex(c.SHA256))
	t.line("Revoked", fmt.Sprint(len(c.Revoked)))
	for _, r := range c.Revoked {
		reason := ""
		if r.Reason != "" {
			reason = ", " + r.Reason
		}
		t.printf("    %s on %s%s\n", pki.FormatSerial(r.Serial), textTime(r.RevokedAt), reason)
	}
}

func (t *textWriter) key(k *KeyInfo, private bool) {
	t.line("Type", keyDescription(k.PublicKey))
	t.line("Format", k.Format)
	if private {
		encrypted := "no"
		if k.Encrypted {
			encrypted = "yes"
			if k.Cipher != "" {
				encrypted += ", " + k.Cipher
			}
		}
		t.line("Encrypted", encrypted)
	}
	if k.PublicKey.SHA256 != nil {
		t.line("Public key SHA-256", colonHex(k.PublicKey.SHA256))
	}
}

func (t *textWriter) publicKey(p PublicKeyInfo) {
	t.line("Public key", keyDescription(p))
	t.line("Public key SHA-256", colonHex(p.SHA256))
}

// extensions writes the extensions inspect understands, in openssl's
// extension-file notation (critical first), then names the others.
func (t *textWriter) extensions(e ExtensionsInfo) {
	if !e.SANs.Empty() {
		t.line("Subject alt names", strings.Join(e.SANs.List(), ", "))
	}
	if e.KeyUsage != nil {
		t.line("Key usage", withCritical(e.KeyUsage.Critical, e.KeyUsage.Usages...))
	}
	if e.ExtKeyUsage != nil {
		t.line("Extended key usage", withCritical(e.ExtKeyUsage.Critical, e.ExtKeyUsage.Usages...))
	}
	if bc := e.BasicConstraints; bc != nil {
		v := []string{"CA:FALSE"}
		if bc.CA {
			v[0] = "CA:TRUE"
		}
		if bc.MaxPathLen >= 0 {
			v = append(v, fmt.Sprintf("pathlen:%d", bc.MaxPathLen))
		}
		t.line("Basic constraints", withCritical(bc.Critical, v...))
	}
	if e.SubjectKeyID != nil {
		t.line("Subject key ID", colonHex(e.SubjectKeyID))
	}
	if e.AuthorityKeyID != nil {
		t.line("Authority key ID", colonHex(e.AuthorityKeyID))
	}
	var other []string
	for _, x := range e.All {
		switch x.Name {
		case "subjectAltName", "keyUsage", "extendedKeyUsage", "basicConstraints",
			"subjectKeyIdentifier", "authorityKeyIdentifier":
			continue
		}
		other = append(other, withCritical(x.Critical, x.Name))
	}
	if len(other) > 0 {
		t.line("Other extensions", strings.Join(other, "; "))
	}
}

// withCritical joins values as an openssl extension file writes them:
// "critical, digitalSignature, keyEncipherment".
func withCritical(critical bool, values ...string) string {
	if critical {
		values = append([]string{"critical"}, values...)
	}
	return strings.Join(values, ", ")
}

// keyDescription is "RSA 2048 bits", "EC P-256", "Ed25519" or
// "encrypted private key".
func keyDescription(p PublicKeyInfo) string {
	switch {
	case p.Curve != "":
		return p.Algorithm + " " + p.Curve
	case p.Algorithm == "RSA" && p.Bits > 0:
		return fmt.Sprintf("RSA %d bits", p.Bits)
	}
	return p.Algorithm
}

// colonHex writes b as uppercase hex bytes joined by colons, as openssl
// prints fingerprints and key identifiers (95:07:F3).
func colonHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := strings.ToUpper(hex.EncodeToString(b))
	var sb strings.Builder
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(s[i : i+2])
	}
	return sb.String()
}

func textTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// textDuration rounds d down to the largest unit that keeps it at two or
// more: "1309 days", "36 hours", "5 minutes", "1 second".
func textDuration(d time.Duration) string {
	units := []struct {
		name string
		size time.Duration
	}{{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}}
	for _, u := range units {
		if d >= 2*u.size {
			return fmt.Sprintf("%d %ss", d/u.size, u.name)
		}
	}
	if s := d / time.Second; s != 1 {
		return fmt.Sprintf("%d seconds", s)
	}
	return "1 second"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
