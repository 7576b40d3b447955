package pki

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// SANs is a set of subject alternative names.
type SANs struct {
	DNSNames       []string
	IPAddresses    []net.IP
	EmailAddresses []string
	URIs           []*url.URL
}

// ParseSANs reads a list in openssl's syntax, as in `subjectAltName=` of an
// extension file: `DNS:proxy.example.com,IP:192.0.2.10,email:a@example.com,URI:https://x`.
// Type names are case-insensitive; an empty string is an empty set.
func ParseSANs(list string) (SANs, error) {
	var s SANs
	if strings.TrimSpace(list) == "" {
		return s, nil
	}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		kind, value, ok := strings.Cut(item, ":")
		value = strings.TrimSpace(value)
		if !ok || value == "" {
			return SANs{}, fmt.Errorf("san %q: want TYPE:VALUE (DNS, IP, email or URI): %w", item, ErrBadSAN)
		}
		if err := s.add(strings.ToLower(strings.TrimSpace(kind)), value); err != nil {
			return SANs{}, fmt.Errorf("san %q: %w: %w", item, err, ErrBadSAN)
		}
	}
	return s, nil
}

func (s *SANs) add(kind, value string) error {
	switch kind {
	case "dns":
		if err := ValidateDNSName(value); err != nil {
			return err
		}
		s.DNSNames = append(s.DNSNames, value)
	case "ip":
		addr, err := netip.ParseAddr(value)
		if err != nil || addr.Zone() != "" {
			return fmt.Errorf("not a valid IP address")
		}
		s.IPAddresses = append(s.IPAddresses, net.IP(addr.AsSlice()))
	case "email":
		if err := ValidateEmail(value); err != nil {
			return err
		}
		s.EmailAddresses = append(s.EmailAddresses, value)
	case "uri":
		u, err := url.Parse(value)
		if err != nil {
			return fmt.Errorf("not an absolute URI")
		}
		if err := validateURI(u); err != nil {
			return err
		}
		s.URIs = append(s.URIs, u)
	default:
		return fmt.Errorf("unknown type %q (want DNS, IP, email or URI)", kind)
	}
	return nil
}

// Empty reports whether the set holds no name.
func (s SANs) Empty() bool {
	return len(s.DNSNames)+len(s.IPAddresses)+len(s.EmailAddresses)+len(s.URIs) == 0
}

// String formats the set in openssl's syntax, the form ParseSANs reads.
func (s SANs) String() string { return strings.Join(s.List(), ",") }

// List is each name in openssl's syntax (DNS:x, IP:y, email:z, URI:u), in
// that order of types; an empty set gives an empty, non-nil list.
func (s SANs) List() []string {
	list := []string{}
	for _, d := range s.DNSNames {
		list = append(list, "DNS:"+d)
	}
	for _, ip := range s.IPAddresses {
		list = append(list, "IP:"+ip.String())
	}
	for _, e := range s.EmailAddresses {
		list = append(list, "email:"+e)
	}
	for _, u := range s.URIs {
		list = append(list, "URI:"+u.String())
	}
	return list
}

// MarshalJSON writes the set as the list of its names in openssl's syntax
// (List), as a token's record keeps them.
func (s SANs) MarshalJSON() ([]byte, error) { return json.Marshal(s.List()) }

// UnmarshalJSON reads a list of names in openssl's syntax, each TYPE:VALUE
// (DNS, IP, email or URI); null is an empty set. The addresses and URIs
// must parse, but names are not validated: a record is read as it is, so
// that a hand-edited one can still be listed, and its user validates the
// set (Validate) before it names anything.
func (s *SANs) UnmarshalJSON(data []byte) error {
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("san list: %w", err)
	}
	var set SANs
	for _, item := range list {
		kind, value, ok := strings.Cut(item, ":")
		if !ok {
			return fmt.Errorf("san %q: want TYPE:VALUE (DNS, IP, email or URI): %w", item, ErrBadSAN)
		}
		switch strings.ToLower(kind) {
		case "dns":
			set.DNSNames = append(set.DNSNames, value)
		case "email":
			set.EmailAddresses = append(set.EmailAddresses, value)
		case "ip":
			addr, err := netip.ParseAddr(value)
			if err != nil {
				return fmt.Errorf("san %q: not a valid IP address: %w", item, ErrBadSAN)
			}
			set.IPAddresses = append(set.IPAddresses, net.IP(addr.AsSlice()))
		case "uri":
			u, err := url.Parse(value)
			if err != nil {
				return fmt.Errorf("san %q: not a URI: %w", item, ErrBadSAN)
			}
			set.URIs = append(set.URIs, u)
		default:
			return fmt.Errorf("san %q: unknown type %q (want DNS, IP, email or URI): %w", item, kind, ErrBadSAN)
		}
	}
	*s = set
	return nil
}

// sansOf returns the alternative names of a certificate or request.
func sansOf(dns []string, ips []net.IP, emails []string, uris []*url.URL) SANs {
	return SANs{DNSNames: dns, IPAddresses: ips, EmailAddresses: emails, URIs: uris}
}

// apply copies the names into a certificate template.
func (s SANs) apply(t *x509.Certificate) {
	t.DNSNames, t.IPAddresses, t.EmailAddresses, t.URIs = s.DNSNames, s.IPAddresses, s.EmailAddresses, s.URIs
}

// SANsForCommonName is the alternative name that stands for a common name:
// the address when cn is an IP address, the DNS name when it is a host name,
// nothing otherwise. Modern clients ignore the CN, so a certificate for a
// host must name it here.
func SANsForCommonName(cn string) SANs {
	if addr, err := netip.ParseAddr(cn); err == nil && addr.Zone() == "" {
		return SANs{IPAddresses: []net.IP{net.IP(addr.AsSlice())}}
	}
	if ValidateDNSName(cn) == nil {
		return SANs{DNSNames: []string{cn}}
	}
	return SANs{}
}
