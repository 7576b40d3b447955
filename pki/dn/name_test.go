package dn_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/dn"
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
func atv(typ, value string) dn.Attribute {
	oid, ok := nameTestOIDs[typ]
	if !ok {
		panic("nameTestOIDs has no " + typ)
	}
	return dn.Attribute{Type: oid, Value: value}
}

// tagged returns the attribute typ=value encoded with tag.
func tagged(typ, value string, tag int) dn.Attribute {
	a := atv(typ, value)
	a.Tag = tag
	return a
}

func mustParse(t *testing.T, s string) dn.Name {
	t.Helper()
	n, err := dn.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return n
}

// assertSameName fails unless got equals want, also in the order of the
// members of multi-valued RDNs, which Equal ignores.
func assertSameName(t *testing.T, got, want dn.Name) {
	t.Helper()
	if !got.Equal(want) || got.String() != want.String() {
		t.Errorf("name = %s (%#v), want %s", got, got, want)
	}
}

var exampleName = dn.Name{{atv("C", "US")}, {atv("O", "Example Inc.")}, {atv("CN", "engine.example.com.81108")}}

func TestNameDERRoundTripKeepsOrderAndTags(t *testing.T) {
	n := dn.Name{
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
	got, err := dn.ParseDER(der)
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
	a, err := dn.Name{{atv("DC", "example"), atv("UID", "u1")}}.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	b, err := dn.Name{{atv("UID", "u1"), atv("DC", "example")}}.MarshalDER()
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
	der, err := dn.Name{{atv("C", "US")}, {atv("CN", "x")}}.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(der); got != want {
		t.Errorf("MarshalDER = %s, want %s", got, want)
	}
}

func TestNameMarshalDERErrors(t *testing.T) {
	for _, n := range []dn.Name{
		{{tagged("CN", "é", asn1.TagPrintableString)}},
		{{tagged("CN", "é", asn1.TagIA5String)}},
		{{tagged("CN", "x", asn1.TagInteger)}},
		{{atv("CN", "\xff")}},
	} {
		if _, err := n.MarshalDER(); !errors.Is(err, dn.ErrInvalid) || !strings.Contains(err.Error(), "subject attribute CN") {
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
			if n, err := dn.ParseDER(der); !errors.Is(err, dn.ErrInvalid) {
				t.Errorf("ParseDER = %v, %v; want ErrInvalid", n, err)
			}
		})
	}
}

func TestNameFromCertificateError(t *testing.T) {
	c := &x509.Certificate{SerialNumber: big.NewInt(4096), RawSubject: []byte{0x30, 0x03, 0x31, 0x01}}
	if _, err := dn.FromCertificate(c); !errors.Is(err, dn.ErrInvalid) || !strings.Contains(err.Error(), "certificate serial 4096") {
		t.Errorf("FromCertificate error = %v", err)
	}
}

