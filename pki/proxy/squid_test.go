package proxy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// etcSquid is the portal configuration with the files where the guide
// installs them.
var etcSquid = PortalConfig{
	Engine:   "engine.example.com",
	CertFile: "/etc/squid/proxy.cer",
	KeyFile:  "/etc/squid/proxy.key",
	CAFile:   "/etc/squid/ca.pem",
}

func TestRenderPortalGolden(t *testing.T) {
	withAll := etcSquid
	withAll.Engine = "engine.example.com:8443"
	withAll.EngineAddress = "192.0.2.10"
	withAll.Listen = "192.0.2.20:8443"
	withAll.ReadTimeout = 36 * time.Hour
	withAll.ProxyName = "proxy.example.com"
	tests := []struct {
		name string
		c    PortalConfig
	}{
		{"squid-portal.golden", etcSquid},
		{"squid-portal-all.golden", withAll},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RenderPortal(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			pkitest.Golden(t, "testdata/"+tc.name, string(got), *update)
		})
	}
}

// TestRenderPortalDirectives pins what Squid 5 and 6 need, whatever the
// comments say.
func TestRenderPortalDirectives(t *testing.T) {
	c := etcSquid
	c.EngineAddress = "192.0.2.10"
	out, err := RenderPortal(c)
	if err != nil {
		t.Fatal(err)
	}
	lines := directives(string(out))
	want := []string{
		"https_port 443 accel defaultsite=engine.example.com tls-cert=/etc/squid/proxy.cer tls-key=/etc/squid/proxy.key name=portal",
		"cache_peer 192.0.2.10 parent 443 0 originserver login=PASSTHRU no-query no-digest tls tls-cafile=/etc/squid/ca.pem tls-domain=engine.example.com name=engine",
		"acl portal myportname portal",
		"http_access allow portal",
		"http_access deny all",
		"cache_peer_access engine allow portal",
		"cache_peer_access engine deny all",
		"never_direct allow all",
		"cache deny all",
		"read_timeout 10 hours",
		"client_lifetime 1 day",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("directives:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// directives returns the lines of a Squid configuration that are not
// comments or blank.
func directives(conf string) []string {
	var out []string
	for _, l := range strings.Split(conf, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestRenderPortalTimeouts(t *testing.T) {
	tests := []struct {
		read           time.Duration
		want, lifetime string
	}{
		{0, "10 hours", "1 day"},
		{15 * time.Minute, "15 minutes", "1 day"},
		{90 * time.Second, "90 seconds", "1 day"},
		{48 * time.Hour, "2 days", "2 days"},
		{25 * time.Hour, "25 hours", "25 hours"},
	}
	for _, tc := range tests {
		c := etcSquid
		c.ReadTimeout = tc.read
		out, err := RenderPortal(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"\nread_timeout " + tc.want + "\n", "\nclient_lifetime " + tc.lifetime + "\n"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("read timeout %v: no %q in\n%s", tc.read, strings.TrimSpace(w), out)
			}
		}
	}
}

func TestRenderPortalBad(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *PortalConfig)
		want   string
	}{
		{"no engine", func(c *PortalConfig) { c.Engine = "" }, "empty host name"},
		{"engine with space", func(c *PortalConfig) { c.Engine = "engine example.com" }, `' ' is not allowed`},
		{"engine port", func(c *PortalConfig) { c.Engine = "engine.example.com:99999" }, "port 99999 is outside 1..65535"},
		{"engine IPv6 unbracketed", func(c *PortalConfig) { c.Engine = "2001:db8::1" }, "in brackets"},
		{"engine IP", func(c *PortalConfig) { c.Engine = "192.0.2.10" }, "the host name is needed"},
		{"engine address", func(c *PortalConfig) { c.EngineAddress = "192.0.2.10 extra" }, "engine address"},
		{"listen port", func(c *PortalConfig) { c.Listen = "0" }, "port 0 is outside 1..65535"},
		{"listen name", func(c *PortalConfig) { c.Listen = "proxy.example.com:443" }, "not an IP address"},
		{"listen no port", func(c *PortalConfig) { c.Listen = "192.0.2.1" }, "missing :PORT"},
		{"relative cert", func(c *PortalConfig) { c.CertFile = "proxy.cer" }, `certificate "proxy.cer": not an absolute path`},
		{"key with space", func(c *PortalConfig) { c.KeyFile = "/etc/squid/my key" }, "Squid cannot take a path"},
		{"CA with newline", func(c *PortalConfig) { c.CAFile = "/etc/squid/ca.pem\nhttp_access allow all" }, "Squid cannot take a path"},
		{"no CA", func(c *PortalConfig) { c.CAFile = "" }, "CA: empty path"},
		// Squid expands its macros in every line: it would read
		// /etc/squid/msquid/proxy.cer, not the file that was checked.
		{"cert with macro", func(c *PortalConfig) { c.CertFile = "/etc/m${service_name}/proxy.cer" }, "Squid cannot take a path with '$' in it"},
		{"key with macro", func(c *PortalConfig) { c.KeyFile = "/etc/${process_number}/proxy.key" }, "Squid cannot take a path with '$' in it"},
		{"CA with macro", func(c *PortalConfig) { c.CAFile = "/etc/${process_name}/ca.pem" }, `CA "/etc/${process_name}/ca.pem"`},
		{"cert with dollar", func(c *PortalConfig) { c.CertFile = "/etc/squid/$proxy.cer" }, "'$'"},
		{"key ending in backslash", func(c *PortalConfig) { c.KeyFile = "/etc/squid/proxy.key\\" }, `ends in '\'`},
		{"timeout fraction", func(c *PortalConfig) { c.ReadTimeout = 1500 * time.Millisecond }, "whole number of seconds"},
		{"timeout negative", func(c *PortalConfig) { c.ReadTimeout = -time.Hour }, "whole number of seconds"},
		{"proxy name", func(c *PortalConfig) { c.ProxyName = "proxy_example" }, "proxy name"},
		{"engine address zone", func(c *PortalConfig) { c.EngineAddress = "fe80::1%x\nhttp_access allow all" }, "IPv6 zone"},
		{"proxy name zone", func(c *PortalConfig) { c.ProxyName = "fe80::1%eth0" }, "IPv6 zone"},
		{"listen zone", func(c *PortalConfig) { c.Listen = "[fe80::1%eth0]:443" }, "IPv6 zone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := etcSquid
			tc.change(&c)
			out, err := RenderPortal(c)
			if err == nil {
				t.Fatalf("no error; rendered\n%s", out)
			}
			if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line with %q wrapping ErrBadValue", err, tc.want)
			}
		})
	}
}

