package pki_test

import (
	"errors"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
)

func TestParseSANs(t *testing.T) {
	good := []struct{ in, want string }{
		{"", ""},
		{"DNS:proxy.example.com", "DNS:proxy.example.com"},
		{"dns:a.example.com, IP:192.0.2.1 ,ip:2001:db8::1", "DNS:a.example.com,IP:192.0.2.1,IP:2001:db8::1"},
		{"email:admin@example.com,URI:https://proxy.example.com/x", "email:admin@example.com,URI:https://proxy.example.com/x"},
		{"DNS:*.example.com", "DNS:*.example.com"},
	}
	for _, tc := range good {
		s, err := pki.ParseSANs(tc.in)
		if err != nil {
			t.Errorf("ParseSANs(%q): %v", tc.in, err)
			continue
		}
		if s.String() != tc.want {
			t.Errorf("ParseSANs(%q).String() = %q, want %q", tc.in, s, tc.want)
		}
	}
	bad := []string{"DNS:", "proxy.example.com", "FOO:bar", "IP:999.1.1.1", "IP:fe80::1%eth0", "DNS:-bad.example.com",
		"DNS:a..b", "email:nobody", "URI:relative/path", "DNS:exa mple.com", ","}
	for _, in := range bad {
		if _, err := pki.ParseSANs(in); !errors.Is(err, pki.ErrBadSAN) {
			t.Errorf("ParseSANs(%q) = %v, want ErrBadSAN", in, err)
		}
	}
}

func TestSANsForCommonName(t *testing.T) {
	cases := []struct{ cn, want string }{
		{"proxy.example.com", "DNS:proxy.example.com"},
		{"192.0.2.10", "IP:192.0.2.10"},
		{"2001:db8::10", "IP:2001:db8::10"},
		{"Proxy Service", ""},
		{"", ""},
	}
	for _, tc := range cases {
		if got := pki.SANsForCommonName(tc.cn).String(); got != tc.want {
			t.Errorf("SANsForCommonName(%q) = %q, want %q", tc.cn, got, tc.want)
		}
	}
}
