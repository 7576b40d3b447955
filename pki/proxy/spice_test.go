package proxy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// spiceConf is a SPICE proxy with its required networks.
func spiceConf(listen string) SpiceConfig {
	return SpiceConfig{Listen: listen, Clients: []string{"198.51.100.0/24"}, Hypervisors: []string{"192.0.2.0/24"}}
}

func TestRenderSpiceGolden(t *testing.T) {
	got, err := RenderSpice(SpiceConfig{
		Clients:     []string{"198.51.100.0/24", "2001:db8:1::/48"},
		Hypervisors: []string{"192.0.2.0/24", "2001:db8:2::/64", ".hv.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pkitest.Golden(t, "testdata/squid-spice.golden", string(got), *update)
}

func TestRenderSpiceTLSGolden(t *testing.T) {
	c := spiceConf("192.0.2.30:3129")
	c.TLS = &SpiceTLS{CertFile: "/etc/squid/spice-proxy.cer", KeyFile: "/etc/squid/spice-proxy.key", CAFile: "/etc/squid/ca.pem"}
	got, err := RenderSpice(c)
	if err != nil {
		t.Fatal(err)
	}
	pkitest.Golden(t, "testdata/squid-spice-tls.golden", string(got), *update)
}

func TestRenderSpiceDirectives(t *testing.T) {
	c := spiceConf("192.0.2.20:3129")
	c.Clients = []string{"198.51.100.0/24", "203.0.113.7", "2001:db8::/32"}
	c.Hypervisors = []string{"192.0.2.0/25", "10.1.0.0/16", ".hv.example.com", "Host1.Example.com."}
	c.ReadTimeout = 12 * time.Hour
	out, err := RenderSpice(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"http_port 192.0.2.20:3129",
		"acl spice_clients src 198.51.100.0/24 203.0.113.7 2001:db8::/32",
		"acl spice_hypervisors dst 192.0.2.0/25 10.1.0.0/16",
		"acl spice_hypervisor_names dstdomain -n .hv.example.com host1.example.com",
		"acl spice_ports port 5900-6923",
		"acl spice_connect method CONNECT",
		"http_access deny !spice_clients",
		"http_access allow spice_connect spice_ports spice_hypervisors",
		"http_access allow spice_connect spice_ports spice_hypervisor_names",
		"http_access deny all",
		"cache deny all",
		"read_timeout 12 hours",
	}
	if got := directives(string(out)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("directives:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Only names: no dst ACL, and no rule that would name it.
	c.Hypervisors = []string{".hv.example.com"}
	if out, err = RenderSpice(c); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "spice_hypervisors") {
		t.Errorf("an ACL with no networks:\n%s", out)
	}
}

// TestRenderSpiceNetworks: the ACLs say what the flags mean, in Squid's
// reading: "all" for anyone, 0.0.0.0/0 (which Squid would take for "all",
// IPv6 included) as its two halves.
func TestRenderSpiceNetworks(t *testing.T) {
	tests := []struct {
		clients, hypervisors []string
		src, dst             string
	}{
		{[]string{"0.0.0.0/0", "::/0"}, []string{"192.0.2.0/24"}, "all", "192.0.2.0/24"},
		{[]string{"::/0", "0.0.0.0/0"}, []string{"0.0.0.0/0", "::/0"}, "all", "all"},
		{[]string{"0.0.0.0/0"}, []string{"0.0.0.0/0"}, "0.0.0.0/1 128.0.0.0/1", "0.0.0.0/1 128.0.0.0/1"},
		{[]string{"0.0.0.0/0", "2001:db8::/32"}, []string{"192.0.2.7/32", "2001:db8::7/128"}, "0.0.0.0/1 128.0.0.0/1 2001:db8::/32", "192.0.2.7 2001:db8::7"},
	}
	for _, tc := range tests {
		out, err := RenderSpice(SpiceConfig{Clients: tc.clients, Hypervisors: tc.hypervisors})
		if err != nil {
			t.Errorf("clients %q, hypervisors %q: %v", tc.clients, tc.hypervisors, err)
			continue
		}
		for _, want := range []string{"\nacl spice_clients src " + tc.src + "\n", "\nacl spice_hypervisors dst " + tc.dst + "\n"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("clients %q, hypervisors %q: no %q in\n%s", tc.clients, tc.hypervisors, strings.TrimSpace(want), out)
			}
		}
	}
}

func TestRenderSpiceBad(t *testing.T) {
	tls := &SpiceTLS{CertFile: "/etc/squid/p.cer", KeyFile: "/etc/squid/p.key", CAFile: "/etc/squid/ca.pem"}
	withTLS := func(c SpiceConfig, t *SpiceTLS) SpiceConfig { c.TLS = t; return c }
	tests := []struct {
		name string
		c    SpiceConfig
		want string
	}{
		{"port", spiceConf("65536"), "outside 1..65535"},
		{"listen name", spiceConf("proxy:3128"), "not an IP address"},
		{"timeout", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"10.0.0.0/8"}, ReadTimeout: time.Millisecond}, "whole number of seconds"},
		{"no clients", SpiceConfig{Hypervisors: []string{"10.0.0.0/8"}}, "no clients"},
		{"no hypervisors", SpiceConfig{Clients: []string{"0.0.0.0/0"}}, "no hypervisors"},
		{"client name", SpiceConfig{Clients: []string{"client.example.com"}, Hypervisors: []string{"10.0.0.0/8"}}, "not an address or CIDR"},
		{"host bits", SpiceConfig{Clients: []string{"10.1.2.3/8"}, Hypervisors: []string{"10.0.0.0/8"}}, "the network is 10.0.0.0/8"},
		{"hypervisor host bits", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"192.0.2.1/24"}}, "past the /24"},
		{"hypervisor bad address", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"192.0.2.300"}}, "want a network"},
		{"hypervisor bad name", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"bad_name.example.com"}}, "want a network"},
		{"hypervisor empty", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{""}}, "want a network"},
		{"hypervisor dots", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"..example.com"}}, "want a network"},
		{"hypervisor wildcard", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"*.hv.example.com"}}, `write ".hv.example.com"`},
		// Squid: "ERROR: '.hv.example.com' is a subdomain of 'hv.example.com'", then FATAL.
		{"names overlap", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{".hv.example.com", "hv.example.com"}},
			`hypervisors ".hv.example.com" and "hv.example.com" overlap (Squid stops at such a pair, or drops one, depending on their order): drop "hv.example.com", which ".hv.example.com" holds`},
		{"names overlap reversed", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"hv.example.com", ".hv.example.com"}},
			`drop "hv.example.com", which ".hv.example.com" holds`},
		{"subdomain", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{".a.hv.example.com", "10.0.0.0/8", ".hv.example.com"}},
			`drop ".a.hv.example.com", which ".hv.example.com" holds`},
		{"host in domain", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{".example.com", "host1.example.com"}},
			`drop "host1.example.com", which ".example.com" holds`},
		{"name twice", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"HV.example.com", "hv.example.com."}},
			`hypervisors "HV.example.com" and "hv.example.com." are the same: give it once`},
		{"domain twice", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{".hv.example.com", ".hv.example.com"}}, "are the same"},
		// Squid keeps one of two overlapping networks, here 10.1.0.0/16:
		// the clients of 10.0.0.0/8 would get 403.
		{"clients overlap", SpiceConfig{Clients: []string{"10.1.0.0/16", "10.0.0.0/8"}, Hypervisors: []string{"192.0.2.0/24"}},
			`client networks "10.1.0.0/16" and "10.0.0.0/8" overlap, and Squid keeps only one of them, maybe the smaller: drop "10.1.0.0/16", which "10.0.0.0/8" holds`},
		{"clients anyone and more", SpiceConfig{Clients: []string{"0.0.0.0/0", "::/0", "198.51.100.0/24"}, Hypervisors: []string{"192.0.2.0/24"}},
			`drop "198.51.100.0/24", which "0.0.0.0/0" holds`},
		{"clients twice", SpiceConfig{Clients: []string{"2001:db8::1", "2001:DB8::1/128"}, Hypervisors: []string{"192.0.2.0/24"}},
			`client networks "2001:db8::1" and "2001:DB8::1/128" are the same: give it once`},
		{"hypervisors overlap", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"192.0.2.0/24", "192.0.2.7"}},
			`hypervisor networks "192.0.2.0/24" and "192.0.2.7" overlap`},
		// Squid matches no address with ::/0.
		{"clients every IPv6 alone", SpiceConfig{Clients: []string{"::/0"}, Hypervisors: []string{"192.0.2.0/24"}},
			`client network "::/0": Squid matches no address with it`},
		{"hypervisors every IPv6 alone", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"10.0.0.0/8", "::/0"}},
			`hypervisor network "::/0": Squid matches no address with it`},
		// Squid holds IPv4 addresses as ::ffff:0:0/96.
		{"IPv6 network with IPv4 in it", SpiceConfig{Clients: []string{"::/8"}, Hypervisors: []string{"192.0.2.0/24"}},
			"Squid holds IPv4 addresses as ::ffff:0:0/96, inside this network"},
		{"IPv4 in IPv6 form", SpiceConfig{Clients: []string{"::ffff:198.51.100.0/120"}, Hypervisors: []string{"192.0.2.0/24"}},
			"an IPv4 network in IPv6 form: write 198.51.100.0/24"},
		{"IPv4 address in IPv6 form", SpiceConfig{Clients: []string{"0.0.0.0/0"}, Hypervisors: []string{"::ffff:192.0.2.7"}},
			"write 192.0.2.7"},
		{"listen zone", spiceConf("[fe80::1%x\nhttp_access allow all]:3128"), "IPv6 zone"},
		{"tls zone", withTLS(spiceConf("[fe80::1%eth0]:3129"), tls), "IPv6 zone"},
		{"tls every address", withTLS(spiceConf("3129"), tls), "needs ADDR:PORT"},
		{"tls unspecified", withTLS(spiceConf("0.0.0.0:3129"), tls), "not 0.0.0.0"},
		{"tls key with macro", withTLS(spiceConf("192.0.2.30:3129"), &SpiceTLS{CertFile: "/p.cer", KeyFile: "/m${service_name}/p.key"}), "'$'"},
		// tls-key= ends the line: the next line would join the directive.
		{"tls key ending in backslash", withTLS(spiceConf("192.0.2.30:3129"), &SpiceTLS{CertFile: "/p.cer", KeyFile: "/p.key\\"}), "continues the line"},
		{"tls relative", withTLS(spiceConf("192.0.2.30:3129"), &SpiceTLS{CertFile: "p.cer", KeyFile: "/p.key"}), "not an absolute path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := RenderSpice(tc.c)
			if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrBadValue with %q; rendered\n%s", err, tc.want, out)
			}
		})
	}
}

