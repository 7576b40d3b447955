package dn

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/pkienroll/pkienroll/internal/printable"
)

// Attribute is one attribute of a distinguished name, such as CN=proxy.example.com.
type Attribute struct {
	// Type is the attribute's object identifier (2.5.4.3 for CN).
	Type asn1.ObjectIdentifier
	// Value is the attribute's value as text.
	Value string
	// Tag is the ASN.1 string type the value is encoded with
	// (asn1.TagUTF8String, asn1.TagPrintableString, ...). Zero means "the
	// type openssl would choose for this attribute".
	Tag int
}

// RDN is one relative distinguished name: usually one attribute, several
// for a multi-valued RDN such as /CN=a+UID=b.
type RDN []Attribute

// Name is a distinguished name whose attributes keep the order in which they
// were written or found in a certificate. Unlike pkix.Name it never re-sorts
// or drops attributes.
type Name []RDN

// ShortName returns the name openssl prints for the attribute's type (CN,
// emailAddress, ...), or the dotted OID for a type it has no name for here.
func (a Attribute) ShortName() string { return attrByOID(a.Type).short }

// tag returns the string type the value is encoded with.
func (a Attribute) tag() int {
	if a.Tag != 0 {
		return a.Tag
	}
	return attrByOID(a.Type).tag
}

// attributeAndTypeValue is the DER shape of one attribute; the SET suffix of
// atvSET makes encoding/asn1 write (and sort, as DER wants) a SET OF.
type attributeAndTypeValue struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

type atvSET []attributeAndTypeValue

// ParseDER decodes a DER RDNSequence such as x509.Certificate.RawSubject,
// keeping the order of the RDNs and each value's string tag. It does not
// Validate: a CA's subject is taken as it is, even where openssl would not
// have written it.
func ParseDER(der []byte) (Name, error) {
	var seq []atvSET
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil {
		return nil, fmt.Errorf("decode subject: %v: %w", err, ErrInvalid)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("decode subject: %d trailing bytes: %w", len(rest), ErrInvalid)
	}
	n := make(Name, 0, len(seq))
	for i, set := range seq {
		if len(set) == 0 {
			return nil, fmt.Errorf("decode subject: RDN %d is empty: %w", i+1, ErrInvalid)
		}
		rdn := make(RDN, 0, len(set))
		for _, atv := range set {
			a, err := attributeFromDER(atv)
			if err != nil {
				return nil, err
			}
			rdn = append(rdn, a)
		}
		n = append(n, rdn)
	}
	return n, nil
}

func attributeFromDER(atv attributeAndTypeValue) (Attribute, error) {
	name := attrByOID(atv.Type).short
	v := atv.Value
	if v.Class != asn1.ClassUniversal || v.IsCompound {
		return Attribute{}, fmt.Errorf("subject attribute %s: value is not a string: %w", name, ErrInvalid)
	}
	s, err := decodeString(v.Tag, v.Bytes)
	if err != nil {
		return Attribute{}, fmt.Errorf("subject attribute %s: %v: %w", name, err, ErrInvalid)
	}
	return Attribute{Type: atv.Type, Value: s, Tag: v.Tag}, nil
}

// FromCertificate returns the subject of c exactly as it is encoded
// (c.Subject has lost the order and the string types). A nil c is
// ErrInvalid.
func FromCertificate(c *x509.Certificate) (Name, error) {
	if c == nil {
		return nil, fmt.Errorf("no certificate to read the subject of: %w", ErrInvalid)
	}
	n, err := ParseDER(c.RawSubject)
	if err != nil {
		return nil, fmt.Errorf("certificate serial %s: %w", c.SerialNumber, err)
	}
	return n, nil
}

// MarshalDER encodes n as a DER RDNSequence for the RawSubject of an
// x509.Certificate or x509.CertificateRequest. Each value is encoded with
// its Tag, or with the type openssl chooses by default when Tag is zero, so
// that a subject we write is byte for byte the one `openssl req -subj` writes.
func (n Name) MarshalDER() ([]byte, error) {
	seq := make([]atvSET, 0, len(n))
	for _, rdn := range n {
		set := make(atvSET, 0, len(rdn))
		for _, a := range rdn {
			b, err := encodeString(a.tag(), a.Value)
			if err != nil {
				return nil, fmt.Errorf("subject attribute %s: %v: %w", a.ShortName(), err, ErrInvalid)
			}
			set = append(set, attributeAndTypeValue{
				Type:  a.Type,
				Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: a.tag(), Bytes: b},
			})
		}
		seq = append(seq, set)
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		return nil, fmt.Errorf("encode subject: %v: %w", err, ErrInvalid)
	}
	return der, nil
}

// Derive returns the subject of a certificate issued under the CA
// whose subject is ca: every attribute of ca but its common names, in
// order (an RDN left empty is dropped), then CN=cn as the last RDN.
func Derive(ca Name, cn string) (Name, error) {
	var n Name
	for _, rdn := range ca {
		var kept RDN
		for _, a := range rdn {
			if !a.Type.Equal(oidCommonName) {
				kept = append(kept, a)
			}
		}
		if len(kept) > 0 {
			n = append(n, kept)
		}
	}
	n = append(n, RDN{{Type: oidCommonName, Value: cn}})
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n, nil
}

