package printable

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "/C=US/O=Example Inc./CN=proxy.example.com", "/C=US/O=Example Inc./CN=proxy.example.com"},
		{"utf-8 kept", "/O=Müller 株式会社", "/O=Müller 株式会社"},
		{"clear screen", "a\x1b[2Jb", `a\x1B[2Jb`},
		{"osc title and bel", "\x1b]0;pwned\x07", `\x1B]0;pwned\x07`},
		{"newline tab cr", "a\nb\tc\rd", `a\x0Ab\x09c\x0Dd`},
		{"del", "a\x7fb", `a\x7Fb`},
		{"c1 csi", "a\u009b2Jb", `a\xC2\x9B2Jb`},
		{"invalid utf-8", "a\xff\xfeb", `a\xFF\xFEb`},
		{"truncated utf-8", "a\xc3", `a\xC3`},
		{"empty", "", ""},
		{"bidi override and zero width space", "a\u202e\u200bb", `a\xE2\x80\xAE\xE2\x80\x8Bb`},
		{"bidi isolates", "\u2066x\u2069\u061c", `\xE2\x81\xA6x\xE2\x81\xA9\xD8\x9C`},
		{"byte order mark and soft hyphen", "\ufeffa\u00adb", `\xEF\xBB\xBFa\xC2\xADb`},
		{"line separator", "a\u2028b", `a\xE2\x80\xA8b`},
		{"hangul filler", "\u3164", `\xE3\x85\xA4`},
		{"tag character", "\U000E0041", `\xF3\xA0\x81\x81`},
		{"private use", "\ue000", `\xEE\x80\x80`},
		{"spaces and marks kept", "a\u00a0b\u3000c e\u0301", "a\u00a0b\u3000c e\u0301"},
		{"replacement character kept", "\ufffd", "\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Escape(tt.in)
			if got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Escape(got); again != got {
				t.Errorf("Escape is not idempotent: %q then %q", got, again)
			}
		})
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"a\x1b[2J", "\u009b", "\xff", "Müller", "a\u202eb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		for _, c := range []byte(got) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("Escape(%q) = %q keeps control byte %#x", s, got, c)
			}
		}
		for _, r := range got {
			if Unsafe(r) || r == utf8.RuneError && !strings.Contains(s, "\ufffd") {
				t.Fatalf("Escape(%q) = %q keeps %U", s, got, r)
			}
		}
		if Escape(got) != got {
			t.Fatalf("Escape(%q) = %q is not stable", s, got)
		}
	})
}

// TestUnsafe: the characters that reorder or hide text are unsafe, as
// strconv.IsPrint has them; letters, marks, symbols and spaces are not.
func TestUnsafe(t *testing.T) {
	for _, r := range []rune{0, '\t', '\n', 0x1b, 0x7f, 0x85, 0x9b, 0xad, 0x61c, 0x180e, 0x200b, 0x200d, 0x200e,
		0x2028, 0x2029, 0x202a, 0x202e, 0x2060, 0x2066, 0x2069, 0x3164, 0xfeff, 0xfff9, 0xe000, 0xe0001, 0x10ffff} {
		if !Unsafe(r) {
			t.Errorf("Unsafe(%U) = false", r)
		}
	}
	for _, r := range []rune{' ', 'a', '~', 0xa0, 0xe9, 0x301, 0x5d0, 0x627, 0x3000, 0x682a, 0xfffd, 0x1f600} {
		if Unsafe(r) {
			t.Errorf("Unsafe(%U) = true", r)
		}
	}
}

// TestJSON: encoding/json leaves U+202E, DEL and C1 raw; JSON writes
// them as \u escapes, and the text decodes to the same value.
func TestJSON(t *testing.T) {
	for _, v := range []string{"plain Müller", "a\u202e\u200bb", "\x7f\u009b\x1b[2J", "\U000E0041x", "line\nbreak\ttab"} {
		data, err := json.MarshalIndent(map[string]string{"v": v}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got := JSON(data)
		for _, r := range string(got) {
			if Unsafe(r) && r != '\n' {
				t.Errorf("JSON(%s) = %s keeps %U", data, got, r)
			}
		}
		var back map[string]string
		if err := json.Unmarshal(got, &back); err != nil || back["v"] != v {
			t.Errorf("JSON(%s) = %s decodes to %q (%v), want %q", data, got, back["v"], err, v)
		}
	}
	if got := JSON([]byte(`"a\u202eb"`)); string(got) != `"a\u202eb"` {
		t.Errorf("JSON = %s", got)
	}
	if got := string(JSON([]byte("\"a\xffb\""))); got != `"a\ufffdb"` {
		t.Errorf("JSON of invalid UTF-8 = %s", got)
	}
}
