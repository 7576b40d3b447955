package pki

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pkienroll/pkienroll/pki/dn"
)

// maxHostnameLen is the longest host name RFC 1034 allows in text form,
// without a trailing dot.
const maxHostnameLen = 253

// maxLabelLen is the longest label of a host name (RFC 1034).
const maxLabelLen = 63

// ValidateHostname reports whether name is a host name that may go into a
// certificate, or be connected to: RFC 1034 / RFC 5280 preferred name
// syntax, that is labels of 1 to 63 letters, digits and hyphens, neither
// starting nor ending with a hyphen, separated by single dots, 253
// characters at most, without a trailing dot. Underscores are refused: RFC
// 5280 asks for the preferred name syntax, and the lints that hold
// pkienroll's certificates (zlint) flag them. The error quotes name with
// every control character escaped.
func ValidateHostname(name string) error {
	if err := checkHostname(name); err != nil {
		return fmt.Errorf("host name %s: %w", quoteName(name), err)
	}
	return nil
}

// ValidateDNSName is ValidateHostname for a name in a certificate, which
// may also be a wildcard: "*" as the whole leftmost label, followed by at
// least two labels. A bare "*", "*.tld", "*.*.example.com" and "w*.example.com"
// are refused.
func ValidateDNSName(name string) error {
	rest, wild := strings.CutPrefix(name, "*.")
	err := checkHostname(rest)
	switch {
	case strings.Contains(rest, "*"):
		err = errors.New("a wildcard is only allowed as the whole leftmost label (*.example.com)")
	case err != nil && wild:
		err = fmt.Errorf("after the wildcard: %w", err)
	case err == nil && wild && !strings.Contains(rest, "."):
		err = errors.New("a wildcard must be followed by at least two labels (*.example.com), or it covers a whole top-level domain")
	}
	if err != nil {
		return fmt.Errorf("DNS name %s: %w", quoteName(name), err)
	}
	return nil
}

// checkHostname is ValidateHostname without the name in the message.
func checkHostname(name string) error {
	switch {
	case name == "":
		return errors.New("is empty")
	case strings.Contains(name, "*"):
		// Wildcards are for names in certificates (ValidateDNSName), never
		// for a host to connect to.
		return errors.New("has a wildcard, which is not allowed in a host name")
	case strings.HasSuffix(name, "."):
		return errors.New("ends with a dot: write it without the trailing dot")
	case len(name) > maxHostnameLen:
		return fmt.Errorf("is longer than %d characters (%d)", maxHostnameLen, len(name))
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return errors.New("is an IP address: give it as IP:, not as a DNS name")
	}
	for _, label := range strings.Split(name, ".") {
		if err := checkLabel(label); err != nil {
			return err
		}
	}
	return nil
}

// checkLabel checks one label of a host name.
func checkLabel(label string) error {
	switch {
	case label == "":
		return errors.New("has an empty label")
	case len(label) > maxLabelLen:
		return fmt.Errorf("has a label longer than %d characters (%d)", maxLabelLen, len(label))
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("label %s starts or ends with a hyphen", quoteName(label))
	}
	for _, r := range label {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("%s is not allowed (letters, digits, hyphens and dots only; IDNs as xn--)", quoteRune(r))
		}
	}
	return nil
}

