// Package printable makes text from certificates, requests, the index and
// the command line safe to print on a terminal: control characters (C0,
// DEL and C1, which start ESC and CSI/OSC sequences and ring the bell) and
// bytes that are not UTF-8 become \xHH, everything else, including
// non-ASCII text, is kept. The CLI's text output, its error lines and
// pki's verification details all go through Escape, so there is one rule.
package printable

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with each control character and each byte that is not
// part of valid UTF-8 written as \xHH (one escape per byte of the
// encoding: U+009B is \xC2\x9B). Printable text, tabs excepted, is kept as
// it is; Escape of its own output returns it unchanged.
func Escape(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		size = max(size, 1)
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) {
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
		if r == utf8.RuneError && size <= 1 || unicode.IsControl(r) {
			return false
		}
		i += size
	}
	return true
}
