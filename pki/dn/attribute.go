package dn

import (
	"encoding/asn1"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// attrInfo describes one attribute type the way openssl's object table and
// ASN1_STRING_TABLE do: the short name openssl prints, the long name it also
// accepts, the upper bound on the value's length in characters, and the
// string type openssl encodes the value with under its default
// string_mask utf8only.
type attrInfo struct {
	short, long string
	oid         asn1.ObjectIdentifier
	max         int
	tag         int
}

// ubName is RFC 5280's ub-name, used where neither openssl nor RFC 5280 has
// a tighter bound, so that no value is unbounded.
const ubName = 32768

// Universal string tags encoding/asn1 has no constant for.
const (
	tagVisibleString   = 26
	tagUniversalString = 28
)

// attributes is the table of attribute types known by name. Bounds come from
// openssl's ASN1_STRING_TABLE (a_strnid.c) where it has one, otherwise from
// RFC 5280 / X.520; tags are what `openssl req -subj` produces.
var attributes = []attrInfo{
	{"C", "countryName", asn1.ObjectIdentifier{2, 5, 4, 6}, 2, asn1.TagPrintableString},
	{"ST", "stateOrProvinceName", asn1.ObjectIdentifier{2, 5, 4, 8}, 128, asn1.TagUTF8String},
	{"L", "localityName", asn1.ObjectIdentifier{2, 5, 4, 7}, 128, asn1.TagUTF8String},
	{"O", "organizationName", asn1.ObjectIdentifier{2, 5, 4, 10}, 64, asn1.TagUTF8String},
	{"OU", "organizationalUnitName", asn1.ObjectIdentifier{2, 5, 4, 11}, 64, asn1.TagUTF8String},
	{"CN", "commonName", asn1.ObjectIdentifier{2, 5, 4, 3}, 64, asn1.TagUTF8String},
	{"emailAddress", "emailAddress", asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, 128, asn1.TagIA5String},
	{"serialNumber", "serialNumber", asn1.ObjectIdentifier{2, 5, 4, 5}, 64, asn1.TagPrintableString},
	{"DC", "domainComponent", asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, ubName, asn1.TagIA5String},
	{"UID", "userId", asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, 256, asn1.TagUTF8String},
	{"street", "streetAddress", asn1.ObjectIdentifier{2, 5, 4, 9}, 128, asn1.TagUTF8String},
	{"title", "title", asn1.ObjectIdentifier{2, 5, 4, 12}, 64, asn1.TagUTF8String},
	{"GN", "givenName", asn1.ObjectIdentifier{2, 5, 4, 42}, ubName, asn1.TagUTF8String},
	{"SN", "surname", asn1.ObjectIdentifier{2, 5, 4, 4}, ubName, asn1.TagUTF8String},
	{"initials", "initials", asn1.ObjectIdentifier{2, 5, 4, 43}, ubName, asn1.TagUTF8String},
	{"pseudonym", "pseudonym", asn1.ObjectIdentifier{2, 5, 4, 65}, 128, asn1.TagUTF8String},
	{"dnQualifier", "dnQualifier", asn1.ObjectIdentifier{2, 5, 4, 46}, ubName, asn1.TagPrintableString},
	{"generationQualifier", "generationQualifier", asn1.ObjectIdentifier{2, 5, 4, 44}, ubName, asn1.TagUTF8String},
	{"postalCode", "postalCode", asn1.ObjectIdentifier{2, 5, 4, 17}, 40, asn1.TagUTF8String},
	{"name", "name", asn1.ObjectIdentifier{2, 5, 4, 41}, ubName, asn1.TagUTF8String},
	{"description", "description", asn1.ObjectIdentifier{2, 5, 4, 13}, 1024, asn1.TagUTF8String},
	{"businessCategory", "businessCategory", asn1.ObjectIdentifier{2, 5, 4, 15}, 128, asn1.TagUTF8String},
}

// oidCommonName is the type Derive replaces and CommonName reads.
var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// attrByOID returns the table entry for oid, or for an OID not in the table
// an entry that prints it dotted, bounds it by ub-name and encodes it as
// UTF8String (openssl's DIRSTRING_TYPE under utf8only).
func attrByOID(oid asn1.ObjectIdentifier) attrInfo {
	for _, a := range attributes {
		if a.oid.Equal(oid) {
			return a
		}
	}
	return attrInfo{short: oid.String(), long: oid.String(), oid: oid, max: ubName, tag: asn1.TagUTF8String}
}

// attrByName resolves a short name, long name (both case-insensitively, which
// openssl does not do, so that "cn=" typed by hand works) or dotted OID.
func attrByName(name string) (attrInfo, error) {
	for _, a := range attributes {
		if strings.EqualFold(name, a.short) || strings.EqualFold(name, a.long) {
			return a, nil
		}
	}
	if oid, ok := ParseOID(name); ok {
		return attrByOID(oid), nil
	}
	return attrInfo{}, fmt.Errorf("subject attribute %q: unknown attribute type: %w", name, ErrInvalid)
}

// ParseOID parses a dotted object identifier such as 2.5.4.3.
func ParseOID(s string) (asn1.ObjectIdentifier, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		// Atoi alone would take "+1" and "-1".
		if p == "" || p[0] < '0' || p[0] > '9' || (len(p) > 1 && p[0] == '0') {
			return nil, false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 1<<31-1 {
			return nil, false
		}
		oid[i] = v
	}
	// encoding/asn1 refuses to marshal anything else.
	if oid[0] > 2 || (oid[0] < 2 && oid[1] >= 40) {
		return nil, false
	}
	return oid, true
}

// tagName is the name used in error messages for an ASN.1 string tag.
func tagName(tag int) string {
	switch tag {
	case asn1.TagUTF8String:
		return "UTF8String"
	case asn1.TagPrintableString:
		return "PrintableString"
	case asn1.TagIA5String:
		return "IA5String"
	case asn1.TagT61String:
		return "TeletexString"
	case asn1.TagBMPString:
		return "BMPString"
	case asn1.TagNumericString:
		return "NumericString"
	case tagVisibleString:
		return "VisibleString"
	case tagUniversalString:
		return "UniversalString"
	}
	return "tag " + strconv.Itoa(tag)
}

// supportedTag reports whether tag is a string type this package reads and
// writes; openssl's DirectoryString and the PKCS #9 IA5String cover them.
func supportedTag(tag int) bool {
	return !strings.HasPrefix(tagName(tag), "tag ")
}

// representable reports whether r can be stored in a string of type tag.
func representable(tag int, r rune) bool {
	switch tag {
	case asn1.TagUTF8String, tagUniversalString:
		return true
	case asn1.TagPrintableString:
		return isPrintable(r)
	case asn1.TagIA5String:
		return r < utf8.RuneSelf
	case asn1.TagT61String:
		// openssl reads T61String as ISO 8859-1.
		return r <= 0xff
	case asn1.TagBMPString:
		return r <= 0xffff && !utf16.IsSurrogate(r)
	case asn1.TagNumericString:
		return r == ' ' || (r >= '0' && r <= '9')
	case tagVisibleString:
		return r >= 0x20 && r <= 0x7e
	}
	return false
}

// isPrintable reports whether r is in the PrintableString character set.
func isPrintable(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune(" '()+,-./:=?", r)
}

// encodable reports whether r has an encoding in a string of type tag. It
// is looser than representable: certificates in the wild carry '*' or '_'
// in PrintableStrings, and such a name must survive a DER round trip even
// though Validate refuses it in a new subject.
func encodable(tag int, r rune) bool {
	switch tag {
	case asn1.TagPrintableString, asn1.TagNumericString, tagVisibleString:
		return r < utf8.RuneSelf
	}
	return representable(tag, r)
}

// encodeString returns the content octets of value as a string of type tag.
func encodeString(tag int, value string) ([]byte, error) {
	if !supportedTag(tag) {
		return nil, fmt.Errorf("unsupported string type %s", tagName(tag))
	}
	if !utf8.ValidString(value) {
		return nil, fmt.Errorf("value is not valid UTF-8")
	}
	var b []byte
	for _, r := range value {
		if !encodable(tag, r) {
			return nil, fmt.Errorf("%q cannot be encoded as %s", r, tagName(tag))
		}
		switch tag {
		case asn1.TagBMPString:
			b = append(b, byte(r>>8), byte(r))
		case tagUniversalString:
			b = append(b, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
		case asn1.TagT61String:
			b = append(b, byte(r))
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b, nil
}

// decodeString turns the content octets of a string of type tag into text.
func decodeString(tag int, b []byte) (string, error) {
	var sb strings.Builder
	switch tag {
	case asn1.TagBMPString:
		if len(b)%2 != 0 {
			return "", fmt.Errorf("odd length BMPString")
		}
		for i := 0; i < len(b); i += 2 {
			sb.WriteRune(rune(b[i])<<8 | rune(b[i+1]))
		}
	case tagUniversalString:
		if len(b)%4 != 0 {
			return "", fmt.Errorf("UniversalString length not a multiple of 4")
		}
		for i := 0; i < len(b); i += 4 {
			sb.WriteRune(rune(b[i])<<24 | rune(b[i+1])<<16 | rune(b[i+2])<<8 | rune(b[i+3]))
		}
	case asn1.TagT61String:
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
	case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagIA5String, asn1.TagNumericString, tagVisibleString:
		if !utf8.Valid(b) {
			return "", fmt.Errorf("%s is not valid UTF-8", tagName(tag))
		}
		sb.Write(b)
	default:
		return "", fmt.Errorf("unsupported string type %s", tagName(tag))
	}
	s := sb.String()
	// Decoding must be exact so that MarshalDER gives back the same bytes.
	if enc, err := encodeString(tag, s); err != nil || string(enc) != string(b) {
		return "", fmt.Errorf("invalid %s", tagName(tag))
	}
	return s, nil
}
