package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// TestSignValidatesRequestNames: the request's SANs and subject go through
// the same rules as --san and --subject. Each hostile request of the
// corpus is refused naming the request file and the bad name escaped, and
// the store is byte-identical.
func TestSignValidatesRequestNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		want string
		is   error
	}{
		{"req-san-bare-wildcard.req", `DNS name "*"`, pki.ErrBadSAN},
		{"req-san-nul.req", `"www.bank.example\x00.evil.example"`, pki.ErrBadSAN},
		{"req-san-space.req", `' ' is not allowed`, pki.ErrBadSAN},
		{"req-san-esc.req", `"\x1b[2Jproxy.example.com"`, pki.ErrBadSAN},
		{"req-san-osc.req", `"\x1b]0;pwned\aproxy.example.com"`, pki.ErrBadSAN},
		{"req-san-empty-label.req", "empty label", pki.ErrBadSAN},
		{"req-san-multi-wildcard.req", `"*.*.example.com"`, pki.ErrBadSAN},
		{"req-san-tld-wildcard.req", "at least two labels", pki.ErrBadSAN},
		{"req-san-trailing-dot.req", "ends with a dot", pki.ErrBadSAN},
		{"req-san-underscore.req", "'_' is not allowed", pki.ErrBadSAN},
		{"req-san-long-label.req", "longer than 253", pki.ErrBadSAN},
		{"req-san-email-bad.req", "email address", pki.ErrBadSAN},
		{"req-san-uri-relative.req", "not absolute", pki.ErrBadSAN},
		{"req-subject-country-lowercase.req", `"us" is not a country code`, dn.ErrInvalid},
		{"req-subject-cn-wildcard.req", "subject CN", dn.ErrInvalid},
		{"req-subject-cn-trailing-dot.req", "ends with a dot", dn.ErrInvalid},
		{"req-subject-email-bad.req", "has no @", dn.ErrInvalid},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			data, err := os.ReadFile(filepath.Join(badCorpus, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			pkitest.WriteFile(t, s.RequestPath("proxy"), data, 0o644)
			before := pkitest.Snapshot(t, s.Dir())
			_, err = s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), s.RequestPath("proxy")) {
				t.Fatalf("Sign = %v, want %v naming %s and %q", err, tc.is, s.RequestPath("proxy"), tc.want)
			}
			assertNoControl(t, err.Error())
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestSignProfileRefusals: key usages RFC 5280 and RFC 8813 forbid in a
// leaf, and anyExtendedKeyUsage, are refused before anything is written.
func TestSignProfileRefusals(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, ku, eku string
		ecKey         bool
		want          string
	}{
		{name: "keyCertSign", ku: "digitalSignature,keyCertSign", want: "keyCertSign"},
		{name: "cRLSign", ku: "cRLSign", want: "cRLSign"},
		{name: "encipherOnly alone", ku: "digitalSignature,encipherOnly", ecKey: true, want: "keyAgreement"},
		{name: "decipherOnly alone", ku: "decipherOnly", want: "keyAgreement"},
		{name: "keyEncipherment on EC", ku: "digitalSignature,keyEncipherment", ecKey: true, want: "RFC 8813"},
		{name: "keyAgreement on RSA", ku: "keyAgreement", want: "RSA"},
		{name: "anyExtendedKeyUsage", eku: "serverAuth,anyExtendedKeyUsage", want: "anyExtendedKeyUsage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			if tc.ecKey {
				der, err := pki.CreateRequest(ec, pki.RequestTemplate{Subject: pkitest.Name(t, pkitest.EngineProxySubject)})
				if err != nil {
					t.Fatal(err)
				}
				pkitest.WriteFile(t, s.RequestPath("proxy"), pki.EncodeRequestPEM(der), 0o644)
			} else {
				pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			}
			req := pki.SignRequest{Name: "proxy"}
			var err error
			if tc.ku != "" {
				if req.KeyUsage, err = pki.ParseKeyUsage(tc.ku); err != nil {
					t.Fatal(err)
				}
			}
			if tc.eku != "" {
				if req.ExtKeyUsage, err = pki.ParseExtKeyUsage(tc.eku); err != nil {
					t.Fatal(err)
				}
			}
			before := pkitest.Snapshot(t, s.Dir())
			_, err = s.Sign(t.Context(), req)
			if !errors.Is(err, pki.ErrBadUsage) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Sign = %v, want ErrBadUsage containing %q", err, tc.want)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestSignECDefaultKeyUsage: an EC key gets digitalSignature alone by
// default (RFC 8813), keyAgreement when asked; RSA keeps keyEncipherment.
func TestSignECDefaultKeyUsage(t *testing.T) {
	t.Parallel()
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			t.Parallel()
			key, err := ecdsa.GenerateKey(curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			s := pkitest.NewStore(t)
			der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: pkitest.Name(t, pkitest.EngineProxySubject)})
			if err != nil {
				t.Fatal(err)
			}
			pkitest.WriteFile(t, s.RequestPath("proxy"), pki.EncodeRequestPEM(der), 0o644)
			is, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if err != nil {
				t.Fatal(err)
			}
			if is.Certificate.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("key usage %b, want digitalSignature alone", is.Certificate.KeyUsage)
			}
		})
	}
}

