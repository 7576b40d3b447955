package printable

import "testing"

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
	for _, s := range []string{"a\x1b[2J", "\u009b", "\xff", "Müller"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		for _, c := range []byte(got) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("Escape(%q) = %q keeps control byte %#x", s, got, c)
			}
		}
		if Escape(got) != got {
			t.Fatalf("Escape(%q) = %q is not stable", s, got)
		}
	})
}
