package dn

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pkienroll/pkienroll/internal/printable"
)

// String returns n in slash form, most general first, as `openssl req
// -subj` takes it: /C=US/O=Example Inc./CN=x. '/', '+' and '\' inside
// values are escaped with '\'; the members of a multi-valued RDN are joined
// with '+'. Values are written as UTF-8, so give openssl -utf8 with it:
// without, openssl reads the bytes as Latin-1 and encodes them twice.
func (n Name) String() string {
	var b strings.Builder
	for _, rdn := range n {
		for j, a := range rdn {
			b.WriteByte("/+"[min(j, 1)])
			b.WriteString(a.ShortName())
			b.WriteByte('=')
			for _, c := range []byte(a.Value) {
				if c == '/' || c == '+' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// OneLine returns what OpenSSL's X509_NAME_oneline() prints for n: the
// subject column of `openssl ca`'s database.txt and what `openssl x509
// -subject -nameopt compat` shows (not -nameopt oneline, which is the
// "C = US, CN = x" form). Each value's encoded bytes are printed as they
// are, except bytes outside 0x20..0x7e as \xHH, and '/' and '+' escaped
// with a backslash, as OpenSSL 3.0.19 does (1.x did not escape them); '\'
// itself is not escaped. Members of a multi-valued RDN are joined with '+'.
func (n Name) OneLine() string {
	var b strings.Builder
	for _, rdn := range n {
		for j, a := range rdn {
			b.WriteByte("/+"[min(j, 1)])
			b.WriteString(a.ShortName())
			b.WriteByte('=')
			raw, err := encodeString(a.tag(), a.Value)
			if err != nil {
				raw = []byte(a.Value)
			}
			for _, c := range raw {
				switch {
				case c < 0x20 || c > 0x7e:
					fmt.Fprintf(&b, `\x%02X`, c)
				case c == '/' || c == '+':
					b.WriteByte('\\')
					b.WriteByte(c)
				default:
					b.WriteByte(c)
				}
			}
		}
	}
	return b.String()
}

// RFC4514 returns n as an RFC 4514 string, most specific first:
// CN=x,O=Example Inc.,C=US. The members of a multi-valued RDN are reversed
// too, as `openssl x509 -nameopt RFC2253` prints them. Non-ASCII text is
// written as UTF-8; control characters, bidi overrides and the other
// characters printable.Unsafe reports as \XX, one escape per byte.
func (n Name) RFC4514() string {
	var b strings.Builder
	for i := len(n) - 1; i >= 0; i-- {
		if i < len(n)-1 {
			b.WriteByte(',')
		}
		rdn := n[i]
		for j := len(rdn) - 1; j >= 0; j-- {
			if j < len(rdn)-1 {
				b.WriteByte('+')
			}
			b.WriteString(rdn[j].ShortName())
			b.WriteByte('=')
			escape4514(&b, rdn[j].Value)
		}
	}
	return b.String()
}

// escape4514 writes v with the escapes RFC 4514 section 2.4 requires. It
// also escapes an '=' that follows a blank, so that the result never holds
// " = ", which Parse takes for openssl's most-general-first form.
func escape4514(b *strings.Builder, v string) {
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1, printable.Unsafe(r):
			for _, c := range []byte(v[i : i+size]) {
				fmt.Fprintf(b, `\%02X`, c)
			}
		case strings.ContainsRune(`"+,;<>\`, r),
			i == 0 && (r == '#' || r == ' '),
			i == len(v)-1 && r == ' ',
			r == '=' && i > 0 && v[i-1] == ' ':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteString(v[i : i+size])
		}
		i += size
	}
}

// Format selects how Format prints a Name.
type Format string

// The formats Format knows; they are the values of the --format flag.
const (
	// FormatSlash is String's /C=US/O=Example Inc./CN=x.
	FormatSlash Format = "slash"
	// FormatRFC4514 is RFC4514's CN=x,O=Example Inc.,C=US.
	FormatRFC4514 Format = "rfc4514"
	// FormatJSON is MarshalJSON's array of RDNs.
	FormatJSON Format = "json"
)

// ParseFormat returns the Format called s; "" is the slash form.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case "", "openssl":
		// "openssl": the form `openssl req -subj` takes.
		return FormatSlash, nil
	case FormatSlash, FormatRFC4514, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("subject format %q: unknown, want openssl (slash), rfc4514 or json", s)
}

// Format returns n printed in format f.
func (n Name) Format(f Format) (string, error) {
	switch f {
	case FormatSlash, "":
		return n.String(), nil
	case FormatRFC4514:
		return n.RFC4514(), nil
	case FormatJSON:
		b, err := n.MarshalJSON()
		return string(b), err
	}
	return "", fmt.Errorf("subject format %q: unknown, want slash, rfc4514 or json", f)
}
