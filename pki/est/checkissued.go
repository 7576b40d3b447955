package est

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// ErrNotAsked reports a certificate from the server that is not the one
// the client asked for: a CA certificate, one for another key, other names
// or more, not for TLS servers, or a validity no careful server gives. A
// server that holds the CA key, or a certificate of the CA for its own
// name, could send any of these; the client writes none of them.
var ErrNotAsked = errors.New("certificate not what was asked for")

// minRemaining is the least a new certificate must have left. The
// shortest a token grants, two days counted from a day back, leaves a day;
// a certificate that ends within hours is of no use to a proxy and would
// have it renew at every run.
const minRemaining = 12 * time.Hour

// renewSlack is how much earlier than the current certificate a renewed
// one may end. pkienroll backdates notBefore by a day and keeps the
// validity's length, so a certificate issued elsewhere without backdating,
// renewed at once with --force, ends up to a day earlier; anything shorter
// than that is a server taking back what the proxy has.
const renewSlack = 24 * time.Hour

// checkIssued checks that cert is what csr asked for, before anything is
// written: the request's public key; not a CA (basicConstraints CA:TRUE or
// keyCertSign or cRLSign); serverAuth among the extended key usages; the
// request's subject, every attribute (sameSubject); exactly the request's
// SANs, or, when it asked none, the CN as a DNS name or IP address (what a
// token grants when made without --san); notBefore not after now (pkienroll
// backdates a day, so a server's clock ahead of ours by less than that does
// not matter; crypto/x509's chain verification allows no skew either),
// notAfter at least minRemaining away and, for a renewal (current not nil),
// not before current's less renewSlack: a renewal never shortens what the
// proxy has. The chain is verified elsewhere (post). The error wraps
// ErrNotAsked.
func checkIssued(cert *x509.Certificate, csr *x509.CertificateRequest, current *x509.Certificate, now time.Time) error {
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(csr.PublicKey) {
		return notAsked("the issued certificate is for another key than the request's")
	}
	if cert.BasicConstraintsValid && cert.IsCA {
		return notAsked("the issued certificate is a CA certificate (basicConstraints CA:TRUE)")
	}
	if cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return notAsked("the issued certificate may sign certificates or CRLs (keyUsage keyCertSign or cRLSign)")
	}
	if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		return notAsked("the issued certificate is not for TLS servers (no serverAuth in its extended key usage)")
	}
	if got, want := cert.Subject.CommonName, csr.Subject.CommonName; !strings.EqualFold(got, want) {
		return notAsked(`the issued certificate has CN "%s", not "%s"`, printable.Escape(got), printable.Escape(want))
	}
	if err := sameSubject(cert, csr, current != nil); err != nil {
		return err
	}
	want := requestSANs(csr)
	if want.Empty() {
		want = pki.SANsForCommonName(csr.Subject.CommonName)
	}
	if err := sameNames(certSANs(cert), want); err != nil {
		return err
	}
	if cert.NotBefore.After(now) {
		return notAsked("the issued certificate is not valid before %s", stamp(cert.NotBefore))
	}
	if cert.NotAfter.Before(now.Add(minRemaining)) {
		return notAsked("the issued certificate expires %s, in less than %s", stamp(cert.NotAfter), minRemaining)
	}
	if current != nil && cert.NotAfter.Before(current.NotAfter.Add(-renewSlack)) {
		return notAsked("the renewed certificate expires %s, before the current certificate's end (%s)", stamp(cert.NotAfter), stamp(current.NotAfter))
	}
	return nil
}

// sameSubject checks that cert's subject is the one csr asked for, every
// attribute in its place with its value (dn.Name.Equal): a server cannot
// hand the proxy O=Evil Corp under the right CN. A renewal (exact) keeps
// the current subject byte for byte; a first enrollment takes the CN in
// another case, as the server issues the token's spelling of a host name
// the request may write otherwise.
func sameSubject(cert *x509.Certificate, csr *x509.CertificateRequest, exact bool) error {
	want, err := dn.ParseDER(csr.RawSubject)
	if err != nil {
		return fmt.Errorf("the request's subject: %w", err)
	}
	got, err := dn.ParseDER(cert.RawSubject)
	if err != nil {
		return notAsked("the issued certificate's subject cannot be read: %v", err)
	}
	if !exact {
		want = withCN(want, got.CommonName())
	}
	if !got.Equal(want) {
		return notAsked("the issued certificate's subject is %s, not %s", printable.Escape(got.String()), printable.Escape(want.String()))
	}
	return nil
}

// withCN is n with each CN that equals cn but for case spelled as cn.
func withCN(n dn.Name, cn string) dn.Name {
	out := make(dn.Name, len(n))
	for i, rdn := range n {
		out[i] = append(dn.RDN(nil), rdn...)
		for j, a := range out[i] {
			if a.ShortName() == "CN" && strings.EqualFold(a.Value, cn) {
				out[i][j].Value = cn
			}
		}
	}
	return out
}

// sameNames says which name have has that want lacks, or the reverse;
// DNS names compare without case.
func sameNames(have, want pki.SANs) error {
	set := func(s pki.SANs) map[string]bool {
		m := map[string]bool{}
		for _, n := range s.List() {
			m[strings.ToLower(n)] = true
		}
		return m
	}
	h, w := set(have), set(want)
	for _, n := range have.List() {
		if !w[strings.ToLower(n)] {
			return notAsked("the issued certificate names %s, which was not asked for", printable.Escape(n))
		}
	}
	for _, n := range want.List() {
		if !h[strings.ToLower(n)] {
			return notAsked("the issued certificate lacks the name %s asked for", printable.Escape(n))
		}
	}
	return nil
}

func notAsked(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrNotAsked)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