// ValidateEmail reports whether addr can be an rfc822Name: a non-empty
// local part of printable ASCII without spaces, "@", and a domain that
// ValidateHostname accepts.
func ValidateEmail(addr string) error {
	local, domain, ok := strings.Cut(addr, "@")
	var err error
	switch {
	case !ok:
		err = errors.New("has no @")
	case local == "":
		err = errors.New("has an empty local part")
	case strings.Contains(domain, "@"):
		err = errors.New("has more than one @")
	case len(addr) > 254:
		err = fmt.Errorf("is longer than 254 characters (%d)", len(addr))
	}
	if err == nil {
		for _, r := range local {
			if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),:;<>[\]`, r) {
				err = fmt.Errorf("local part holds %s", quoteRune(r))
				break
			}
		}
	}
	if err == nil {
		if herr := checkHostname(domain); herr != nil {
			err = fmt.Errorf("domain %w", herr)
		}
	}
	if err != nil {
		return fmt.Errorf("email address %s: %w", quoteName(addr), err)
	}
	return nil
}

// validateURI reports whether u can be a uniformResourceIdentifier: absolute
// (with a scheme), printable ASCII without spaces, and with a host that
// ValidateHostname accepts or an IP address when it has an authority.
func validateURI(u *url.URL) error {
	s := u.String()
	var err error
	for _, r := range s {
		if r <= ' ' || r >= 0x7f {
			err = fmt.Errorf("holds %s", quoteRune(r))
			break
		}
	}
	switch {
	case err != nil:
	case u.Scheme == "":
		err = errors.New("is not absolute (no scheme)")
	case u.Opaque != "":
		// scheme:opaque, such as urn:uuid:..., has no host to check.
	case u.Host == "":
		err = errors.New("has no host")
	default:
		host := u.Hostname()
		if _, perr := netip.ParseAddr(host); perr != nil {
			if herr := checkHostname(host); herr != nil {
				err = fmt.Errorf("host %w", herr)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("URI %s: %w", quoteName(s), err)
	}
	return nil
}

// Validate reports the first name of s that may not go into a certificate,
// by the rules of ValidateDNSName, ValidateEmail and validateURI; IP
// addresses must be 4 or 16 bytes. Every error wraps ErrBadSAN.
func (s SANs) Validate() error {
	for _, d := range s.DNSNames {
		if err := ValidateDNSName(d); err != nil {
			return fmt.Errorf("%w: %w", err, ErrBadSAN)
		}
	}
	for _, ip := range s.IPAddresses {
		if len(ip) != 4 && len(ip) != 16 {
			return fmt.Errorf("IP address of %d bytes: %w", len(ip), ErrBadSAN)
		}
	}
	for _, e := range s.EmailAddresses {
		if err := ValidateEmail(e); err != nil {
			return fmt.Errorf("%w: %w", err, ErrBadSAN)
		}
	}
	for _, u := range s.URIs {
		if u == nil {
			return fmt.Errorf("empty URI: %w", ErrBadSAN)
		}
		if err := validateURI(u); err != nil {
			return fmt.Errorf("%w: %w", err, ErrBadSAN)
		}
	}
	return nil
}

// quoteName quotes a name for an error message: Go's quoting, so control
// characters, NUL, ESC and invalid UTF-8 are escaped, cut to 80 bytes.
func quoteName(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return strconv.Quote(s)
}

// quoteRune names one character for an error message.
func quoteRune(r rune) string {
	if unicode.IsPrint(r) && r < utf8.RuneSelf {
		return strconv.QuoteRune(r)
	}
	return fmt.Sprintf("%U", r)
}

// oidEmailAddress is the subject's emailAddress (PKCS #9).
var oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// ValidateCertificateNames reports the first name that would have Sign
// refuse a certificate for subject with the alternative names sans: the
// subject's rules (dn.Name.Validate; a CN that looks like a host name must
// be one; every emailAddress valid), then every SAN's (SANs.Validate),
// sans being the CN's (SANsForCommonName) when empty and the subject's
// emailAddress added, as Sign does. It is for what promises a certificate
// before any request exists, such as an enrollment token.
func ValidateCertificateNames(subject dn.Name, sans SANs) error {
	if err := subject.Validate(); err != nil {
		return err
	}
	if err := checkSubjectNames(subject); err != nil {
		return err
	}
	return certificateSANs(subject, sans).Validate()
}

// certificateSANs are the alternative names a certificate for subject
// gets: sans, or the CN's (SANsForCommonName) when there are none, with
// the subject's emailAddress added. Sign and ValidateCertificateNames take
// them from here, so that a token promises what signing gives.
func certificateSANs(subject dn.Name, sans SANs) SANs {
	if sans.Empty() {
		sans = SANsForCommonName(subject.CommonName())
	}
	return sans.withSubjectEmails(subject)
}

// checkSubjectNames applies the name rules to the parts of a subject that
// are names: a CN that looks like a host name (checkHostLikeCN) and every
// emailAddress (ValidateEmail). dn.Name.Validate checks the rest.
func checkSubjectNames(subject dn.Name) error {
	if err := checkHostLikeCN(subject.CommonName()); err != nil {
		return err
	}
	for _, rdn := range subject {
		for _, a := range rdn {
			if !a.Type.Equal(oidEmailAddress) {
				continue
			}
			if err := ValidateEmail(a.Value); err != nil {
				return fmt.Errorf("subject attribute emailAddress: %w: %w", err, dn.ErrInvalid)
			}
		}
	}
	return nil
}

// checkHostLikeCN refuses a common name that a client could take for a host
// name (no space, and a dot or a "*" in it) but that ValidateDNSName or an
// IP address parse refuses: clients that still read the CN would match
// "*", "example.com." or "a..b" as they please. A CN such as "John Smith"
// is left alone.
func checkHostLikeCN(cn string) error {
	if cn == "" || strings.ContainsAny(cn, " \t") || !strings.ContainsAny(cn, ".*") {
		return nil
	}
	if _, err := netip.ParseAddr(cn); err == nil {
		return nil
	}
	if err := ValidateDNSName(cn); err != nil {
		return fmt.Errorf("subject CN: %w: %w", err, dn.ErrInvalid)
	}
	return nil
}

// withSubjectEmails adds every emailAddress attribute of subject to the
// rfc822Name SANs when it is not there: RFC 5280 4.1.2.6 wants an address
// in the SAN, and keeps the subject attribute only for old clients.
func (s SANs) withSubjectEmails(subject dn.Name) SANs {
	for _, rdn := range subject {
		for _, a := range rdn {
			if !a.Type.Equal(oidEmailAddress) || containsFold(s.EmailAddresses, a.Value) {
				continue
			}
			s.EmailAddresses = append(append([]string(nil), s.EmailAddresses...), a.Value)
		}
	}
	return s
}

// containsFold reports whether list holds v, ignoring case.
func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}
