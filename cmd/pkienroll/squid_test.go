package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// signedFixture is the fixture with certs/proxy.cer signed for the
// proxy's request, as after step 5 of the procedure.
func signedFixture(t *testing.T, signArgs ...string) *fixture {
	t.Helper()
	f := newFixture(t)
	mustRun(t, append([]string{"-q", "sign", "--pki-dir", f.pki, "--name", "proxy"}, signArgs...)...)
	return f
}

// portalArgs are the flags of squid-config portal for the fixture's files.
func portalArgs(f *fixture, more ...string) []string {
	return append([]string{"squid-config", "portal", "--engine", "engine.example.com",
		"--cert", f.path("pki", "certs", "proxy.cer"), "--key", f.key, "--ca", f.caPEM}, more...)
}

func TestSquidConfigPortal(t *testing.T) {
	f := signedFixture(t)
	r := runCLI(t, portalArgs(f, "--engine-address", "192.0.2.10", "--proxy-name", proxyCN, "--read-timeout", "12h")...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("squid-config portal:\n%s", r)
	}
	pkitest.Golden(t, filepath.Join("testdata", "squid-portal.golden"), strings.ReplaceAll(r.stdout, f.dir, "/DIR"), *update)
}

// TestSquidConfigPortalRelativePaths: Squid runs elsewhere, so the
// configuration names the files by absolute path.
func TestSquidConfigPortalRelativePaths(t *testing.T) {
	f := signedFixture(t)
	t.Chdir(f.dir)
	out := mustRun(t, "squid-config", "portal", "--engine", "engine.example.com",
		"--cert", "pki/certs/proxy.cer", "--key", "proxy.key", "--ca", "pki/ca.pem")
	want := "tls-cert=" + f.path("pki", "certs", "proxy.cer") + " tls-key=" + f.key + " "
	if !strings.Contains(out, want) || !strings.Contains(out, "tls-cafile="+f.caPEM+" ") {
		t.Errorf("relative paths not made absolute:\n%s", out)
	}
}

// spiceArgs are squid-config spice with the networks it requires.
func spiceArgs(more ...string) []string {
	return append([]string{"squid-config", "spice", "--clients", "198.51.100.0/24,2001:db8:1::/48",
		"--hypervisors", "192.0.2.0/24,.hv.example.com"}, more...)
}

func TestSquidConfigSpice(t *testing.T) {
	r := runCLI(t, spiceArgs()...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("squid-config spice:\n%s", r)
	}
	pkitest.Golden(t, filepath.Join("testdata", "squid-spice.golden"), r.stdout, *update)
}

// TestSquidConfigSpiceTLS: an HTTPS SPICE proxy whose certificate names
// the address clients connect to; relative paths made absolute.
func TestSquidConfigSpiceTLS(t *testing.T) {
	f := signedFixture(t, "--san", "DNS:spice.example.com,IP:127.0.0.1")
	t.Chdir(f.dir)
	out := mustRun(t, spiceArgs("--listen", "127.0.0.1:3129", "--tls-cert", "pki/certs/proxy.cer", "--tls-key", "proxy.key", "--ca", "pki/ca.pem")...)
	want := "https_port 127.0.0.1:3129 tls-cert=" + f.path("pki", "certs", "proxy.cer") + " tls-key=" + f.key + "\n"
	if !strings.Contains(out, want) || strings.Contains(out, "http_port") {
		t.Errorf("want %q:\n%s", want, out)
	}
}

// TestSquidConfigCheck runs --check with the real Squid: it accepts both
// configurations, and says so on stderr.
func TestSquidConfigCheck(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	f := signedFixture(t)
	for _, args := range [][]string{
		portalArgs(f, "--check", "--listen", "127.0.0.1:8443"),
		spiceArgs("--check", "--listen", "127.0.0.1:3128"),
		// docs/cli.md's "anyone", which Squid wants spelled "all".
		{"squid-config", "spice", "--check", "--listen", "127.0.0.1:3128", "--clients", "0.0.0.0/0,::/0", "--hypervisors", "192.0.2.0/24"},
		{"squid-config", "spice", "--check", "--listen", "127.0.0.1:3128", "--clients", "198.51.100.0/24", "--hypervisors", "0.0.0.0/0"},
	} {
		r := runCLI(t, args...)
		if r.code != 0 || !strings.Contains(r.stderr, "squid accepts the configuration") || strings.Contains(r.stderr, "WARN") {
			t.Errorf("pkienroll %s:\n%s", strings.Join(args, " "), r)
		}
		if !strings.HasPrefix(r.stdout, "# Squid configuration") {
			t.Errorf("pkienroll %s: stdout %q", strings.Join(args, " "), r.stdout)
		}
	}
}