// DeriveFrom is Derive from a CA certificate's subject: the subject the
// proxies of that CA get, with CN=cn.
func DeriveFrom(ca *x509.Certificate, cn string) (Name, error) {
	name, err := FromCertificate(ca)
	if err != nil {
		return nil, err
	}
	return Derive(name, cn)
}

// CommonName returns the value of the last CN attribute, the one openssl and
// TLS clients treat as the name, or "" when there is none.
func (n Name) CommonName() string {
	cn := ""
	for _, rdn := range n {
		for _, a := range rdn {
			if a.Type.Equal(oidCommonName) {
				cn = a.Value
			}
		}
	}
	return cn
}

// Equal reports whether n and o hold the same attributes with the same
// values in the same order. The order of the members of a multi-valued RDN
// and the string tags are ignored: DER sorts the members of a SET, and
// openssl compares names after converting every value to UTF-8.
func (n Name) Equal(o Name) bool {
	if len(n) != len(o) {
		return false
	}
	for i := range n {
		if !n[i].equal(o[i]) {
			return false
		}
	}
	return true
}

func (r RDN) equal(o RDN) bool {
	if len(r) != len(o) {
		return false
	}
	used := make([]bool, len(o))
next:
	for _, a := range r {
		for j, b := range o {
			if !used[j] && a.Type.Equal(b.Type) && a.Value == b.Value {
				used[j] = true
				continue next
			}
		}
		return false
	}
	return true
}

// Validate reports the first thing openssl would refuse, or that makes no
// sense in a certificate subject: an empty name or RDN, an empty value, a
// country that is not two letters, a value longer than its upper bound or
// not representable in its string type, a control character or an
// invisible or direction-changing one (printable.Unsafe).
func (n Name) Validate() error {
	if len(n) == 0 {
		return fmt.Errorf("subject is empty: %w", ErrInvalid)
	}
	for i, rdn := range n {
		if len(rdn) == 0 {
			return fmt.Errorf("subject RDN %d is empty: %w", i+1, ErrInvalid)
		}
		for _, a := range rdn {
			if err := a.validate(); err != nil {
				return fmt.Errorf("subject attribute %s: %w: %w", a.ShortName(), err, ErrInvalid)
			}
		}
	}
	return nil
}

func (a Attribute) validate() error {
	info := attrByOID(a.Type)
	switch {
	case len(a.Type) < 2:
		return fmt.Errorf("no attribute type")
	case a.Value == "":
		return fmt.Errorf("empty value")
	case !utf8.ValidString(a.Value):
		return fmt.Errorf("%q is not valid UTF-8", a.Value)
	case !supportedTag(a.tag()):
		return fmt.Errorf("unsupported string type %s", tagName(a.tag()))
	}
	for _, r := range a.Value {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q contains control character %U", a.Value, r)
		}
		if printable.Unsafe(r) {
			// Bidi overrides and invisible characters (U+202E, U+200B):
			// a subject that reads otherwise than it is.
			return fmt.Errorf("%q contains %U, an invisible or direction-changing character", a.Value, r)
		}
		if !representable(a.tag(), r) {
			return fmt.Errorf("%q contains %q, which %s cannot hold", a.Value, r, tagName(a.tag()))
		}
	}
	if info.short == "C" && !isCountry(a.Value) {
		return fmt.Errorf("%q is not a country code: two uppercase letters (ISO 3166)", a.Value)
	}
	if l := utf8.RuneCountInString(a.Value); l > info.max {
		return fmt.Errorf("value longer than %d characters (%d)", info.max, l)
	}
	return nil
}

// isCountry reports whether s is two uppercase ASCII letters, as ISO 3166
// writes country codes (X.520 takes them from there). openssl only checks
// the length; a digit or a lowercase code is a typo that certificate
// linters flag (zlint's e_subj_country_not_uppercase).
func isCountry(s string) bool {
	if len(s) != 2 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// jsonAttribute is the JSON shape of one attribute.
type jsonAttribute struct {
	Type  string `json:"type"`
	OID   string `json:"oid"`
	Value string `json:"value"`
}

// MarshalJSON encodes n as an array of RDNs in n's order (most general
// first), each an array of its attributes:
//
//	[[{"type":"C","oid":"2.5.4.6","value":"US"}],
//	 [{"type":"CN","oid":"2.5.4.3","value":"a"},{"type":"UID","oid":"0.9.2342.19200300.100.1.1","value":"b"}]]
//
// type is openssl's short name, or the dotted OID when it has none here.
func (n Name) MarshalJSON() ([]byte, error) {
	out := make([][]jsonAttribute, 0, len(n))
	for _, rdn := range n {
		attrs := make([]jsonAttribute, 0, len(rdn))
		for _, a := range rdn {
			attrs = append(attrs, jsonAttribute{Type: a.ShortName(), OID: a.Type.String(), Value: a.Value})
		}
		out = append(out, attrs)
	}
	return json.Marshal(out)
}
