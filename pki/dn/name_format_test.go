package dn_test

import (
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/pki/dn"
)

// formatCases are names with everything the printers must escape, and what
// each printer makes of them. OneLine's expectations are what OpenSSL 3.0's
// X509_NAME_oneline prints; name_openssl_test.go checks them against it.
var formatCases = []struct {
	name                    string
	n                       dn.Name
	slash, oneLine, rfc4514 string
}{
	{"plain", exampleName,
		"/C=US/O=Example Inc./CN=engine.example.com.81108",
		"/C=US/O=Example Inc./CN=engine.example.com.81108",
		"CN=engine.example.com.81108,O=Example Inc.,C=US"},
	{"multi-valued", dn.Name{{atv("C", "US")}, {atv("CN", "a"), atv("UID", "b")}},
		"/C=US/CN=a+UID=b", "/C=US/CN=a+UID=b", "UID=b+CN=a,C=US"},
	{"slash plus backslash", dn.Name{{atv("O", `a/b\c`)}, {atv("CN", "x+y")}},
		`/O=a\/b\\c/CN=x\+y`, `/O=a\/b\c/CN=x\+y`, `CN=x\+y,O=a/b\\c`},
	{"rfc4514 specials", dn.Name{{atv("CN", `a,b;c<d>e"f`)}},
		`/CN=a,b;c<d>e"f`, `/CN=a,b;c<d>e"f`, `CN=a\,b\;c\<d\>e\"f`},
	{"leading hash and blanks", dn.Name{{atv("CN", "# x ")}, {atv("OU", " y")}},
		"/CN=# x /OU= y", "/CN=# x /OU= y", `OU=\ y,CN=\# x\ `},
	{"equals after blank", dn.Name{{atv("CN", "a = b")}, {atv("O", "c=d")}},
		"/CN=a = b/O=c=d", "/CN=a = b/O=c=d", `O=c=d,CN=a \= b`},
	{"utf8", dn.Name{{atv("O", "Müller GmbH")}, {atv("CN", "日本")}},
		"/O=Müller GmbH/CN=日本", `/O=M\xC3\xBCller GmbH/CN=\xE6\x97\xA5\xE6\x9C\xAC`, "CN=日本,O=Müller GmbH"},
	{"control and del", dn.Name{{atv("CN", "a\tb\x7f")}},
		"/CN=a\tb\x7f", `/CN=a\x09b\x7F`, `CN=a\09b\7F`},
	{"bmp and t61 bytes", dn.Name{{tagged("CN", "é", asn1.TagBMPString)}, {tagged("O", "é", asn1.TagT61String)}},
		"/CN=é/O=é", `/CN=\x00\xE9/O=\xE9`, "O=é,CN=é"},
	{"dotted oid", dn.Name{{atv("1.2.3.4", "x")}},
		"/1.2.3.4=x", "/1.2.3.4=x", "1.2.3.4=x"},
	{"empty", dn.Name{}, "", "", ""},
}

func TestNameFormats(t *testing.T) {
	for _, tt := range formatCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.n.String(); got != tt.slash {
				t.Errorf("String() = %q, want %q", got, tt.slash)
			}
			if got := tt.n.OneLine(); got != tt.oneLine {
				t.Errorf("OneLine() = %q, want %q", got, tt.oneLine)
			}
			if got := tt.n.RFC4514(); got != tt.rfc4514 {
				t.Errorf("RFC4514() = %q, want %q", got, tt.rfc4514)
			}
		})
	}
}

func TestNameFormatsRoundTrip(t *testing.T) {
	for _, tt := range formatCases {
		if tt.n.Validate() != nil {
			continue // control characters, empty name: Parse refuses them
		}
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range []string{tt.n.String(), tt.n.RFC4514(), "subject=" + tt.n.RFC4514()} {
				got, err := dn.Parse(s)
				if err != nil {
					t.Fatalf("Parse(%q): %v", s, err)
				}
				assertSameName(t, got, tt.n)
			}
		})
	}
}

func TestNameFormat(t *testing.T) {
	n := dn.Name{{atv("C", "US")}, {atv("CN", "x")}}
	for _, tt := range []struct{ in, want string }{
		{"", "/C=US/CN=x"},
		{"slash", "/C=US/CN=x"},
		{"RFC4514", "CN=x,C=US"},
		{"json", `[[{"type":"C","oid":"2.5.4.6","value":"US"}],[{"type":"CN","oid":"2.5.4.3","value":"x"}]]`},
	} {
		f, err := dn.ParseFormat(tt.in)
		if err != nil {
			t.Fatalf("ParseFormat(%q): %v", tt.in, err)
		}
		got, err := n.Format(f)
		if err != nil || got != tt.want {
			t.Errorf("Format(%q) = %q, %v; want %q", f, got, err, tt.want)
		}
	}
	if _, err := dn.ParseFormat("yaml"); err == nil || !strings.Contains(err.Error(), `"yaml"`) {
		t.Errorf("ParseFormat(yaml) error = %v", err)
	}
	if _, err := n.Format("yaml"); err == nil {
		t.Error("Format(yaml) succeeded")
	}
}