func TestSpiceSquidParse(t *testing.T) {
	f := spiceIPFiles(t)
	withTLS := spiceConf("127.0.0.1:3129")
	withTLS.TLS = &SpiceTLS{CertFile: f.cer, KeyFile: f.key, CAFile: f.ca}
	names := spiceConf("127.0.0.1:3128")
	names.Hypervisors = []string{".hv.example.com", "host1.example.com"}
	both := spiceConf("[::1]:3128")
	both.Hypervisors = []string{"192.0.2.0/24", "2001:db8::/32", ".hv.example.com"}
	both.ReadTimeout = 48 * time.Hour
	anyone := spiceConf("127.0.0.1:3128")
	anyone.Clients = []string{"0.0.0.0/0", "::/0"}
	anywhere := spiceConf("127.0.0.1:3128")
	anywhere.Clients = []string{"0.0.0.0/0", "2001:db8::/32"}
	anywhere.Hypervisors = []string{"0.0.0.0/0", ".hv.example.com"}
	everyIP := spiceConf("127.0.0.1:3128")
	everyIP.Hypervisors = []string{"::/0", "0.0.0.0/0"}
	for _, c := range []SpiceConfig{spiceConf(""), names, both, withTLS, anyone, anywhere, everyIP} {
		conf, err := RenderSpice(c)
		if err != nil {
			t.Fatal(err)
		}
		squidOK(t, conf)
	}
}

