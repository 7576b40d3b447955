package est

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// enroll is simpleenroll (RFC 7030 §4.2.1), authorised by a token sent as
// the HTTP Basic password (the user name is not looked at: the token names
// itself). Every check runs before the token is claimed, so a refusal
// changes nothing; the token's state and expiry are checked again under the
// store's lock, at the commit (claim.precondition). A claimed token whose
// signing fails before the commit point is restored; from the commit point
// on, the certificate exists: the token is spent and the client gets it.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request, ev *Event) (*reply, *refusal) {
	_, secret, ok := r.BasicAuth()
	if !ok || secret == "" {
		return nil, refuse(http.StatusUnauthorized, nil, "a token is required: send it as the HTTP Basic password")
	}
	t, err := s.tokens.lookup(secret)
	if t.ID != "" {
		ev.TokenID = t.ID[:12]
	}
	gone := tokenRefusal(err)
	if gone != nil && t.State != TokenUsed {
		return nil, gone
	}
	ev.Name = t.Name
	csr, ref := s.readCSR(w, r)
	if ref != nil {
		return nil, ref
	}
	if gone != nil {
		return s.again(t, csr, ev, gone)
	}
	subject, sans, err := t.grant(csr)
	if err != nil {
		return nil, refuse(http.StatusForbidden, err, "%v", err)
	}
	c, err := s.tokens.claim(t)
	if err != nil {
		return nil, tokenRefusal(err)
	}
	is, ref := s.sign(r.Context(), pki.SignRequest{Name: t.Name, Subject: subject, SANs: sans, Days: t.Days, Request: csr, Precondition: c.precondition, StateDir: s.tokens.dir})
	if is == nil {
		if err := c.release(nil); err != nil {
			ref.err = errors.Join(ref.err, err)
		}
		return nil, ref
	}
	ev.Serial = is.Serial
	if ref != nil {
		// Issued, but a step after the commit point failed (replacing
		// certs/NAME.cer): the log says which; the client gets its
		// certificate all the same.
		ev.Err = ref.err
	}
	if err := c.release(is); err != nil {
		// The certificate is issued and recorded; the token stays claimed,
		// which cannot enroll again and which ca check settles.
		ev.Err = errors.Join(ev.Err, err)
	}
	return issuedReply(is)
}

// tokenRefusal is the answer to a token that cannot enroll. Its line ends
// with (or is) the sentinel's text, which Client maps back to the sentinel
// (sentinelOf), as it does grant's ": not allowed".
func tokenRefusal(err error) *refusal {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnknownToken):
		return refuse(http.StatusUnauthorized, err, "wrong token: %v", err)
	case errors.Is(err, ErrTokenUsed), errors.Is(err, ErrTokenRevoked), errors.Is(err, ErrTokenExpired):
		return refuse(http.StatusForbidden, err, "%v", err)
	}
	return refuse(http.StatusInternalServerError, err, "internal error: cannot read the token")
}

// grant checks that csr asks for nothing the token does not give, and
// returns the subject and SANs the certificate gets: the token's subject,
// and the SANs the request asks for, each of which must be the token's
// (in the token's order and spelling), or all of the token's when it asks
// for none. The client checks that the certificate names exactly what it
// asked for, so a name it did not ask for would only have it refuse the
// certificate, and a proxy holds no name it did not want. The request's
// subject may leave attributes out (a bare CN is enough), but each it
// holds must be the token's, and its CN must be.
func (t Token) grant(csr *x509.CertificateRequest) (dn.Name, pki.SANs, error) {
	subject, err := dn.Parse(t.Subject)
	if err != nil {
		return nil, pki.SANs{}, fmt.Errorf("token %s: subject %q: %w", t.ID[:12], t.Subject, err)
	}
	// The record is read as it is (a hand-edited one can be listed); what
	// it grants must be valid names.
	sans := t.SANs
	if err := sans.Validate(); err != nil {
		return nil, pki.SANs{}, fmt.Errorf("token %s: %w", t.ID[:12], err)
	}
	asked, err := dn.ParseDER(csr.RawSubject)
	if err != nil {
		return nil, pki.SANs{}, err
	}
	if cn := asked.CommonName(); !strings.EqualFold(cn, subject.CommonName()) {
		return nil, pki.SANs{}, fmt.Errorf("CSR asks for CN=%q; the token is for CN=%q: %w", cn, subject.CommonName(), ErrNotAllowed)
	}
	for _, rdn := range asked {
		for _, a := range rdn {
			if !holds(subject, a) {
				return nil, pki.SANs{}, fmt.Errorf("CSR asks for %s=%q, which the token's subject %s does not hold: %w", a.ShortName(), a.Value, t.Subject, ErrNotAllowed)
			}
		}
	}
	granted := map[string]bool{}
	for _, n := range sans.List() {
		granted[strings.ToLower(n)] = true
	}
	askedSANs := requestSANs(csr).List()
	if len(askedSANs) == 0 {
		return subject, sans, nil
	}
	wanted := map[string]bool{}
	for _, n := range askedSANs {
		if !granted[strings.ToLower(n)] {
			return nil, pki.SANs{}, fmt.Errorf("CSR asks for SAN %s; the token grants %s: %w", n, sans, ErrNotAllowed)
		}
		wanted[strings.ToLower(n)] = true
	}
	return subject, pick(sans, func(n string) bool { return wanted[strings.ToLower(n)] }), nil
}

// pick is the names of s that keep holds, in s's order and spelling; keep
// is given each name in openssl's syntax (List's).
func pick(s pki.SANs, keep func(string) bool) pki.SANs {
	var out pki.SANs
	for _, d := range s.DNSNames {
		if keep("DNS:" + d) {
			out.DNSNames = append(out.DNSNames, d)
		}
	}
	for _, ip := range s.IPAddresses {
		if keep("IP:" + ip.String()) {
			out.IPAddresses = append(out.IPAddresses, ip)
		}
	}
	for _, e := range s.EmailAddresses {
		if keep("email:" + e) {
			out.EmailAddresses = append(out.EmailAddresses, e)
		}
	}
	for _, u := range s.URIs {
		if keep("URI:" + u.String()) {
			out.URIs = append(out.URIs, u)
		}
	}
	return out
}

// holds reports whether n has attribute a (same type, same value; the CN
// compared as a host name, without case).
func holds(n dn.Name, a dn.Attribute) bool {
	for _, rdn := range n {
		for _, b := range rdn {
			if !b.Type.Equal(a.Type) {
				continue
			}
			if b.Value == a.Value || (a.ShortName() == "CN" && strings.EqualFold(b.Value, a.Value)) {
				return true
			}
		}
	}
	return false
}

func requestSANs(csr *x509.CertificateRequest) pki.SANs {
	return pki.SANs{DNSNames: csr.DNSNames, IPAddresses: csr.IPAddresses, EmailAddresses: csr.EmailAddresses, URIs: csr.URIs}
}

// sameSANs reports whether two sets of names are equal, order and the case
// of DNS names aside.
func sameSANs(a, b pki.SANs) bool {
	norm := func(s pki.SANs) []string {
		l := s.List()
		for i := range l {
			l[i] = strings.ToLower(l[i])
		}
		sort.Strings(l)
		return l
	}
	x, y := norm(a), norm(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}
