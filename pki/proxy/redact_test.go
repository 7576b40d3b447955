package proxy

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

// TestCredentialsNotShown: a value that carries a password (or a user
// alone, which may be a token) is refused, and the error shows it as
// url.URL.Redacted would, never the password itself.
func TestCredentialsNotShown(t *testing.T) {
	const pw = "S3cretPW"
	spice := func(change func(c *SpiceConfig)) func() error {
		return func() error {
			c := spiceConf("3128")
			change(&c)
			_, err := RenderSpice(c)
			return err
		}
	}
	portal := func(change func(c *PortalConfig)) func() error {
		return func() error {
			c := etcSquid
			change(&c)
			_, err := RenderPortal(c)
			return err
		}
	}
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"SPICE proxy", func() error { _, err := ParseSpiceProxy("http://admin:" + pw + "@spice.example.com:3128"); return err },
			`"http://admin:xxxxx@spice.example.com:3128"`},
		{"SPICE proxy without protocol", func() error { _, err := ParseSpiceProxy("admin:" + pw + "@spice.example.com"); return err },
			`"admin:xxxxx@spice.example.com"`},
		{"SPICE proxy user alone", func() error { _, err := ParseSpiceProxy("https://" + pw + "@spice.example.com"); return err },
			`"https://xxxxx@spice.example.com"`},
		{"engine URL", func() error {
			_, err := EngineCertificateURL("https://admin:" + pw + "@engine.example.com")
			return err
		},
			"engine https://admin:xxxxx@engine.example.com:"},
		{"engine fetched, address", func() error {
			_, err := FetchEngineCertificate(context.Background(), EngineFetch{Engine: "engine.example.com", Address: "admin:" + pw + "@192.0.2.1", CAs: []*x509.Certificate{{}}})
			return err
		}, "engine address admin:xxxxx@192.0.2.1"},
		{"portal engine", portal(func(c *PortalConfig) { c.Engine = "admin:" + pw + "@engine.example.com" }), "admin:xxxxx@engine.example.com"},
		{"portal engine IPv6", portal(func(c *PortalConfig) { c.Engine = "admin:" + pw + "@[::1" }), "admin:xxxxx@[::1"},
		{"portal engine address", portal(func(c *PortalConfig) { c.EngineAddress = "admin:" + pw + "@192.0.2.1" }), "admin:xxxxx@192.0.2.1"},
		{"portal listen", portal(func(c *PortalConfig) { c.Listen = "admin:" + pw + "@192.0.2.1:443" }), "admin:xxxxx@192.0.2.1:443"},
		{"portal proxy name", portal(func(c *PortalConfig) { c.ProxyName = "admin:" + pw + "@proxy.example.com" }), "admin:xxxxx@proxy.example.com"},
		{"SPICE listen", spice(func(c *SpiceConfig) { c.Listen = "admin:" + pw + "@192.0.2.1:3128" }), "admin:xxxxx@192.0.2.1:3128"},
		{"SPICE clients", spice(func(c *SpiceConfig) { c.Clients = []string{"admin:" + pw + "@192.0.2.0/24"} }), "admin:xxxxx@192.0.2.0/24"},
		{"SPICE hypervisors", spice(func(c *SpiceConfig) { c.Hypervisors = []string{"admin:" + pw + "@h.example.com"} }), "admin:xxxxx@h.example.com"},
		{"websocket proxy host", func() error { _, err := CheckWebsocketHost("admin:" + pw + "@wsp.example.com"); return err },
			"admin:xxxxx@wsp.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), pw) {
				t.Errorf("error %v: want ErrBadValue with %q, without %q", err, tc.want, pw)
			}
		})
	}
}
