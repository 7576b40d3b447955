package pki_test

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// TestValidateHostname: RFC 1034 / RFC 5280 host names, refused in one
// message that shows the name escaped.
func TestValidateHostname(t *testing.T) {
	t.Parallel()
	label63 := strings.Repeat("a", 63)
	long := strings.Repeat(label63+".", 4)[:253] // 253 characters, last label 61
	for _, ok := range []string{"engine", "proxy.example.com", "PROXY.Example.COM", "a-b.example", "xn--bcher-kva.example",
		label63 + ".example", long, "1host.example", "a.b.c.d.e.f"} {
		if err := pki.ValidateHostname(ok); err != nil {
			t.Errorf("ValidateHostname(%q): %v", ok, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"", "is empty"},
		// The message of a certificate name ("only as the whole leftmost
		// label") would tell to write what was written.
		{"*", "has a wildcard, which is not allowed in a host name"},
		{"*.example.com", "has a wildcard, which is not allowed in a host name"},
		{"w*.example.com", "has a wildcard, which is not allowed in a host name"},
		{"proxy.example.com.", "ends with a dot"},
		{".example.com", "empty label"},
		{"a..b", "empty label"},
		{label63 + "a.example", "longer than 63"},
		{long + "a", "longer than 253"},
		{"-a.example", "hyphen"},
		{"a-.example", "hyphen"},
		{"a_b.example", "'_' is not allowed"},
		{"a b.example", "' ' is not allowed"},
		{"www.bank.example\x00.evil.example", `"www.bank.example\x00.evil.example"`},
		{"\x1b[2Jproxy.example.com", `"\x1b[2Jproxy.example.com"`},
		{"\x1b]0;t\aproxy", `\a`},
		{"bücher.example", "U+00FC"},
		{"192.0.2.1", "IP address"},
		{"2001:db8::1", "IP address"},
	} {
		err := pki.ValidateHostname(tc.name)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidateHostname(%q) = %v, want an error containing %q", tc.name, err, tc.want)
			continue
		}
		assertNoControl(t, err.Error())
	}
}

// TestValidateDNSName: a wildcard is only the whole leftmost label of a
// name with at least two more labels.
func TestValidateDNSName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"proxy.example.com", "*.example.com", "*.proxy.example.com"} {
		if err := pki.ValidateDNSName(ok); err != nil {
			t.Errorf("ValidateDNSName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"*", "*.", "*.com", "*.*.example.com", "a.*.example.com", "*a.example.com", "**.example.com",
		"*.example.com.", "example.com.", "*..example.com"} {
		if err := pki.ValidateDNSName(bad); err == nil {
			t.Errorf("ValidateDNSName(%q) = nil, want an error", bad)
		}
	}
	// A misplaced wildcard is told where it may go, in every position.
	for _, bad := range []string{"*", "*.*.example.com", "a.*.example.com", "*a.example.com", "**.example.com"} {
		if err := pki.ValidateDNSName(bad); err == nil || !strings.Contains(err.Error(), "only allowed as the whole leftmost label") {
			t.Errorf("ValidateDNSName(%q) = %v, want the wildcard rule", bad, err)
		}
	}
}

// TestSANsValidate: every kind of name, from whatever source, by one set
// of rules; every error wraps ErrBadSAN.
func TestSANsValidate(t *testing.T) {
	t.Parallel()
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	good := pki.SANs{
		DNSNames:       []string{"proxy.example.com", "*.proxy.example.com"},
		IPAddresses:    []net.IP{net.ParseIP("192.0.2.1").To4(), net.ParseIP("2001:db8::1")},
		EmailAddresses: []string{"ops@example.com", "first.last+tag@mail.example.com"},
		URIs:           []*url.URL{mustURL("https://proxy.example.com/x"), mustURL("https://192.0.2.1:8443/"), mustURL("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66")},
	}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(%v): %v", good, err)
	}
	for _, tc := range []struct {
		name string
		sans pki.SANs
		want string
	}{
		{"bare wildcard", pki.SANs{DNSNames: []string{"*"}}, `DNS name "*"`},
		{"NUL", pki.SANs{DNSNames: []string{"a\x00.example.com"}}, `\x00`},
		{"trailing dot", pki.SANs{DNSNames: []string{"example.com."}}, "ends with a dot"},
		{"IP of 5 bytes", pki.SANs{IPAddresses: []net.IP{{1, 2, 3, 4, 5}}}, "5 bytes"},
		{"email without @", pki.SANs{EmailAddresses: []string{"ops"}}, "has no @"},
		{"email two @", pki.SANs{EmailAddresses: []string{"a@b@example.com"}}, "more than one @"},
		{"email bad domain", pki.SANs{EmailAddresses: []string{"ops@example..com"}}, "empty label"},
		{"email space", pki.SANs{EmailAddresses: []string{"o ps@example.com"}}, "' '"},
		{"email ESC", pki.SANs{EmailAddresses: []string{"o\x1bps@example.com"}}, `\x1b`},
		{"URI relative", pki.SANs{URIs: []*url.URL{{Path: "/x"}}}, "not absolute"},
		{"URI no host", pki.SANs{URIs: []*url.URL{{Scheme: "https", Path: "/x"}}}, "no host"},
		{"URI bad host", pki.SANs{URIs: []*url.URL{{Scheme: "https", Host: "a_b.example.com"}}}, "'_'"},
		{"URI control in host", pki.SANs{URIs: []*url.URL{{Scheme: "https", Host: "proxy\x1b.example.com"}}}, "URI"},
		{"URI nil", pki.SANs{URIs: []*url.URL{nil}}, "empty URI"},
	} {
		err := tc.sans.Validate()
		if !errors.Is(err, pki.ErrBadSAN) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want ErrBadSAN containing %q", tc.name, err, tc.want)
			continue
		}
		assertNoControl(t, err.Error())
	}
}

