package pki_test

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
)

// nameTestOIDs names the attribute types the name tests build by hand, so
// that expectations do not come from the parser under test.
var nameTestOIDs = map[string]asn1.ObjectIdentifier{
	"C":            {2, 5, 4, 6},
	"ST":           {2, 5, 4, 8},
	"L":            {2, 5, 4, 7},
	"O":            {2, 5, 4, 10},
	"OU":           {2, 5, 4, 11},
	"CN":           {2, 5, 4, 3},
	"serialNumber": {2, 5, 4, 5},
	"emailAddress": {1, 2, 840, 113549, 1, 9, 1},
	"DC":           {0, 9, 2342, 19200300, 100, 1, 25},
	"UID":          {0, 9, 2342, 19200300, 100, 1, 1},
	"1.2.3.4":      {1, 2, 3, 4},
}

// atv returns the attribute typ=value with the default tag.
func atv(typ, value string) pki.Attribute {
	oid, ok := nameTestOIDs[typ]
	if !ok {
		panic("nameTestOIDs has no " + typ)
	}
	return pki.Attribute{Type: oid, Value: value}
}

// tagged returns the attribute typ=value encoded with tag.
func tagged(typ, value string, tag int) pki.Attribute {
	a := atv(typ, value)
	a.Tag = tag
	return a
}

func mustParseName(t *testing.T, s string) pki.Name {
	t.Helper()
	n, err := pki.ParseName(s)
	if err != nil {
		t.Fatalf("ParseName(%q): %v", s, err)
	}
	return n
}

// assertSameName fails unless got equals want, also in the order of the
// members of multi-valued RDNs, which Equal ignores.
func assertSameName(t *testing.T, got, want pki.Name) {
	t.Helper()
	if !got.Equal(want) || got.String() != want.String() {
		t.Errorf("name = %s (%#v), want %s", got, got, want)
	}
}

var exampleName = pki.Name{{atv("C", "US")}, {atv("O", "Example Inc.")}, {atv("CN", "engine.example.com.81108")}}

func TestNameDERRoundTripKeepsOrderAndTags(t *testing.T) {
	n := pki.Name{
		{atv("CN", "first")}, // most specific first: the order must survive
		{tagged("O", "Printable Org", asn1.TagPrintableString)},
		{tagged("OU", "Tëletex", asn1.TagT61String)},
		{tagged("L", "Bmp ŁódźΩ", asn1.TagBMPString)},
		{tagged("ST", "Univ 𝄞", 28)},
		{atv("UID", "u1"), atv("DC", "example")}, // in DER's SET order
		{atv("emailAddress", "a@example.com")},
		{atv("C", "US")},
	}
	der, err := n.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	got, err := pki.ParseDERName(der)
	if err != nil {
		t.Fatal(err)
	}
	assertSameName(t, got, n)
	wantTags := [][]int{{12}, {19}, {20}, {30}, {28}, {12, 22}, {22}, {19}}
	for i, rdn := range got {
		for j, a := range rdn {
			if a.Tag != wantTags[i][j] {
				t.Errorf("RDN %d member %d (%s) tag = %d, want %d", i, j, a.ShortName(), a.Tag, wantTags[i][j])
			}
		}
	}
	again, err := got.MarshalDER()
	if err != nil || string(again) != string(der) {
		t.Errorf("re-encoding differs: %x, %v", again, err)
	}
}

func TestNameMarshalDERSortsSet(t *testing.T) {
	// DER wants the members of a SET sorted; openssl and Go both sort.
	a, err := pki.Name{{atv("DC", "example"), atv("UID", "u1")}}.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	b, err := pki.Name{{atv("UID", "u1"), atv("DC", "example")}}.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("member order changes the DER: %x != %x", a, b)
	}
}

func TestNameMarshalDERBytes(t *testing.T) {
	// SEQUENCE { SET { C PrintableString "US" } SET { CN UTF8String "x" } }
	const want = "3019310b3009060355040613025553310a300806035504030c0178"
	der, err := pki.Name{{atv("C", "US")}, {atv("CN", "x")}}.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(der); got != want {
		t.Errorf("MarshalDER = %s, want %s", got, want)
	}
}

func TestNameMarshalDERErrors(t *testing.T) {
	for _, n := range []pki.Name{
		{{tagged("CN", "é", asn1.TagPrintableString)}},
		{{tagged("CN", "é", asn1.TagIA5String)}},
		{{tagged("CN", "x", asn1.TagInteger)}},
		{{atv("CN", "\xff")}},
	} {
		if _, err := n.MarshalDER(); !errors.Is(err, pki.ErrBadSubject) || !strings.Contains(err.Error(), "subject attribute CN") {
			t.Errorf("MarshalDER(%#v) error = %v, want one naming CN", n, err)
		}
	}
}

