package pki_test

import (
	"bytes"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
)

// FuzzParseName checks that ParseName never panics and that every name it
// accepts survives the slash form, RFC 4514 and DER. Seeds are in
// testdata/fuzz/FuzzParseName.
func FuzzParseName(f *testing.F) {
	f.Add("/C=US/O=Example Inc./CN=proxy.example.com")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := pki.ParseName(s)
		if err != nil {
			return
		}
		for _, text := range []string{n.String(), n.RFC4514()} {
			back, err := pki.ParseName(text)
			if err != nil {
				t.Fatalf("ParseName(%q) = %s, but ParseName(%q): %v", s, n, text, err)
			}
			if !back.Equal(n) {
				t.Fatalf("ParseName(%q) = %s, but ParseName(%q) = %s", s, n, text, back)
			}
		}
		der, err := n.MarshalDER()
		if err != nil {
			t.Fatalf("MarshalDER(%s): %v", n, err)
		}
		back, err := pki.ParseDERName(der)
		if err != nil {
			t.Fatalf("ParseDERName(MarshalDER(%s)): %v", n, err)
		}
		if !back.Equal(n) {
			t.Fatalf("DER round trip of %s gave %s", n, back)
		}
		for i, rdn := range back {
			for _, a := range rdn {
				if a.Tag == 0 {
					t.Fatalf("ParseDERName left the tag of %s in RDN %d unset", a.ShortName(), i+1)
				}
			}
		}
		again, err := back.MarshalDER()
		if err != nil || !bytes.Equal(again, der) {
			t.Fatalf("re-encoding %s changed the DER: %x, %v", n, again, err)
		}
		if _, err := pki.ParseOneLine(n.OneLine()); err != nil {
			t.Fatalf("ParseOneLine(%q): %v", n.OneLine(), err)
		}
	})
}
