package est

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// reenroll is simplereenroll (RFC 7030 §4.2.2), authorised by the client's
// current certificate, presented as its TLS client certificate: issued by
// this CA, valid now, for TLS client authentication, in the index and not
// revoked, and still the current certificate of its name (one that a
// renewal has replaced cannot renew again). The new certificate keeps the
// name, subject, SANs, extended key usages and validity length of the
// current one; the request's key may be new, its subject and SANs must be
// the current ones. The key usage is the current one's for a key of the
// same type; a key of another type (RSA to EC, or back) gets the profile's
// for its type, as a first enrollment would: keyEncipherment, which an RSA
// certificate has, is forbidden for an EC key (RFC 8813).
func (s *Server) reenroll(w http.ResponseWriter, r *http.Request, ev *Event) (*reply, *refusal) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, refuse(http.StatusUnauthorized, nil, "no TLS client certificate: simplereenroll needs the current certificate as client certificate")
	}
	cur := r.TLS.PeerCertificates[0]
	name, ref := s.authorise(cur)
	if ref != nil {
		return nil, ref
	}
	ev.Name = name
	csr, ref := s.readCSR(w, r)
	if ref != nil {
		return nil, ref
	}
	subject, err := dn.ParseDER(cur.RawSubject)
	if err != nil {
		return nil, refuse(http.StatusForbidden, err, "client certificate: %v", err)
	}
	asked, err := dn.ParseDER(csr.RawSubject)
	if err != nil || !asked.Equal(subject) {
		return nil, refuse(http.StatusForbidden, err, "CSR asks for subject %s; renewal keeps %s (RFC 7030 4.2.2)", asked, subject)
	}
	sans := pki.SANs{DNSNames: cur.DNSNames, IPAddresses: cur.IPAddresses, EmailAddresses: cur.EmailAddresses, URIs: cur.URIs}
	if got := requestSANs(csr); !sameSANs(got, sans) {
		return nil, refuse(http.StatusForbidden, nil, "CSR asks for SANs %q; renewal keeps %q (RFC 7030 4.2.2)", got.String(), sans.String())
	}
	ku := cur.KeyUsage
	if csr.PublicKeyAlgorithm != cur.PublicKeyAlgorithm {
		ku = 0 // the profile's for the new key
	}
	req := pki.SignRequest{
		Name:        name,
		Subject:     subject,
		SANs:        sans,
		Days:        lifetimeDays(cur),
		KeyUsage:    ku,
		ExtKeyUsage: extKeyUsageOIDs(cur),
		Request:     csr,
	}
	serial := pki.FormatSerial(cur.SerialNumber)
	req.Precondition = func() error {
		if again, ref := s.current(serial); ref != nil {
			return ref
		} else if again != name {
			return refuse(http.StatusForbidden, nil, "client certificate %s was replaced by a newer one; renew with that", serial)
		}
		return nil
	}
	if len(cur.IssuingCertificateURL) > 0 {
		req.AIAURL = cur.IssuingCertificateURL[0]
	}
	is, ref := s.sign(r.Context(), req)
	if is == nil {
		return nil, ref
	}
	if ref != nil {
		// Issued, but a step after the commit point failed (replacing
		// certs/NAME.cer): the certificate exists, so the client gets it,
		// as an enrollment's does; the log says which step failed.
		ev.Err = ref.err
	}
	ev.Serial = is.Serial
	return issuedReply(is)
}

// authorise decides whether cur may renew, and returns the name it is the
// current certificate of.
func (s *Server) authorise(cur *x509.Certificate) (string, *refusal) {
	cas, err := pki.ReadCertificates(s.store.CACertPath())
	if err != nil {
		return "", refuse(http.StatusInternalServerError, err, "internal error: cannot read the CA certificate")
	}
	roots := x509.NewCertPool()
	for _, c := range cas {
		roots.AddCert(c)
	}
	now := s.opts.now()
	_, err = cur.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	switch {
	case err == nil:
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		if now.After(cur.NotAfter) {
			return "", refuse(http.StatusForbidden, err, "client certificate expired at %s", cur.NotAfter.UTC().Format(time.RFC3339))
		}
		return "", refuse(http.StatusForbidden, err, "client certificate is not valid before %s", cur.NotBefore.UTC().Format(time.RFC3339))
	case errors.As(err, &unknown):
		return "", refuse(http.StatusForbidden, err, "client certificate is not issued by this CA")
	default:
		return "", refuse(http.StatusForbidden, err, "client certificate refused: %v", err)
	}
	return s.current(pki.FormatSerial(cur.SerialNumber))
}

// current returns the name whose current certificate has serial, or why
// there is none. Renewal checks it twice: before reading the request, and
// again under the store's lock (SignRequest.Precondition), so that of two
// renewals racing with one certificate only the first is signed. It reads
// the serial's index line and the certs/NAME.cer that may hold it
// (Store.Lookup), not every certificate of the CA: under the lock, the
// engine's scripts wait on it.
func (s *Server) current(serial string) (string, *refusal) {
	is, err := s.store.Lookup(serial)
	switch {
	case errors.Is(err, pki.ErrNotFound):
		return "", refuse(http.StatusForbidden, nil, "client certificate %s is not in the CA's index", serial)
	case err != nil:
		return "", refuse(http.StatusInternalServerError, err, "internal error: cannot read the index")
	case is.Status == pki.StatusRevoked:
		return "", refuse(http.StatusForbidden, nil, "client certificate %s is revoked", serial)
	case len(is.Names) == 0:
		return "", refuse(http.StatusForbidden, nil, "client certificate %s was replaced by a newer one; renew with that", serial)
	}
	return is.Names[0], nil
}

// lifetimeDays is the validity the renewed certificate gets: the current
// one's, counted as pki counts it, notBefore through notAfter inclusive,
// within the policy's bounds.
func lifetimeDays(c *x509.Certificate) int {
	d := int(math.Round(c.NotAfter.Add(time.Second).Sub(c.NotBefore).Hours() / 24))
	return pki.DefaultPolicy().ClampDays(d)
}

// oidExtKeyUsage is the extendedKeyUsage extension.
var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// extKeyUsageOIDs are the extended key usages of c as they are encoded,
// known to crypto/x509 or not.
func extKeyUsageOIDs(c *x509.Certificate) []asn1.ObjectIdentifier {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			var oids []asn1.ObjectIdentifier
			if rest, err := asn1.Unmarshal(e.Value, &oids); err == nil && len(rest) == 0 {
				return oids
			}
		}
	}
	return nil
}
