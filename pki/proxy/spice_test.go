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
	for _, c := range []SpiceConfig{spiceConf(""), names, both, withTLS} {
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
