// Package printable makes text from certificates, requests, the index and
// the command line safe to print on a terminal. One rule, Unsafe, says
// which characters are escaped: control characters (C0, DEL and C1, which
// start ESC and CSI/OSC sequences and ring the bell), the invisible and
// direction-changing ones (format characters such as U+202E RIGHT-TO-LEFT
// OVERRIDE and U+200B ZERO WIDTH SPACE, the line and paragraph
// separators, the other default-ignorable characters such as U+3164
// HANGUL FILLER), private-use and unassigned code points, and bytes that
// are not UTF-8. Everything else, including non-ASCII text and spaces, is
// kept. The CLI's text output, its error lines and pki's verification
// details all go through Escape; JSON output goes through JSON, which
// writes the same characters as \u escapes.
package printable

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Unsafe reports whether r is escaped on output: it is not graphic (a
// control, format, private-use, surrogate or unassigned code point, or a
// line or paragraph separator: Unicode categories Cc, Cf, Co, Cs, Cn, Zl
// and Zp) or it is default-ignorable, drawn as nothing (U+115F, U+3164
// HANGUL FILLER and their like). These are the characters that can move
// the cursor, reorder what the reader sees (bidi overrides and isolates)
// or hide in a name (zero-width ones); strconv.IsPrint, which Go's %q
// uses, and less(1) treat them the same way. Spaces other than U+0020
// (U+00A0, U+3000) are kept: they are visible as space.
func Unsafe(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	return !unicode.IsGraphic(r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// Escape returns s with each Unsafe character and each byte that is not
// part of valid UTF-8 written as \xHH (one escape per byte of the
// encoding: U+009B is \xC2\x9B, U+202E is \xE2\x80\xAE). Printable text,
// tabs excepted, is kept as it is; Escape of its own output returns it
// unchanged.
func Escape(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		size = max(size, 1)
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			for _, c := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, `\x%02X`, c)
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPrintable reports whether Escape would leave s as it is.
func isPrintable(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || Unsafe(r) {
			return false
		}
		i += size
	}
	return true
}

// JSON returns data, JSON text such as encoding/json writes, with every
// Unsafe character written as a \u escape (a surrogate pair beyond
// U+FFFF) and each byte that is not UTF-8 as \ufffd, as encoding/json
// writes it. encoding/json escapes C0 characters but leaves DEL, C1 and
// format characters such as U+202E raw. Outside strings JSON has only
// ASCII, and the newline, tab and CR between tokens are kept; inside a
// string \uXXXX is the same character, so the result decodes to the same
// values.
func JSON(data []byte) []byte {
	if isPrintableJSON(data) {
		return data
	}
	out := make([]byte, 0, len(data)+16)
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			out = append(out, byte(r))
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case Unsafe(r):
			out = AppendJSONEscape(out, r)
		default:
			out = append(out, data[i:i+size]...)
		}
		i += size
	}
	return out
}

// isPrintableJSON reports whether JSON would leave data as it is.
func isPrintableJSON(data []byte) bool {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 || Unsafe(r) && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
		i += size
	}
	return true
}

// AppendJSONEscape appends r as JSON writes it escaped inside a string:
// \uXXXX, or a surrogate pair of them for a character beyond U+FFFF.
func AppendJSONEscape(b []byte, r rune) []byte {
	if r > 0xFFFF {
		r1, r2 := utf16.EncodeRune(r)
		return fmt.Appendf(b, `\u%04x\u%04x`, r1, r2)
	}
	return fmt.Appendf(b, `\u%04x`, r)
}
