package dn

import (
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
)

// Parse parses a distinguished name written in any of the forms people
// copy from openssl, and then Validates it:
//
//   - slash form, as `openssl req -subj` takes it:
//     /C=US/O=Example Inc./CN=proxy.example.com, where a backslash makes the
//     next character literal (\/ and \+) and an unescaped + joins the
//     members of a multi-valued RDN;
//   - RFC 4514, most specific first: CN=proxy.example.com,O=Example Inc.,C=US,
//     with \, and \2C escapes, "quoted" values, #hex BER values and +;
//   - what `openssl x509 -noout -subject` prints: OpenSSL 1.x
//     "subject= /C=US/O=Example Inc./CN=x", read as ParseOneLine does (so
//     \xC3\xBC is a UTF-8 byte), and OpenSSL 3
//     "subject=C = US, O = Example Inc., CN = x", most general first, with
//     the same quoting and escapes as RFC 4514 (\C3\BC for UTF-8 bytes).
//
// The form is told apart like this, after leading blanks and a trailing
// newline are dropped:
//
//  1. an optional "subject=" or "issuer=" prefix is removed, with the blanks
//     after it;
//  2. what then starts with '/' is the slash form: with the prefix,
//     X509_NAME_oneline() output as ParseOneLine reads it, without, the
//     -subj syntax;
//  3. RDNs separated by bare commas (a ',' outside quotes and escapes
//     that is not followed by a blank) make it RFC 4514: OpenSSL 3 always
//     writes ", ", while -nameopt RFC2253 writes "," and need not escape
//     " = " inside a value;
//  4. otherwise, with the prefix or with " = " (an equals sign between
//     blanks) it is openssl's most-general-first form;
//  5. everything else is RFC 4514.
//
// RFC 4514 RDNs are reversed to be stored most general first, and so are
// the members of a multi-valued RDN, as openssl prints those in reverse too.
//
// Attribute types are openssl's short or long names, in any case, or dotted
// OIDs (which `openssl req -subj` skips unless it knows the OID).
func Parse(s string) (Name, error) {
	body, prefixed := trimSubject(s)
	if body == "" {
		return nil, fmt.Errorf("subject is empty: %w", ErrInvalid)
	}
	var (
		n   Name
		err error
	)
	switch {
	case body[0] == '/':
		n, err = parseSlash(body, prefixed)
	case bareCommas(body):
		n, err = parseDN(body, true)
	case prefixed || strings.Contains(body, " = "):
		n, err = parseDN(body, false)
	default:
		n, err = parseDN(body, true)
	}
	if err != nil {
		return nil, err
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n, nil
}

// trimSubject drops what surrounds the name in `openssl x509 -subject`
// output. Trailing blanks stay: in the slash form they belong to the value.
func trimSubject(s string) (body string, prefixed bool) {
	s = strings.TrimLeft(strings.TrimRight(s, "\r\n"), " \t")
	for _, p := range []string{"subject=", "issuer="} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return strings.TrimLeft(s[len(p):], " \t"), true
		}
	}
	return s, false
}

// bareCommas reports whether s separates RDNs with a ',' that is not
// followed by a blank, outside quotes and backslash escapes.
func bareCommas(s string) bool {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			if i+1 < len(s) && s[i+1] != ' ' {
				return true
			}
		}
	}
	return false
}

// ParseOneLine parses what OpenSSL's X509_NAME_oneline() prints (see
// Name.OneLine), such as the subject column of `openssl ca`'s database.txt:
// /C=US/O=Example Inc./CN=x, with \xHH for a byte outside 0x20..0x7e, \/
// and \+ for '/' and '+' in a value, and any other backslash taken as it is
// (OpenSSL does not escape '\'). Unlike Parse it does not Validate: it
// reads what openssl has already written. The string types are lost in
// that form, so a BMPString comes back as its raw bytes.
func ParseOneLine(s string) (Name, error) {
	s = strings.TrimRight(s, "\r\n")
	if !strings.HasPrefix(s, "/") {
		return nil, fmt.Errorf("subject %q: does not start with '/': %w", s, ErrInvalid)
	}
	return parseSlash(s, true)
}