// ipFiles is a certificate for spice.example.com and IP:127.0.0.1, with the
// package's CA.
type ipFiles struct{ cer, key, ca string }

var (
	ipOnce  sync.Once
	ipTheFs ipFiles
	ipErr   error
)

// spiceIPFiles signs, once, a certificate with an IP SAN in the package's
// CA, from proxy.example.com's key.
func spiceIPFiles(t *testing.T) ipFiles {
	t.Helper()
	f := issued(t)
	ipOnce.Do(func() {
		store, err := pki.OpenStore(filepath.Join(f.dir, "pki"))
		if err != nil {
			ipErr = err
			return
		}
		key, err := pki.ReadKey(f.proxyKey, nil)
		if err != nil {
			ipErr = err
			return
		}
		caName, _ := dn.Parse("/C=US/O=Example Inc./CN=engine.example.com.81108")
		subject, _ := dn.Derive(caName, "spice.example.com")
		sans, err := pki.ParseSANs("DNS:spice.example.com,IP:127.0.0.1")
		if err != nil {
			ipErr = err
			return
		}
		req, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject, SANs: sans})
		if err != nil {
			ipErr = err
			return
		}
		if ipErr = os.WriteFile(store.RequestPath("spice"), pki.EncodeRequestPEM(req), 0o644); ipErr != nil {
			return
		}
		is, err := store.Sign(context.Background(), pki.SignRequest{Name: "spice", Days: 30})
		if err != nil {
			ipErr = err
			return
		}
		ipTheFs = ipFiles{cer: is.CertPath, key: f.proxyKey, ca: f.ca}
	})
	if ipErr != nil {
		t.Fatalf("sign the IP certificate: %v", ipErr)
	}
	return ipTheFs
}

