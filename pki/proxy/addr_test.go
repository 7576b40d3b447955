package proxy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestListenAddr(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "443", ""},
		{"8443", "8443", ""},
		{"0443", "443", ""},
		{"192.0.2.1:443", "192.0.2.1:443", ""},
		{"[2001:db8::1]:443", "[2001:db8::1]:443", ""},
		{"[::]:443", "[::]:443", ""},
		{"65536", "", "outside 1..65535"},
		{"2001:db8::1:443", "", "in brackets"},
		{"[2001:db8::1]", "", "missing :PORT"},
		{"[2001:db8::1]x", "", "want [IPv6]:PORT"},
		{"[2001:db8::1:443", "", "missing ]"},
		{"proxy:443", "", "not an IP address"},
		{"192.0.2.1:", "", "not a decimal number"},
		{"[fe80::1%eth0]:443", "", "IPv6 zone"},
		{"[fe80::1%x\nhttp_access allow all]:443", "", "IPv6 zone"},
		{"0x1bb", "", "not an IP address"},
		{"192.0.2.1:+443", "", "not a decimal number"},
	}
	for _, tc := range tests {
		got, err := listenAddr(tc.in, 443)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("listenAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("listenAddr(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.err)
		}
	}
}

func TestSquidDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Second, "1 second"},
		{59 * time.Second, "59 seconds"},
		{time.Minute, "1 minute"},
		{90 * time.Minute, "90 minutes"},
		{10 * time.Hour, "10 hours"},
		{24 * time.Hour, "1 day"},
		{7 * 24 * time.Hour, "7 days"},
	}
	for _, tc := range tests {
		if got, err := squidDuration("x", tc.d); err != nil || got != tc.want {
			t.Errorf("squidDuration(%v) = %q, %v; want %q", tc.d, got, err, tc.want)
		}
	}
	for _, d := range []time.Duration{0, -time.Second, time.Millisecond, 1500 * time.Millisecond} {
		if got, err := squidDuration("x", d); !errors.Is(err, ErrBadValue) {
			t.Errorf("squidDuration(%v) = %q, %v; want ErrBadValue", d, got, err)
		}
	}
}

func TestCheckHostName(t *testing.T) {
	for _, ok := range []string{"engine.example.com", "engine", "engine.example.com.", "192.0.2.1", "2001:db8::1", "a-b.example"} {
		if err := checkHostName(ok); err != nil {
			t.Errorf("checkHostName(%q): %v", ok, err)
		}
	}
	long := ""
	for range 64 {
		long += "a"
	}
	for _, bad := range []string{"", "-a.example", "a-.example", "a..example", "a_b.example", "a b", long + ".example", "é.example", "engine.example.com..", "*.example.com", "a\x00.example",
		"fe80::1%eth0", "fe80::1%x\nhttp_access allow all"} {
		if err := checkHostName(bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("checkHostName(%q): %v, want ErrBadValue", bad, err)
		}
	}
}

// TestHostNameWildcard: a host to connect to never has a wildcard, and
// every caller says so, not the rule of a certificate's names ("only as
// the whole leftmost label"), which "*.example.com" already follows.
func TestHostNameWildcard(t *testing.T) {
	portal := func(change func(c *PortalConfig)) func() error {
		return func() error {
			c := etcSquid
			change(&c)
			_, err := RenderPortal(c)
			return err
		}
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"portal engine", portal(func(c *PortalConfig) { c.Engine = "*.example.com" })},
		{"portal engine address", portal(func(c *PortalConfig) { c.EngineAddress = "*.example.com" })},
		{"portal proxy name", portal(func(c *PortalConfig) { c.ProxyName = "*.example.com" })},
		{"websocket host", func() error { _, err := CheckWebsocketHost("*.example.com"); return err }},
		{"SPICE proxy", func() error { _, err := ParseSpiceProxy("http://*.example.com:3128"); return err }},
		{"engine URL", func() error { _, err := EngineCertificateURL("*.example.com"); return err }},
		{"check", func() error { return checkHostName("w*.example.com") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), "has a wildcard, which is not allowed in a host name") ||
				strings.Contains(err.Error(), "leftmost") {
				t.Errorf("error %v: want ErrBadValue saying a host name has no wildcard", err)
			}
		})
	}
}