func TestCheckPortalFiles(t *testing.T) {
	f := issued(t)
	good := PortalConfig{Engine: "engine.example.com", CertFile: f.proxyCer, KeyFile: f.proxyKey, CAFile: f.ca, ProxyName: "proxy.example.com"}
	if err := CheckPortalFiles(good, time.Time{}); err != nil {
		t.Fatalf("good files: %v", err)
	}
	tests := []struct {
		name     string
		change   func(c *PortalConfig)
		at       time.Time
		want     string
		mismatch bool
	}{
		{"key of another certificate", func(c *PortalConfig) { c.KeyFile = f.otherKey }, time.Time{}, "key: key does not match the certificate", true},
		{"certificate for another host", func(c *PortalConfig) { c.CertFile, c.KeyFile = f.otherCer, f.otherKey }, time.Time{},
			"host: proxy.example.com not in SANs (DNS:other.example.com)", false},
		{"CA is not the issuer", func(c *PortalConfig) { c.CAFile = f.otherCer }, time.Time{}, "chain: ", false},
		{"expired", func(c *PortalConfig) {}, time.Now().AddDate(0, 0, 40), "validity: expired on", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.change(&c)
			err := CheckPortalFiles(c, tc.at)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrUnfitCertificate) || errors.Is(err, pki.ErrKeyMismatch) != tc.mismatch {
				t.Errorf("error %q: want ErrUnfitCertificate, ErrKeyMismatch %v", err, tc.mismatch)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line with %q", err, tc.want)
			}
		})
	}
	t.Run("missing key", func(t *testing.T) {
		c := good
		c.KeyFile = c.KeyFile + ".missing"
		if err := CheckPortalFiles(c, time.Time{}); err == nil || !strings.Contains(err.Error(), c.KeyFile) {
			t.Errorf("missing key: %v", err)
		}
	})
}

