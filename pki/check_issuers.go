package pki

import (
	"crypto/x509"
	"slices"
	"strings"
)

// caSet is the CAs of a directory, the store's own first: the engine's CA
// and the second CA engine-setup makes beside it (qemu-ca), which share
// the serial, the index and certs/.
type caSet struct {
	names []string
	certs []*x509.Certificate
}

// directoryCAs is the store's CA own and every other CA of the directory.
func (s *Store) directoryCAs(own *x509.Certificate) caSet {
	set := caSet{names: []string{s.CACertPath()}, certs: []*x509.Certificate{own}}
	others := s.otherCAs()
	names := make([]string, 0, len(others))
	for name := range others {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		set.names = append(set.names, s.path(name+".pem"))
		set.certs = append(set.certs, others[name])
	}
	return set
}

// signed reports whether one of the CAs signed cert (a CA's own
// certificate, self-signed, included).
func (c caSet) signed(cert *x509.Certificate) bool {
	for _, ca := range c.certs {
		if string(cert.RawIssuer) == string(ca.RawSubject) && cert.CheckSignatureFrom(ca) == nil {
			return true
		}
	}
	return false
}

// isCA reports whether serial is the serial of one of the CAs.
func (c caSet) isCA(serial string) (string, bool) {
	for i, ca := range c.certs {
		if strings.EqualFold(FormatSerial(ca.SerialNumber), serial) {
			return c.names[i], true
		}
	}
	return "", false
}

// String names the CAs for a message: "the CA PATH", or "any CA of the
// directory (PATH, PATH)".
func (c caSet) String() string {
	if len(c.names) == 1 {
		return "the CA " + c.names[0]
	}
	return "any CA of the directory (" + strings.Join(c.names, ", ") + ")"
}
