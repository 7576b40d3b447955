package dn_test

import (
	"bytes"
	"testing"

	"github.com/pkienroll/pkienroll/pki/dn"
)

// FuzzParse checks that Parse never panics and that every name it
// accepts survives the slash form, RFC 4514 and DER. Seeds are in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add("/C=US/O=Example Inc./CN=proxy.example.com")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := dn.Parse(s)
		if err != nil {
			return
		}
		for _, text := range []string{n.String(), n.RFC4514()} {
			back, err := dn.Parse(text)
			if err != nil {
				t.Fatalf("Parse(%q) = %s, but Parse(%q): %v", s, n, text, err)
			}
			if !back.Equal(n) {
				t.Fatalf("Parse(%q) = %s, but Parse(%q) = %s", s, n, text, back)
			}
		}
		der, err := n.MarshalDER()
		if err != nil {
			t.Fatalf("MarshalDER(%s): %v", n, err)
		}
		back, err := dn.ParseDER(der)
		if err != nil {
			t.Fatalf("ParseDER(MarshalDER(%s)): %v", n, err)
		}
		if !back.Equal(n) {
			t.Fatalf("DER round trip of %s gave %s", n, back)
		}
		for i, rdn := range back {
			for _, a := range rdn {
				if a.Tag == 0 {
					t.Fatalf("ParseDER left the tag of %s in RDN %d unset", a.ShortName(), i+1)
				}
			}
		}
		again, err := back.MarshalDER()
		if err != nil || !bytes.Equal(again, der) {
			t.Fatalf("re-encoding %s changed the DER: %x, %v", n, again, err)
		}
		if _, err := dn.ParseOneLine(n.OneLine()); err != nil {
			t.Fatalf("ParseOneLine(%q): %v", n.OneLine(), err)
		}
	})
}