func TestCheckSpiceTLSFiles(t *testing.T) {
	f := issued(t)
	ip := spiceIPFiles(t)
	good := spiceConf("127.0.0.1:3129")
	good.TLS = &SpiceTLS{CertFile: ip.cer, KeyFile: ip.key, CAFile: ip.ca}
	if err := CheckSpiceTLSFiles(good, time.Time{}); err != nil {
		t.Fatalf("good files: %v", err)
	}
	if err := CheckSpiceTLSFiles(spiceConf("127.0.0.1:3129"), time.Time{}); err != nil {
		t.Errorf("no TLS, nothing to check: %v", err)
	}
	tests := []struct {
		name   string
		listen string
		tls    SpiceTLS
		want   string
	}{
		// proxy.example.com's certificate names no address.
		{"no IP SAN", "127.0.0.1:3129", SpiceTLS{f.proxyCer, f.proxyKey, f.ca}, "--san DNS:NAME,IP:127.0.0.1"},
		{"other address", "127.0.0.2:3129", SpiceTLS{ip.cer, ip.key, ip.ca}, "no IP subject alternative name 127.0.0.2"},
		{"key", "127.0.0.1:3129", SpiceTLS{ip.cer, f.otherKey, ip.ca}, "key does not match"},
		{"expired", "127.0.0.1:3129", SpiceTLS{ip.cer, ip.key, ip.ca}, "expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := spiceConf(tc.listen)
			c.TLS = &tc.tls
			at := time.Time{}
			if tc.name == "expired" {
				at = time.Now().AddDate(0, 0, 60)
			}
			err := CheckSpiceTLSFiles(c, at)
			if !errors.Is(err, ErrUnfitCertificate) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrUnfitCertificate with %q", err, tc.want)
			}
		})
	}
	bad := spiceConf("3129")
	bad.TLS = good.TLS
	if err := CheckSpiceTLSFiles(bad, time.Time{}); !errors.Is(err, ErrBadValue) {
		t.Errorf("HTTPS proxy on every address: %v, want ErrBadValue", err)
	}
}