// parseSlash parses /type=value/type=value+type=value as OpenSSL 3's
// parse_name() does for -subj, but refuses what it would skip with a
// warning (unknown types, empty components). With oneline set, escapes are
// read as X509_NAME_oneline() writes them.
func parseSlash(s string, oneline bool) (Name, error) {
	var (
		n   Name
		rdn RDN
	)
	i := 1 // past the leading '/'
	for {
		j := i
		for j < len(s) && s[j] != '=' && s[j] != '/' && s[j] != '+' {
			j++
		}
		typ := s[i:j]
		if typ == "" {
			return nil, fmt.Errorf("subject %q: missing attribute type at offset %d: %w", s, i, ErrInvalid)
		}
		if j == len(s) || s[j] != '=' {
			return nil, fmt.Errorf("subject attribute %q: missing '=' after the type: %w", typ, ErrInvalid)
		}
		info, err := attrByName(typ)
		if err != nil {
			return nil, err
		}
		var v []byte
		k := j + 1
		for ; k < len(s) && s[k] != '/' && s[k] != '+'; k++ {
			switch {
			case s[k] != '\\':
			case oneline && k+3 < len(s) && s[k+1] == 'x' && isHex(s[k+2]) && isHex(s[k+3]):
				b, _ := hex.DecodeString(s[k+2 : k+4])
				v = append(v, b[0])
				k += 3
				continue
			case oneline && (k+1 == len(s) || s[k+1] != '/' && s[k+1] != '+'):
				// A backslash OpenSSL copied from the value.
				v = append(v, '\\')
				continue
			case k+1 == len(s):
				return nil, fmt.Errorf("subject attribute %s: value ends with a lone backslash: %w", info.short, ErrInvalid)
			default:
				k++
			}
			v = append(v, s[k])
		}
		rdn = append(rdn, Attribute{Type: info.oid, Value: string(v)})
		if k == len(s) {
			return append(n, rdn), nil
		}
		i = k + 1
		if s[k] == '/' {
			n, rdn = append(n, rdn), nil
			if i == len(s) { // a trailing '/' is harmless, as in openssl
				return n, nil
			}
		} else if i == len(s) {
			return nil, fmt.Errorf("subject attribute %s: nothing after '+': %w", info.short, ErrInvalid)
		}
	}
}

// dnParser reads the comma-separated forms: RFC 4514 and OpenSSL 3's
// "C = US, O = Example Inc., CN = x", which share quoting and escaping.
type dnParser struct {
	s string
	i int
}

// parseDN parses a comma-separated name; reverse is set for RFC 4514, whose
// most specific RDN comes first.
func parseDN(s string, reverse bool) (Name, error) {
	p := &dnParser{s: s}
	var (
		n   Name
		rdn RDN
	)
	for {
		a, err := p.attribute()
		if err != nil {
			return nil, err
		}
		rdn = append(rdn, a)
		p.skipBlanks()
		if p.i == len(s) {
			n = append(n, rdn)
			break
		}
		switch s[p.i] {
		case '+':
		case ',':
			n, rdn = append(n, rdn), nil
		default:
			return nil, fmt.Errorf("subject attribute %s: unexpected %q after the value: %w", a.ShortName(), s[p.i], ErrInvalid)
		}
		p.i++
		p.skipBlanks()
		if p.i == len(s) {
			return nil, fmt.Errorf("subject attribute %s: nothing after %q: %w", a.ShortName(), s[p.i-1], ErrInvalid)
		}
	}
	if reverse {
		reverseName(n)
	}
	return n, nil
}

func reverseName(n Name) {
	for i, j := 0, len(n)-1; i < j; i, j = i+1, j-1 {
		n[i], n[j] = n[j], n[i]
	}
	for _, rdn := range n {
		for i, j := 0, len(rdn)-1; i < j; i, j = i+1, j-1 {
			rdn[i], rdn[j] = rdn[j], rdn[i]
		}
	}
}

