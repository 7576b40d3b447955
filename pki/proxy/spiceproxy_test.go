package proxy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSpiceProxy(t *testing.T) {
	tests := []struct {
		in       string
		want     SpiceProxy
		str      string
		warnings []string // substrings, one per warning
	}{
		{"http://proxy.example.com:3128", SpiceProxy{"http", "proxy.example.com", 3128}, "http://proxy.example.com:3128", nil},
		{"HTTP://proxy.example.com:3128", SpiceProxy{"http", "proxy.example.com", 3128}, "http://proxy.example.com:3128", nil},
		{"https://proxy.example.com:3129", SpiceProxy{"https", "proxy.example.com", 3129}, "https://proxy.example.com:3129", []string{"operating system's trust store"}},
		{"proxy.example.com:3128", SpiceProxy{"", "proxy.example.com", 3128}, "proxy.example.com:3128", []string{"no protocol"}},
		{"http://proxy.example.com", SpiceProxy{"http", "proxy.example.com", 0}, "http://proxy.example.com", []string{"no port"}},
		{"proxy", SpiceProxy{"", "proxy", 0}, "proxy", []string{"no protocol", "no port"}},
		{"http://192.0.2.20:3128", SpiceProxy{"http", "192.0.2.20", 3128}, "http://192.0.2.20:3128", nil},
		{"http://[2001:db8::20]:3128", SpiceProxy{"http", "2001:db8::20", 3128}, "http://[2001:db8::20]:3128", nil},
		{"http://proxy.example.com.:3128", SpiceProxy{"http", "proxy.example.com", 3128}, "http://proxy.example.com:3128", nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParseSpiceProxy(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if p != tc.want || p.String() != tc.str {
				t.Errorf("got %+v (%s), want %+v (%s)", p, p, tc.want, tc.str)
			}
			w := p.Warnings()
			if len(w) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %d", w, len(tc.warnings))
			}
			for i := range w {
				if !strings.Contains(w[i], tc.warnings[i]) {
					t.Errorf("warning %q, want %q", w[i], tc.warnings[i])
				}
			}
		})
	}
}

func TestParseSpiceProxyBad(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"http://h:99999", `SPICE proxy "http://h:99999": port 99999 is outside 1..65535`},
		{"http://h:0", "port 0 is outside"},
		{"http://h:abc", `port "abc" is not a decimal number`},
		{"http://h:", `port "" is not a decimal number`},
		{"http://h:0x10", `port "0x10" is not a decimal number`},
		{"http://h:+3128", `port "+3128" is not a decimal number`},
		{"socks5://h:1080", `protocol "socks5": want http`},
		{"http://", "no host"},
		{"http://h:3128/path", "without a path"},
		{"http://user:pw@h:3128", "credentials"},
		{"http://2001:db8::1:3128", "in brackets"},
		{"http://[192.0.2.1]:3128", "not an IPv6 address"},
		{"http://bad_host:3128", `'_' is not allowed`},
		{" http://h:3128", "white space"},
		// The zone would go unquoted into the printed engine-config line.
		{"http://[fe80::1%x';reboot;']:3128", "IPv6 zone"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParseSpiceProxy(tc.in)
			if err == nil {
				t.Fatalf("accepted as %+v", p)
			}
			if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line with %q", err, tc.want)
			}
			if strings.Count(err.Error(), ErrBadValue.Error()) != 1 {
				t.Errorf("error %q repeats %q", err, ErrBadValue)
			}
		})
	}
}

func TestResolveSpiceProxy(t *testing.T) {
	all := SpiceProxySettings{Global: "http://g:3128", Cluster: "http://c:3128", Pool: "http://p:3128"}
	tests := []struct {
		name   string
		s      SpiceProxySettings
		want   string
		source SpiceProxySource
	}{
		{"nothing", SpiceProxySettings{}, "", SourceNone},
		{"global", SpiceProxySettings{Global: "http://g:3128"}, "http://g:3128", SourceGlobal},
		{"cluster over global", SpiceProxySettings{Global: "http://g:3128", Cluster: "http://c:3128"}, "http://c:3128", SourceCluster},
		{"pool over all", all, "http://p:3128", SourcePool},
		{"pool without cluster", SpiceProxySettings{Global: "http://g:3128", Pool: "http://p:3128"}, "http://p:3128", SourcePool},
		{"blank pool is unset", SpiceProxySettings{Cluster: "http://c:3128", Pool: "  "}, "http://c:3128", SourceCluster},
		{"disabled for the VM", SpiceProxySettings{Global: all.Global, Cluster: all.Cluster, Pool: all.Pool, DisabledForVM: true}, "", SourceVM},
		{"disabled, nothing set", SpiceProxySettings{DisabledForVM: true}, "", SourceVM},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, source := ResolveSpiceProxy(tc.s)
			if got != tc.want || source != tc.source {
				t.Errorf("got %q from %s, want %q from %s", got, source, tc.want, tc.source)
			}
		})
	}
}

func TestEngineConfigCommands(t *testing.T) {
	tests := []struct{ in, on string }{
		{"http://proxy.example.com:3128", "engine-config -s SpiceProxyDefault=http://proxy.example.com:3128"},
		{"http://[2001:db8::20]:3128", "engine-config -s SpiceProxyDefault='http://[2001:db8::20]:3128'"},
	}
	for _, tc := range tests {
		p, err := ParseSpiceProxy(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		on, off := EngineConfigCommands(p)
		if on != tc.on || off != "engine-config -s SpiceProxyDefault=" {
			t.Errorf("%s: on %q, off %q", tc.in, on, off)
		}
	}
}
