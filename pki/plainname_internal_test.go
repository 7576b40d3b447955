package pki

import (
	"regexp"
	"testing"
)

// TestPlainNameAsTheRegexp holds isPlainName to the expression it stands
// for: every string of up to two bytes, and longer names around the edges.
func TestPlainNameAsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	check := func(s string) {
		t.Helper()
		if got, want := isPlainName(s), re.MatchString(s); got != want {
			t.Errorf("isPlainName(%q) = %v, the expression says %v", s, got, want)
		}
	}
	check("")
	for a := range 256 {
		check(string([]byte{byte(a)}))
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	for _, s := range []string{
		"proxy", "ovirt-engine", "websocket-proxy", "a.b_c-d", "Z9", "host01.example.com",
		"a/b", "../x", "a b", "a\n", "é", "aé", "a.", "a..", "-a", ".a", "_a", "a\x00b", "a\x7f",
	} {
		check(s)
	}
}
