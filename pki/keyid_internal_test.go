package pki

import (
	"bytes"
	"math/big"
	"testing"
)

// TestAuthorityKeyIDRoundTrip: what extension encodes, parseAuthorityKeyID
// reads back, field by field, with any of the three fields left out.
func TestAuthorityKeyIDRoundTrip(t *testing.T) {
	t.Parallel()
	name := []byte{0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 't', 'e', 's', 't'}
	for _, tc := range []struct {
		name string
		aki  AuthorityKeyID
	}{
		{"all three", AuthorityKeyID{KeyID: []byte{1, 2, 3}, Issuer: name, Serial: big.NewInt(0x1000)}},
		{"key id only", AuthorityKeyID{KeyID: []byte{9}}},
		{"name and serial", AuthorityKeyID{Issuer: name, Serial: big.NewInt(1)}},
		{"serial with the top bit set", AuthorityKeyID{KeyID: []byte{1}, Serial: big.NewInt(0x80)}},
		{"serial only", AuthorityKeyID{Serial: new(big.Int).Lsh(big.NewInt(1), 150)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ext, err := tc.aki.extension()
			if err != nil {
				t.Fatal(err)
			}
			if ext.Critical || !ext.Id.Equal(oidAuthorityKeyID) {
				t.Errorf("extension %v critical=%v", ext.Id, ext.Critical)
			}
			got, err := parseAuthorityKeyID(ext.Value)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.KeyID, tc.aki.KeyID) || !bytes.Equal(got.Issuer, tc.aki.Issuer) ||
				(got.Serial == nil) != (tc.aki.Serial == nil) || (got.Serial != nil && got.Serial.Cmp(tc.aki.Serial) != 0) {
				t.Errorf("read back %+v, want %+v", got, tc.aki)
			}
		})
	}
}

// TestParseAuthorityKeyIDRefusesMalformed: a malformed extension is an
// error, never a panic or a half-read identifier taken as whole.
func TestParseAuthorityKeyIDRefusesMalformed(t *testing.T) {
	t.Parallel()
	for name, value := range map[string][]byte{
		"empty":              nil,
		"not a sequence":     {0x04, 0x01, 0x00},
		"trailing bytes":     {0x30, 0x00, 0x00},
		"universal field":    {0x30, 0x03, 0x04, 0x01, 0x00},
		"non-minimal serial": {0x30, 0x04, 0x82, 0x02, 0x00, 0x01},
		"truncated issuer":   {0x30, 0x04, 0xa1, 0x02, 0xa4, 0x05},
	} {
		if _, err := parseAuthorityKeyID(value); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseAuthorityKeyID: any extension value parses or fails, without
// panicking, and what parses encodes back to something that parses alike.
func FuzzParseAuthorityKeyID(f *testing.F) {
	ext, _ := AuthorityKeyID{KeyID: []byte{1, 2}, Issuer: []byte{0x30, 0x00}, Serial: big.NewInt(0x1000)}.extension()
	f.Add(ext.Value)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, value []byte) {
		aki, err := parseAuthorityKeyID(value)
		if err != nil {
			return
		}
		ext, err := aki.extension()
		if err != nil {
			return // a negative serial, say, is read but not written
		}
		again, err := parseAuthorityKeyID(ext.Value)
		if err != nil || !bytes.Equal(again.KeyID, aki.KeyID) || !bytes.Equal(again.Issuer, aki.Issuer) {
			t.Fatalf("round trip of %x: %+v then %+v (%v)", value, aki, again, err)
		}
	})
}