func TestDeriveSubject(t *testing.T) {
	tests := []struct {
		name string
		ca   dn.Name
		cn   string
		want dn.Name
	}{
		{"example", exampleName, "proxy.example.com",
			dn.Name{{atv("C", "US")}, {atv("O", "Example Inc.")}, {atv("CN", "proxy.example.com")}}},
		{"cn in multi-valued rdn",
			dn.Name{{atv("C", "US")}, {atv("CN", "ca"), atv("UID", "u1")}, {atv("OU", "Engines")}},
			"p", dn.Name{{atv("C", "US")}, {atv("UID", "u1")}, {atv("OU", "Engines")}, {atv("CN", "p")}}},
		{"several cns", dn.Name{{atv("CN", "a")}, {atv("O", "o")}, {atv("CN", "b")}}, "p",
			dn.Name{{atv("O", "o")}, {atv("CN", "p")}}},
		{"no cn", dn.Name{{atv("O", "o")}}, "p", dn.Name{{atv("O", "o")}, {atv("CN", "p")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dn.Derive(tt.ca, tt.cn)
			if err != nil {
				t.Fatal(err)
			}
			assertSameName(t, got, tt.want)
		})
	}
	t.Run("keeps tags", func(t *testing.T) {
		got, err := dn.Derive(dn.Name{{tagged("O", "Old", asn1.TagPrintableString)}, {atv("CN", "ca")}}, "p")
		if err != nil {
			t.Fatal(err)
		}
		if got[0][0].Tag != asn1.TagPrintableString {
			t.Errorf("tag of O = %d, want PrintableString", got[0][0].Tag)
		}
	})
	for _, cn := range []string{"", strings.Repeat("a", 65), "a\nb"} {
		if _, err := dn.Derive(exampleName, cn); !errors.Is(err, dn.ErrInvalid) || !strings.Contains(err.Error(), "subject attribute CN") {
			t.Errorf("Derive(%q) error = %v, want one naming CN", cn, err)
		}
	}
}

func TestNameCommonName(t *testing.T) {
	for _, tt := range []struct {
		n    dn.Name
		want string
	}{
		{exampleName, "engine.example.com.81108"},
		{dn.Name{{atv("CN", "a")}, {atv("UID", "u"), atv("CN", "b")}, {atv("O", "o")}}, "b"},
		{dn.Name{{atv("O", "o")}}, ""},
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
		n    dn.Name
		want string // "" for valid
	}{
		{"ok", exampleName, ""},
		{"dotted oid", dn.Name{{atv("1.2.3.4", "x")}}, ""},
		{"empty name", dn.Name{}, "subject is empty"},
		{"empty rdn", dn.Name{{atv("C", "US")}, {}}, "subject RDN 2 is empty"},
		{"empty value", dn.Name{{atv("O", "")}}, "subject attribute O: empty value"},
		{"bad country", dn.Name{{atv("C", "USA")}}, `subject attribute C: "USA" is not a country code: two uppercase letters (ISO 3166): invalid subject`},
		{"digit country", dn.Name{{atv("C", "U1")}}, "subject attribute C: \"U1\" is not a country code: two uppercase letters (ISO 3166)"},
		{"cn too long", dn.Name{{atv("CN", strings.Repeat("é", 65))}}, "subject attribute CN: value longer than 64 characters (65)"},
		{"cn 64 runes ok", dn.Name{{atv("CN", strings.Repeat("é", 64))}}, ""},
		{"locality too long", dn.Name{{atv("L", strings.Repeat("a", 129))}}, "subject attribute L: value longer than 128"},
		{"email too long", dn.Name{{atv("emailAddress", strings.Repeat("a", 129))}}, "subject attribute emailAddress: value longer than 128"},
		{"control", dn.Name{{atv("CN", "a\tb")}}, "subject attribute CN: \"a\\tb\" contains control character U+0009"},
		{"del", dn.Name{{atv("CN", "a\x7f")}}, "control character U+007F"},
		{"right-to-left override", dn.Name{{atv("CN", "a\u202eb")}}, "U+202E, an invisible or direction-changing character"},
		{"zero width space", dn.Name{{atv("O", "a\u200bb")}}, "U+200B, an invisible or direction-changing character"},
		{"invalid utf8", dn.Name{{atv("CN", "a\xff")}}, "subject attribute CN: \"a\\xff\" is not valid UTF-8"},
		{"email not ia5", dn.Name{{atv("emailAddress", "é@x")}}, "subject attribute emailAddress: \"é@x\" contains 'é', which IA5String cannot hold"},
		{"serial not printable", dn.Name{{atv("serialNumber", "a_b")}}, "subject attribute serialNumber: \"a_b\" contains '_', which PrintableString cannot hold"},
		{"explicit tag", dn.Name{{tagged("CN", "a*b", asn1.TagPrintableString)}}, "subject attribute CN: \"a*b\" contains '*'"},
		{"unsupported tag", dn.Name{{tagged("CN", "x", asn1.TagInteger)}}, "subject attribute CN: unsupported string type"},
		{"no type", dn.Name{{dn.Attribute{Value: "x"}}}, "no attribute type"},
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
			if !errors.Is(err, dn.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

func TestNameEqual(t *testing.T) {
	a := dn.Name{{atv("C", "US")}, {atv("CN", "a"), atv("UID", "b")}}
	for _, tt := range []struct {
		name string
		o    dn.Name
		want bool
	}{
		{"same", dn.Name{{atv("C", "US")}, {atv("CN", "a"), atv("UID", "b")}}, true},
		{"members swapped", dn.Name{{atv("C", "US")}, {atv("UID", "b"), atv("CN", "a")}}, true},
		{"other tag", dn.Name{{tagged("C", "US", asn1.TagUTF8String)}, {atv("CN", "a"), atv("UID", "b")}}, true},
		{"rdns swapped", dn.Name{{atv("CN", "a"), atv("UID", "b")}, {atv("C", "US")}}, false},
		{"other value", dn.Name{{atv("C", "us")}, {atv("CN", "a"), atv("UID", "b")}}, false},
		{"split rdn", dn.Name{{atv("C", "US")}, {atv("CN", "a")}, {atv("UID", "b")}}, false},
		{"duplicate member", dn.Name{{atv("C", "US")}, {atv("CN", "a"), atv("CN", "a")}}, false},
		{"nil", nil, false},
	} {
		if got := a.Equal(tt.o); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNameMarshalJSON(t *testing.T) {
	n := dn.Name{{atv("C", "US")}, {atv("CN", `a"b`), atv("UID", "u")}, {atv("1.2.3.4", "x")}}
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
	if got, _ := dn.Name(nil).MarshalJSON(); string(got) != "[]" {
		t.Errorf("empty MarshalJSON = %s, want []", got)
	}
}

func TestDeriveFrom(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caName := mustParse(t, "/C=US/O=Example Inc./CN=engine.example.com.81108")
	raw, err := caName.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), RawSubject: raw, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dn.DeriveFrom(ca, "proxy.example.com")
	if err != nil || got.String() != "/C=US/O=Example Inc./CN=proxy.example.com" {
		t.Errorf("DeriveFrom = %v, %v", got, err)
	}
	if _, err := dn.DeriveFrom(ca, ""); !errors.Is(err, dn.ErrInvalid) {
		t.Errorf("DeriveFrom with an empty CN: %v, want ErrInvalid", err)
	}
}

// TestFromCertificateNil: a nil certificate is ErrInvalid, not a panic,
// for FromCertificate and DeriveFrom (which host.NewCSR calls with the CA).
func TestFromCertificateNil(t *testing.T) {
	if _, err := dn.FromCertificate(nil); !errors.Is(err, dn.ErrInvalid) {
		t.Errorf("dn.FromCertificate(nil): %v", err)
	}
	if _, err := dn.DeriveFrom(nil, "proxy.example.com"); !errors.Is(err, dn.ErrInvalid) {
		t.Errorf("DeriveFrom(nil): %v", err)
	}
}