// TestPortalSquidParse has the real Squid read the configuration, with the
// certificate and key it loads at startup.
func TestPortalSquidParse(t *testing.T) {
	f := issued(t)
	for _, c := range []PortalConfig{
		{Engine: "engine.example.com", CertFile: f.proxyCer, KeyFile: f.proxyKey, CAFile: f.ca},
		{Engine: "engine.example.com:8443", EngineAddress: "127.0.0.1", Listen: "127.0.0.1:8443",
			CertFile: f.proxyCer, KeyFile: f.proxyKey, CAFile: f.ca, ReadTimeout: 72 * time.Hour, ProxyName: "proxy.example.com"},
		{Engine: "engine.example.com", EngineAddress: "2001:db8::1", Listen: "[::1]:8443", CertFile: f.proxyCer, KeyFile: f.proxyKey, CAFile: f.ca},
	} {
		conf, err := RenderPortal(c)
		if err != nil {
			t.Fatal(err)
		}
		squidOK(t, conf)
	}
}

// TestSquidExpandsMacrosInPaths pins why checkPath refuses "$": Squid
// replaces ${service_name} in a path and reads another file than the one
// CheckPortalFiles checked.
func TestSquidExpandsMacrosInPaths(t *testing.T) {
	squid := pkitest.NeedSquid(t, FindSquid())
	f := issued(t)
	dir := filepath.Join(t.TempDir(), "m${service_name}")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ from, to string }{{f.proxyCer, "proxy.cer"}, {f.proxyKey, "proxy.key"}} {
		b, err := os.ReadFile(p.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.to), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := "https_port 127.0.0.1:8443 accel defaultsite=engine.example.com tls-cert=" + dir + "/proxy.cer tls-key=" + dir + "/proxy.key\n"
	// The files are where the configuration names them, and Squid finds
	// no certificate: it looked in .../msquid/ (its ERROR line says so,
	// before the FATAL one SquidParse reports).
	if _, err := SquidParse(context.Background(), squid, []byte(conf)); !errors.Is(err, ErrSquidRefused) {
		t.Errorf("squid -k parse: %v, want a refusal: the certificate is read from .../msquid/", err)
	}
	c := etcSquid
	c.CertFile, c.KeyFile = dir+"/proxy.cer", dir+"/proxy.key"
	if _, err := RenderPortal(c); !errors.Is(err, ErrBadValue) {
		t.Errorf("RenderPortal with %s: %v, want ErrBadValue", dir, err)
	}
}

// TestSquidParseComplaints checks that Squid's refusals come back as one
// line that says what is wrong, the mistakes of the old procedure first.
func TestSquidParseComplaints(t *testing.T) {
	squid := pkitest.NeedSquid(t, FindSquid())
	f := issued(t)
	tests := []struct {
		name, conf, want string
	}{
		{"key before cert", "https_port 8443 accel defaultsite=engine.example.com key=" + f.proxyKey + " cert=" + f.proxyCer,
			"FATAL: cert= option must be set before key= is used."},
		{"defaultsite without accel", "https_port 8443 defaultsite=engine.example.com tls-cert=" + f.proxyCer + " tls-key=" + f.proxyKey,
			"FATAL: https_port: defaultsite option requires Acceleration mode flag."},
		{"unknown directive", "http_port 3128\nno_such_directive on", "line 2: unrecognized: 'no_such_directive'"},
		// Why squid-config spice spells 0.0.0.0/0 otherwise.
		{"every IPv4 address", "http_port 3128\nacl c src 0.0.0.0/0", "ERROR: '0.0.0.0/0' needs to be replaced by the term 'all'."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SquidParse(context.Background(), squid, []byte(tc.conf+"\n"))
			if !errors.Is(err, ErrSquidRefused) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v: want one line with %q wrapping ErrSquidRefused", err, tc.want)
			}
		})
	}
}