func TestSpiceProxyCheck(t *testing.T) {
	r := runCLI(t, "spice-proxy", "check", "http://proxy.example.com:3128")
	want := "# On the engine: turn the SPICE proxy on, then restart ovirt-engine.\n" +
		"engine-config -s SpiceProxyDefault=http://proxy.example.com:3128\n" +
		"# To turn it off again (then restart ovirt-engine):\n" +
		"engine-config -s SpiceProxyDefault=\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("spice-proxy check:\n%s\nwant stdout %q", r, want)
	}
	r = runCLI(t, "spice-proxy", "check", "https://proxy.example.com:3129")
	if r.code != 0 || !strings.Contains(r.stderr, "WARN") || !strings.Contains(r.stderr, "operating system's trust store") {
		t.Errorf("spice-proxy check https://...: want a warning:\n%s", r)
	}
}

func TestSquidSpiceBadInput(t *testing.T) {
	sign := func(args ...string) func(t *testing.T, f *fixture) {
		return func(t *testing.T, f *fixture) {
			mustRun(t, append([]string{"-q", "sign", "--pki-dir", f.pki, "--name", "proxy"}, args...)...)
		}
	}
	otherKey := func(t *testing.T, f *fixture) {
		sign()(t, f)
		mustRun(t, "-q", "keygen", "--out", f.path("other.key"))
	}
	portal := func(more ...string) func(f *fixture) []string {
		return func(f *fixture) []string {
			return flags(append([]string{"squid-config", "portal", "--engine", "engine.example.com",
				"--cert", "{pki}/certs/proxy.cer", "--key", "{key}", "--ca", "{ca}"}, more...)...)(f)
		}
	}
	checkBadInput(t, []badCase{
		{name: "key does not match", setup: otherKey, args: func(f *fixture) []string {
			return flags("squid-config", "portal", "--engine", "engine.example.com",
				"--cert", "{pki}/certs/proxy.cer", "--key", "{dir}/other.key", "--ca", "{ca}")(f)
		}, code: exitError, want: []string{"key: key does not match the certificate"}},
		{name: "certificate for another host", setup: sign("--san", "DNS:other.example.com"), args: portal("--proxy-name", proxyCN),
			code: exitError, want: []string{"host: proxy.example.com not in SANs (DNS:other.example.com)"}},
		{name: "certificate not yet signed", args: portal(), code: exitError, want: []string{"proxy.cer", "no such file"}},
		{name: "engine is an address", setup: sign(), args: portal("--engine", "192.0.2.10"), code: exitUsage,
			want: []string{"is an address", "the host name is needed", "(give the address with --engine-address)"}},
		{name: "engine wildcard", args: portal("--engine", "*.example.com"), code: exitUsage,
			want: []string{`host name "*.example.com": has a wildcard, which is not allowed in a host name`}},
		// Squid would read .../msquid/proxy.cer, not the file checked here.
		{name: "cert path with a Squid macro", setup: func(t *testing.T, f *fixture) {
			sign()(t, f)
			dir := f.path("m${service_name}")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			cer, err := os.ReadFile(f.path("pki", "certs", "proxy.cer"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "proxy.cer"), cer, 0o644); err != nil {
				t.Fatal(err)
			}
		}, args: portal("--cert", "{dir}/m${service_name}/proxy.cer"), code: exitUsage,
			want: []string{"/m${service_name}/proxy.cer", "Squid cannot take a path with '$' in it"}},
		{name: "spice key path with a Squid macro", setup: sign("--san", "DNS:spice.example.com,IP:127.0.0.1"),
			args: func(f *fixture) []string {
				return flags(spiceArgs("--listen", "127.0.0.1:3129", "--tls-cert", "{pki}/certs/proxy.cer", "--tls-key", "{dir}/${process_number}.key", "--ca", "{ca}")...)(f)
			}, code: exitUsage, want: []string{"Squid cannot take a path with '$' in it"}},
		{name: "engine port", setup: sign(), args: portal("--engine", "engine.example.com:99999"), code: exitUsage,
			want: []string{"port 99999 is outside 1..65535"}},
		{name: "listen", setup: sign(), args: portal("--listen", "localhost:443"), code: exitUsage, want: []string{"not an IP address"}},
		{name: "read timeout", setup: sign(), args: portal("--read-timeout", "1ms"), code: exitUsage, want: []string{"whole number of seconds"}},
		// 0 is not Squid's "no timeout", nor the default: refused as 1ms is.
		{name: "read timeout 0", setup: sign(), args: portal("--read-timeout", "0"), code: exitUsage,
			want: []string{"--read-timeout 0s: want a whole number of seconds, at least 1s"}},
		{name: "spice read timeout 0", args: flags(spiceArgs("--read-timeout", "0s")...), code: exitUsage,
			want: []string{"--read-timeout 0s: want a whole number of seconds"}},
		{name: "read timeout not a duration", setup: sign(), args: portal("--read-timeout", "ten hours"), code: exitUsage, want: []string{"--read-timeout"}},
		{name: "empty key", setup: sign(), args: portal("--key", ""), code: exitUsage, want: []string{"--key is empty"}},
		{name: "spice listen", args: flags(spiceArgs("--listen", "99999")...), code: exitUsage, want: []string{"port 99999 is outside 1..65535"}},
		{name: "spice without hypervisors", args: flags("squid-config", "spice", "--clients", "0.0.0.0/0"), code: exitUsage, want: []string{"--hypervisors"}},
		{name: "spice without clients", args: flags("squid-config", "spice", "--hypervisors", "10.0.0.0/8"), code: exitUsage, want: []string{"--clients"}},
		{name: "spice client name", args: flags("squid-config", "spice", "--clients", "client.example.com", "--hypervisors", "10.0.0.0/8"),
			code: exitUsage, want: []string{`client network "client.example.com": not an address or CIDR network`}},
		{name: "spice hypervisor host bits", args: flags("squid-config", "spice", "--clients", "0.0.0.0/0", "--hypervisors", "10.1.2.3/8"),
			code: exitUsage, want: []string{"the network is 10.0.0.0/8"}},
		{name: "spice hypervisor names overlap", args: flags("squid-config", "spice", "--clients", "198.51.100.0/24", "--hypervisors", ".hv.example.com,hv.example.com"),
			code: exitUsage, want: []string{`hypervisors ".hv.example.com" and "hv.example.com" overlap`, `drop "hv.example.com", which ".hv.example.com" holds`}},
		{name: "spice hypervisor name twice", args: flags("squid-config", "spice", "--clients", "198.51.100.0/24", "--hypervisors", "hv.example.com,HV.example.com"),
			code: exitUsage, want: []string{`hypervisors "hv.example.com" and "HV.example.com" are the same: give it once`}},
		{name: "spice client networks overlap", args: flags("squid-config", "spice", "--clients", "10.1.0.0/16,10.0.0.0/8", "--hypervisors", "192.0.2.0/24"),
			code: exitUsage, want: []string{`client networks "10.1.0.0/16" and "10.0.0.0/8" overlap`}},
		{name: "spice clients every IPv6 address alone", args: flags("squid-config", "spice", "--clients", "::/0", "--hypervisors", "192.0.2.0/24"),
			code: exitUsage, want: []string{`client network "::/0": Squid matches no address with it`, "give 0.0.0.0/0,::/0 for anyone"}},
		{name: "spice tls without ca", setup: sign("--san", "DNS:spice.example.com,IP:127.0.0.1"),
			args: func(f *fixture) []string {
				return flags(spiceArgs("--listen", "127.0.0.1:3129", "--tls-cert", "{pki}/certs/proxy.cer", "--tls-key", "{key}")...)(f)
			}, code: exitUsage, want: []string{"--ca is missing"}},
		{name: "spice tls without IP SAN", setup: sign("--san", "DNS:spice.example.com"),
			args: func(f *fixture) []string {
				return flags(spiceArgs("--listen", "127.0.0.1:3129", "--tls-cert", "{pki}/certs/proxy.cer", "--tls-key", "{key}", "--ca", "{ca}")...)(f)
			}, code: exitError, want: []string{"no IP subject alternative name 127.0.0.1", "--san DNS:NAME,IP:127.0.0.1"}},
		{name: "spice tls on every address", setup: sign("--san", "DNS:spice.example.com,IP:127.0.0.1"),
			args: func(f *fixture) []string {
				return flags(spiceArgs("--listen", "3129", "--tls-cert", "{pki}/certs/proxy.cer", "--tls-key", "{key}", "--ca", "{ca}")...)(f)
			}, code: exitUsage, want: []string{"needs ADDR:PORT"}},
		{name: "spice proxy port", args: flags("spice-proxy", "check", "http://h:99999"), code: exitError,
			want: []string{`SPICE proxy "http://h:99999": port 99999 is outside 1..65535`}},
		{name: "spice proxy protocol", args: flags("spice-proxy", "check", "socks5://h:1080"), code: exitError, want: []string{`protocol "socks5"`}},
		{name: "spice proxy wildcard", args: flags("spice-proxy", "check", "http://*.example.com:3128"), code: exitError,
			want: []string{"has a wildcard, which is not allowed in a host name"}},
		{name: "spice proxy zone", args: flags("spice-proxy", "check", "http://[fe80::1%x';reboot;']:3128"), code: exitError,
			want: []string{"an IPv6 zone (%INTERFACE) is not allowed"}},
		{name: "spice listen zone", args: flags(spiceArgs("--listen", "[fe80::1%x\nhttp_access allow all]:3128")...), code: exitUsage,
			want: []string{"listen ", "an IPv6 zone (%INTERFACE) is not allowed"}},
		{name: "spice proxy empty", args: flags("spice-proxy", "check", ""), code: exitUsage, want: []string{"the argument <value> is empty"}},
	})
}
