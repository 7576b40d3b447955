package proxy

import (
	"errors"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

func TestWebsocketFilesIn(t *testing.T) {
	got := WebsocketFilesIn("/etc/pki/ovirt-engine")
	want := WebsocketFiles{
		Key:        "/etc/pki/ovirt-engine/keys/websocket-proxy.key.nopass",
		Cert:       "/etc/pki/ovirt-engine/certs/websocket-proxy.cer",
		EngineCert: "/etc/pki/ovirt-engine/certs/engine.cer",
	}
	if got != want {
		t.Errorf("WebsocketFilesIn = %+v, want %+v", got, want)
	}
}

func TestWebsocketRequestName(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"wsp.example.com", "websocket-proxy-wsp.example.com", ""},
		{"wsp.example.com.", "websocket-proxy-wsp.example.com", ""},
		{"localhost", "websocket-proxy-localhost", ""},
		{"", "", "empty host name"},
		{"192.0.2.7", "", "give its DNS name"},
		{"wsp/../ca", "", "is not allowed"},
		{"Engine", "", "keyword"},
		{"off", "", "keyword"},
		{"-wsp.example.com", "", "hyphen"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := WebsocketRequestName(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrBadValue) {
					t.Fatalf("WebsocketRequestName(%q) = %q, %v; want an ErrBadValue saying %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("WebsocketRequestName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestRenderWebsocket(t *testing.T) {
	conf, err := RenderWebsocket(WebsocketConfig{Files: WebsocketFilesIn("/etc/pki/ovirt-engine")})
	if err != nil {
		t.Fatal(err)
	}
	pkitest.Golden(t, "testdata/websocket-10-setup.conf.golden", string(conf), *update)
	got, err := ParseWebsocketConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"PROXY_PORT":                 "6100",
		"SSL_CERTIFICATE":            "/etc/pki/ovirt-engine/certs/websocket-proxy.cer",
		"SSL_KEY":                    "/etc/pki/ovirt-engine/keys/websocket-proxy.key.nopass",
		"CERT_FOR_DATA_VERIFICATION": "/etc/pki/ovirt-engine/certs/engine.cer",
		"SSL_ONLY":                   "True",
	}
	checkValues(t, got, want)
}

// TestRenderWebsocketQuoting writes paths that the loader would cut or
// expand unquoted, and reads them back as they were.
func TestRenderWebsocketQuoting(t *testing.T) {
	files := WebsocketFiles{
		Key:        `/srv/my keys/wsp#1.key`,
		Cert:       `/srv/"certs"/${HOME}/wsp.cer`,
		EngineCert: `/srv/back\slash/it's.cer`,
	}
	conf, err := RenderWebsocket(WebsocketConfig{Port: 16100, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseWebsocketConfig(conf)
	if err != nil {
		t.Fatalf("%v\n%s", err, conf)
	}
	checkValues(t, got, map[string]string{
		"PROXY_PORT": "16100", "SSL_KEY": files.Key, "SSL_CERTIFICATE": files.Cert,
		"CERT_FOR_DATA_VERIFICATION": files.EngineCert, "SSL_ONLY": "True",
	})
}

func TestRenderWebsocketBad(t *testing.T) {
	good := WebsocketFilesIn("/etc/pki/ovirt-engine")
	tests := []struct {
		name string
		c    WebsocketConfig
		want string
	}{
		{"port", WebsocketConfig{Port: 70000, Files: good}, "port 70000 is outside"},
		{"relative", WebsocketConfig{Files: WebsocketFiles{Key: "wsp.key", Cert: good.Cert, EngineCert: good.EngineCert}}, "key wsp.key: not an absolute path"},
		{"empty", WebsocketConfig{Files: WebsocketFiles{Key: good.Key, EngineCert: good.EngineCert}}, "certificate: empty path"},
		{"newline", WebsocketConfig{Files: WebsocketFiles{Key: good.Key, Cert: good.Cert, EngineCert: "/x\nSSL_ONLY=False"}}, "control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf, err := RenderWebsocket(tc.c)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrBadValue) {
				t.Errorf("RenderWebsocket = %q, %v; want an ErrBadValue saying %q", conf, err, tc.want)
			}
		})
	}
}

func TestParseWebsocketConfig(t *testing.T) {
	conf := "# comment\n\n   \nA=1\nB=\"two words\" # comment\nC=${A}x${UNSET}y\nD=a\\ b\\\"c\nE=cut here\nF=a#b\r\n  G=\"#\"\n"
	got, err := ParseWebsocketConfig([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, got, map[string]string{"A": "1", "B": "two words", "C": "1xy", "D": `a b"c`, "E": "cut", "F": "a", "G": "#"})
	for _, bad := range []struct{ conf, want string }{
		{"A=1\nnot a setting\n", "line 2: want KEY=VALUE"},
		{"A-B=1\n", "line 1: want KEY=VALUE"},
		{"=1\n", "line 1: want KEY=VALUE"},
		{"A=$HOME\n", "line 1: $ without {NAME}"},
		{"A=${HOME\n", "line 1: ${ without }"},
	} {
		if _, err := ParseWebsocketConfig([]byte(bad.conf)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseWebsocketConfig(%q): %v, want %q", bad.conf, err, bad.want)
		}
	}
}

func checkValues(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("settings %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestWebsocketEngineConfigCommands(t *testing.T) {
	on, off, err := WebsocketEngineConfigCommands("wsp.example.com.", 0)
	if err != nil {
		t.Fatal(err)
	}
	if on != "engine-config -s WebSocketProxy=wsp.example.com:6100" || off != "engine-config -s WebSocketProxy=Off" {
		t.Errorf("got %q, %q", on, off)
	}
	if on, _, _ := WebsocketEngineConfigCommands("wsp.example.com", 8443); on != "engine-config -s WebSocketProxy=wsp.example.com:8443" {
		t.Errorf("port 8443: %q", on)
	}
	for _, bad := range []struct {
		host string
		port int
	}{{"wsp.example.com", 65536}, {"wsp.example.com", -1}, {"wsp example", 6100}, {"Host", 6100}} {
		if on, off, err := WebsocketEngineConfigCommands(bad.host, bad.port); err == nil {
			t.Errorf("%s:%d: %q %q, want an error", bad.host, bad.port, on, off)
		}
	}
}