func TestParseDERNameErrors(t *testing.T) {
	for name, h := range map[string]string{
		"garbage":             "ff00",
		"trailing bytes":      "300000",
		"integer value":       "300c310a300806035504030201 01",
		"bad utf8":            "300c310a300806035504030c01ff",
		"odd bmp":             "300c310a300806035504031e0141",
		"empty rdn":           "30023100",
		"context value":       "300c310a30080603550403800161",
		"general string":      "300c310a300806035504031b0161",
		"printable not ascii": "300c310a30080603550403130 1c3",
	} {
		t.Run(name, func(t *testing.T) {
			der, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			if n, err := pki.ParseDERName(der); !errors.Is(err, pki.ErrBadSubject) {
				t.Errorf("ParseDERName = %v, %v; want ErrBadSubject", n, err)
			}
		})
	}
}

func TestNameFromCertificateError(t *testing.T) {
	c := &x509.Certificate{SerialNumber: big.NewInt(4096), RawSubject: []byte{0x30, 0x03, 0x31, 0x01}}
	if _, err := pki.NameFromCertificate(c); !errors.Is(err, pki.ErrBadSubject) || !strings.Contains(err.Error(), "certificate serial 4096") {
		t.Errorf("NameFromCertificate error = %v", err)
	}
}

func TestDeriveSubject(t *testing.T) {
	tests := []struct {
		name string
		ca   pki.Name
		cn   string
		want pki.Name
	}{
		{"example", exampleName, "proxy.example.com",
			pki.Name{{atv("C", "US")}, {atv("O", "Example Inc.")}, {atv("CN", "proxy.example.com")}}},
		{"cn in multi-valued rdn",
			pki.Name{{atv("C", "US")}, {atv("CN", "ca"), atv("UID", "u1")}, {atv("OU", "Engines")}},
			"p", pki.Name{{atv("C", "US")}, {atv("UID", "u1")}, {atv("OU", "Engines")}, {atv("CN", "p")}}},
		{"several cns", pki.Name{{atv("CN", "a")}, {atv("O", "o")}, {atv("CN", "b")}}, "p",
			pki.Name{{atv("O", "o")}, {atv("CN", "p")}}},
		{"no cn", pki.Name{{atv("O", "o")}}, "p", pki.Name{{atv("O", "o")}, {atv("CN", "p")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pki.DeriveSubject(tt.ca, tt.cn)
			if err != nil {
				t.Fatal(err)
			}
			assertSameName(t, got, tt.want)
		})
	}
	t.Run("keeps tags", func(t *testing.T) {
		got, err := pki.DeriveSubject(pki.Name{{tagged("O", "Old", asn1.TagPrintableString)}, {atv("CN", "ca")}}, "p")
		if err != nil {
			t.Fatal(err)
		}
		if got[0][0].Tag != asn1.TagPrintableString {
			t.Errorf("tag of O = %d, want PrintableString", got[0][0].Tag)
		}
	})
	for _, cn := range []string{"", strings.Repeat("a", 65), "a\nb"} {
		if _, err := pki.DeriveSubject(exampleName, cn); !errors.Is(err, pki.ErrBadSubject) || !strings.Contains(err.Error(), "subject attribute CN") {
			t.Errorf("DeriveSubject(%q) error = %v, want one naming CN", cn, err)
		}
	}
}

func TestNameCommonName(t *testing.T) {
	for _, tt := range []struct {
		n    pki.Name
		want string
	}{
		{exampleName, "engine.example.com.81108"},
		{pki.Name{{atv("CN", "a")}, {atv("UID", "u"), atv("CN", "b")}, {atv("O", "o")}}, "b"},
		{pki.Name{{atv("O", "o")}}, ""},
		{nil, ""},
	} {
		if got := tt.n.CommonName(); got != tt.want {
			t.Errorf("%s.CommonName() = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestNameValidate(t *testing.T) {
	tests := []struct {
		name string
		n    pki.Name
		want string // "" for valid
	}{
		{"ok", exampleName, ""},
		{"dotted oid", pki.Name{{atv("1.2.3.4", "x")}}, ""},
		{"empty name", pki.Name{}, "subject is empty"},
		{"empty rdn", pki.Name{{atv("C", "US")}, {}}, "subject RDN 2 is empty"},
		{"empty value", pki.Name{{atv("O", "")}}, "subject attribute O: empty value"},
		{"bad country", pki.Name{{atv("C", "USA")}}, `subject attribute C: "USA" is not a country code: two uppercase letters (ISO 3166): invalid subject`},
		{"digit country", pki.Name{{atv("C", "U1")}}, "subject attribute C: \"U1\" is not a country code: two uppercase letters (ISO 3166)"},
		{"cn too long", pki.Name{{atv("CN", strings.Repeat("é", 65))}}, "subject attribute CN: value longer than 64 characters (65)"},
		{"cn 64 runes ok", pki.Name{{atv("CN", strings.Repeat("é", 64))}}, ""},
		{"locality too long", pki.Name{{atv("L", strings.Repeat("a", 129))}}, "subject attribute L: value longer than 128"},
		{"email too long", pki.Name{{atv("emailAddress", strings.Repeat("a", 129))}}, "subject attribute emailAddress: value longer than 128"},
		{"control", pki.Name{{atv("CN", "a\tb")}}, "subject attribute CN: \"a\\tb\" contains control character U+0009"},
		{"del", pki.Name{{atv("CN", "a\x7f")}}, "control character U+007F"},
		{"invalid utf8", pki.Name{{atv("CN", "a\xff")}}, "subject attribute CN: \"a\\xff\" is not valid UTF-8"},
		{"email not ia5", pki.Name{{atv("emailAddress", "é@x")}}, "subject attribute emailAddress: \"é@x\" contains 'é', which IA5String cannot hold"},
		{"serial not printable", pki.Name{{atv("serialNumber", "a_b")}}, "subject attribute serialNumber: \"a_b\" contains '_', which PrintableString cannot hold"},
		{"explicit tag", pki.Name{{tagged("CN", "a*b", asn1.TagPrintableString)}}, "subject attribute CN: \"a*b\" contains '*'"},
		{"unsupported tag", pki.Name{{tagged("CN", "x", asn1.TagInteger)}}, "subject attribute CN: unsupported string type"},
		{"no type", pki.Name{{pki.Attribute{Value: "x"}}}, "no attribute type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.n.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, pki.ErrBadSubject) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want ErrBadSubject containing %q", err, tt.want)
			}
		})
	}
}

func TestNameEqual(t *testing.T) {
	a := pki.Name{{atv("C", "US")}, {atv("CN", "a"), atv("UID", "b")}}
	for _, tt := range []struct {
		name string
		o    pki.Name
		want bool
	}{
		{"same", pki.Name{{atv("C", "US")}, {atv("CN", "a"), atv("UID", "b")}}, true},
		{"members swapped", pki.Name{{atv("C", "US")}, {atv("UID", "b"), atv("CN", "a")}}, true},
		{"other tag", pki.Name{{tagged("C", "US", asn1.TagUTF8String)}, {atv("CN", "a"), atv("UID", "b")}}, true},
		{"rdns swapped", pki.Name{{atv("CN", "a"), atv("UID", "b")}, {atv("C", "US")}}, false},
		{"other value", pki.Name{{atv("C", "us")}, {atv("CN", "a"), atv("UID", "b")}}, false},
		{"split rdn", pki.Name{{atv("C", "US")}, {atv("CN", "a")}, {atv("UID", "b")}}, false},
		{"duplicate member", pki.Name{{atv("C", "US")}, {atv("CN", "a"), atv("CN", "a")}}, false},
		{"nil", nil, false},
	} {
		if got := a.Equal(tt.o); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNameMarshalJSON(t *testing.T) {
	n := pki.Name{{atv("C", "US")}, {atv("CN", `a"b`), atv("UID", "u")}, {atv("1.2.3.4", "x")}}
	got, err := n.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `[[{"type":"C","oid":"2.5.4.6","value":"US"}],` +
		`[{"type":"CN","oid":"2.5.4.3","value":"a\"b"},{"type":"UID","oid":"0.9.2342.19200300.100.1.1","value":"u"}],` +
		`[{"type":"1.2.3.4","oid":"1.2.3.4","value":"x"}]]`
	if string(got) != want {
		t.Errorf("MarshalJSON = %s\nwant          %s", got, want)
	}
	if got, _ := pki.Name(nil).MarshalJSON(); string(got) != "[]" {
		t.Errorf("empty MarshalJSON = %s, want []", got)
	}
}