// TestListItemsNotEmpty: an empty item in a --ku, --eku or --san list is an
// error, not skipped (an unset variable in a script).
func TestListItemsNotEmpty(t *testing.T) {
	t.Parallel()
	for _, ku := range []string{"digitalSignature,,", ",digitalSignature", "digitalSignature, ,keyEncipherment"} {
		if _, err := pki.ParseKeyUsage(ku); !errors.Is(err, pki.ErrBadUsage) || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("ParseKeyUsage(%q) = %v, want an empty item error", ku, err)
		}
	}
	for _, eku := range []string{"serverAuth,", ",,serverAuth"} {
		if _, err := pki.ParseExtKeyUsage(eku); !errors.Is(err, pki.ErrBadUsage) || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("ParseExtKeyUsage(%q) = %v, want an empty item error", eku, err)
		}
	}
	for _, san := range []string{"DNS:a.example.com,,", ",DNS:a.example.com"} {
		if _, err := pki.ParseSANs(san); !errors.Is(err, pki.ErrBadSAN) {
			t.Errorf("ParseSANs(%q) = %v, want ErrBadSAN", san, err)
		}
	}
}

// TestSignSerialPast20Octets: a serial.txt whose value needs more than 20
// octets, or that would pass 20 octets after the batch, is refused before
// signing, with nothing written (RFC 5280 4.1.2.2).
func TestSignSerialPast20Octets(t *testing.T) {
	t.Parallel()
	max20 := "7F" + strings.Repeat("F", 38)
	for _, tc := range []struct {
		name, serial string
		batch        int
		ok           bool
	}{
		{"40 F's", strings.Repeat("F", 40), 1, false},
		{"last 20-octet serial", max20, 1, false},
		{"batch passes 20 octets", "7F" + strings.Repeat("F", 37) + "E", 2, false},
		{"batch ends below", "7F" + strings.Repeat("F", 37) + "D", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			var reqs []pki.SignRequest
			for i := range tc.batch {
				name := "proxy" + string(rune('a'+i))
				pkitest.WriteRequest(t, s, name, pkitest.EngineProxySubject)
				reqs = append(reqs, pki.SignRequest{Name: name})
			}
			pkitest.WriteFile(t, s.SerialPath(), []byte(tc.serial+"\n"), 0o644)
			before := pkitest.Snapshot(t, s.Dir())
			issued, err := s.SignBatch(t.Context(), reqs)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				last := issued[len(issued)-1].Certificate.SerialNumber
				if last.BitLen() > 159 {
					t.Errorf("issued serial of %d bits", last.BitLen())
				}
				return
			}
			if !errors.Is(err, pki.ErrBadStore) || !strings.Contains(err.Error(), "20 octets") {
				t.Fatalf("SignBatch = %v, want ErrBadStore naming 20 octets", err)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}