// TestValidateEmailInSubject: C is two uppercase letters (dn.Parse), and
// a subject's emailAddress follows the email rules when signed, from
// --subject as from the request.
func TestValidateEmailInSubject(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ subject, want string }{
		{"/C=us/CN=x", `"us" is not a country code`},
		{"/C=Us/CN=x", "is not a country code"},
	} {
		if _, err := dn.Parse(tc.subject); !errors.Is(err, dn.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("dn.Parse(%q) = %v, want dn.ErrInvalid containing %q", tc.subject, err, tc.want)
		}
	}
	for _, tc := range []struct{ subject, want string }{
		{"/CN=x/emailAddress=not-an-address", "has no @"},
		{"/CN=x/emailAddress=a@b..example", "empty label"},
	} {
		subject, err := dn.Parse(tc.subject)
		if err != nil {
			t.Fatal(err)
		}
		s := pkitest.NewStore(t)
		pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
		before := pkitest.Snapshot(t, s.Dir())
		_, err = s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Subject: subject})
		if !errors.Is(err, dn.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Sign with --subject %q = %v, want dn.ErrInvalid containing %q", tc.subject, err, tc.want)
		}
		pkitest.AssertUnchanged(t, s.Dir(), before)
	}
}

// assertNoControl fails when msg holds a control character: names are
// escaped before they reach an error line.
func assertNoControl(t *testing.T, msg string) {
	t.Helper()
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Errorf("error %q holds control character %U", msg, r)
			return
		}
	}
}

// FuzzValidateHostname: the name rules never panic, never accept a name
// with a byte outside letters, digits, hyphens, dots (and a leading "*."
// for ValidateDNSName), and never put a control character in an error.
func FuzzValidateHostname(f *testing.F) {
	for _, s := range []string{"proxy.example.com", "*.example.com", "*", "a..b", "a\x00b", "\x1b[2J", "example.com.", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, check := range []func(string) error{pki.ValidateHostname, pki.ValidateDNSName} {
			err := check(name)
			if err != nil {
				assertNoControl(t, err.Error())
				continue
			}
			rest := strings.TrimPrefix(name, "*.")
			if len(rest) > 253 || strings.HasSuffix(rest, ".") || strings.Trim(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != "" {
				t.Errorf("accepted %q", name)
			}
		}
	})
}

// FuzzSANsValidate: names that ParseSANs accepts pass SANs.Validate (the
// flag and the request meet one set of rules), and no error holds a
// control character.
func FuzzSANsValidate(f *testing.F) {
	for _, s := range []string{"DNS:proxy.example.com", "email:a@example.com", "URI:https://x.example/", "IP:192.0.2.1", "DNS:*", "URI:urn:x:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		sans, err := pki.ParseSANs(list)
		if err != nil {
			assertNoControl(t, err.Error())
			return
		}
		if err := sans.Validate(); err != nil {
			t.Errorf("ParseSANs(%q) accepted what Validate refuses: %v", list, err)
		}
	})
}

// FuzzValidateEmail: never panics, errors are escaped.
func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"ops@example.com", "@", "a@b@c", "a\x00@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if err := pki.ValidateEmail(addr); err != nil {
			assertNoControl(t, err.Error())
		}
	})
}
