package est

import (
	"bytes"
	"crypto/x509"
	"net/http"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// again answers a used token: a retry with the same key and a request the
// token grants (a client that lost the answer, or got an error) gets the
// certificate the token issued, as long as the index holds it valid and
// holds no later certificate of its subject (a renewal, another token's);
// any other request gets gone, the token's refusal. The certificate is the
// one the token's record names (ca check records it when it settles a
// token), else the one the index holds for the token's subject, signed
// during the token's life, for this very key: the server does not write
// the serial into the record when it issues, which would cost every
// enrollment a synced write for the rare retry.
func (s *Server) again(t Token, csr *x509.CertificateRequest, ev *Event, gone *refusal) (*reply, *refusal) {
	if _, _, err := t.grant(csr); err != nil {
		return nil, gone
	}
	entries, err := pki.ReadDatabase(s.store.DatabasePath())
	if err != nil {
		return nil, refuse(http.StatusInternalServerError, err, "internal error: cannot read the index")
	}
	serial := t.Serial
	if serial == "" {
		serial = issuedFor(s.store, t, entries, csr)
	}
	cert, err := pki.ReadCertificate(s.store.SerialCertPath(serial))
	if serial == "" || err != nil || !bytes.Equal(cert.RawSubjectPublicKeyInfo, csr.RawSubjectPublicKeyInfo) || !s.opts.now().Before(cert.NotAfter) {
		return nil, gone
	}
	var mine *pki.Entry
	for i, e := range entries {
		switch {
		case e.Serial == serial:
			mine = &entries[i]
		case mine != nil && e.Subject == mine.Subject:
			return nil, gone // superseded
		}
	}
	if mine == nil || mine.Status != pki.StatusValid {
		return nil, gone
	}
	ev.Serial = serial
	return issuedReply(&pki.Issued{Name: t.Name, Serial: serial, Certificate: cert})
}

// issuedFor is the serial of the certificate in the index that t issued
// for csr's key: the first with its subject, signed during t's life, whose
// certs/SERIAL.pem is for that key (a later one is a renewal, which again
// then finds superseding it); "" for none.
func issuedFor(store *pki.Store, t Token, entries []pki.Entry, csr *x509.CertificateRequest) string {
	subject, err := dn.Parse(t.Subject)
	if err != nil {
		return ""
	}
	want := subject.OneLine()
	for _, e := range entries {
		if e.Subject != want || !signedDuring(e, t) {
			continue
		}
		if cert, err := pki.ReadCertificate(store.SerialCertPath(e.Serial)); err == nil && bytes.Equal(cert.RawSubjectPublicKeyInfo, csr.RawSubjectPublicKeyInfo) {
			return e.Serial
		}
	}
	return ""
}