func (p *dnParser) skipBlanks() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// attribute reads type=value, with blanks allowed around the '='.
func (p *dnParser) attribute() (Attribute, error) {
	p.skipBlanks()
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune("=,+", rune(p.s[p.i])) {
		p.i++
	}
	typ := strings.TrimRight(p.s[start:p.i], " ")
	if typ == "" {
		return Attribute{}, fmt.Errorf("subject %q: missing attribute type at offset %d: %w", p.s, start, ErrInvalid)
	}
	if p.i == len(p.s) || p.s[p.i] != '=' {
		return Attribute{}, fmt.Errorf("subject attribute %q: missing '=' after the type: %w", typ, ErrInvalid)
	}
	p.i++
	// RFC 2253 allowed "OID.2.5.4.3".
	if len(typ) > 4 && strings.EqualFold(typ[:4], "oid.") {
		typ = typ[4:]
	}
	info, err := attrByName(typ)
	if err != nil {
		return Attribute{}, err
	}
	p.skipBlanks()
	a := Attribute{Type: info.oid}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '#':
		a.Value, a.Tag, err = p.berValue()
	case p.i < len(p.s) && p.s[p.i] == '"':
		a.Value, err = p.quotedValue()
	default:
		a.Value, err = p.plainValue()
	}
	if err != nil {
		return Attribute{}, fmt.Errorf("subject attribute %s: %w: %w", info.short, err, ErrInvalid)
	}
	return a, nil
}

// plainValue reads up to the next unescaped ',' or '+'. Blanks at the end
// that are not escaped belong to the separator, as RFC 4514 has trailing
// blanks escaped and openssl quotes them.
func (p *dnParser) plainValue() (string, error) {
	var b []byte
	keep := 0
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '+' {
		if p.s[p.i] == '\\' {
			var err error
			if b, err = p.escape(b); err != nil {
				return "", err
			}
			keep = len(b)
			continue
		}
		b = append(b, p.s[p.i])
		if p.s[p.i] != ' ' {
			keep = len(b)
		}
		p.i++
	}
	return string(b[:keep]), nil
}

// quotedValue reads "..." as openssl prints values with special
// characters; backslash escapes work inside as outside.
func (p *dnParser) quotedValue() (string, error) {
	var b []byte
	for p.i++; p.i < len(p.s); {
		switch p.s[p.i] {
		case '"':
			p.i++
			return string(b), nil
		case '\\':
			var err error
			if b, err = p.escape(b); err != nil {
				return "", err
			}
		default:
			b = append(b, p.s[p.i])
			p.i++
		}
	}
	return "", fmt.Errorf("missing closing quote")
}

// escape reads \XX (one byte in hex) or \c (c itself) at p.i onto b.
func (p *dnParser) escape(b []byte) ([]byte, error) {
	p.i++
	if p.i == len(p.s) {
		return nil, fmt.Errorf("value ends with a lone backslash")
	}
	if p.i+1 < len(p.s) && isHex(p.s[p.i]) && isHex(p.s[p.i+1]) {
		v, _ := hex.DecodeString(p.s[p.i : p.i+2])
		p.i += 2
		return append(b, v[0]), nil
	}
	p.i++
	return append(b, p.s[p.i-1]), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// berValue reads #hex, the BER encoding of a string value (RFC 4514 2.4),
// and keeps the string's tag.
func (p *dnParser) berValue() (string, int, error) {
	start := p.i + 1
	for p.i = start; p.i < len(p.s) && isHex(p.s[p.i]); p.i++ {
	}
	der, err := hex.DecodeString(p.s[start:p.i])
	if err != nil || len(der) == 0 {
		return "", 0, fmt.Errorf("bad #hex value %q", p.s[start:p.i])
	}
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(der, &v)
	switch {
	case err != nil:
		return "", 0, fmt.Errorf("#hex value: %v", err)
	case len(rest) != 0:
		return "", 0, fmt.Errorf("#hex value has %d trailing bytes", len(rest))
	case v.Class != asn1.ClassUniversal || v.IsCompound:
		return "", 0, fmt.Errorf("#hex value is not a string")
	}
	s, err := decodeString(v.Tag, v.Bytes)
	if err != nil {
		return "", 0, fmt.Errorf("#hex value: %v", err)
	}
	return s, v.Tag, nil
}
