package proxy

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/pkienroll/pkienroll/pki/host"
)

// The websocket proxy (ovirt-websocket-proxy, a websockify) on its own
// host: where its files are, what the engine calls its certificate, and the
// port it listens on.
const (
	// DefaultWebsocketPort is the port the engine's setup gives the proxy.
	DefaultWebsocketPort = 6100
	// WebsocketCertName is the base name of the proxy's key and
	// certificate in the PKI directory of its host.
	WebsocketCertName = "websocket-proxy"
	// DefaultWebsocketConfig is the file the engine's setup writes, and
	// the service reads after its defaults.
	DefaultWebsocketConfig = "/etc/ovirt-engine/ovirt-websocket-proxy.conf.d/10-setup.conf"
	// WebsocketAccount is the account ovirt-websocket-proxy runs as; it
	// must read the key and both certificates.
	WebsocketAccount = "ovirt"
)

// WebsocketFiles are the websocket proxy's files on its host: its key, its
// certificate, and the engine's certificate (which the proxy checks the
// engine's console tickets with), as the service's configuration names
// them. They are a pki/host Files, which writes them with their modes and
// owner and checks that the service can read them.
type WebsocketFiles = host.Files

// WebsocketFilesIn returns the files at the places the engine's setup
// puts them, below the PKI directory pkiDir of the proxy's host:
// keys/websocket-proxy.key.nopass, certs/websocket-proxy.cer and
// certs/engine.cer.
func WebsocketFilesIn(pkiDir string) WebsocketFiles {
	return WebsocketFiles{
		Key:        filepath.Join(pkiDir, "keys", WebsocketCertName+".key.nopass"),
		Cert:       filepath.Join(pkiDir, "certs", WebsocketCertName+".cer"),
		EngineCert: filepath.Join(pkiDir, "certs", "engine.cer"),
	}
}

// CheckWebsocketHost accepts the proxy's host name as browsers reach it
// and its certificate names it: a DNS name, not an IP address, and not
// one of the words engine-config reserves in WebSocketProxy ("Engine",
// "Host", "Off"). A trailing dot is dropped.
func CheckWebsocketHost(fqdn string) (string, error) {
	host := strings.TrimSuffix(fqdn, ".")
	if err := checkHostName(host); err != nil {
		return "", fmt.Errorf("websocket proxy host: %w", err)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return "", fmt.Errorf("websocket proxy host %s: give its DNS name, as browsers reach it and its certificate names it: %w", fqdn, ErrBadValue)
	}
	switch strings.ToLower(host) {
	case "engine", "host", "off":
		return "", fmt.Errorf("websocket proxy host %s: engine-config reads this word as a keyword of WebSocketProxy, not as a host: %w", fqdn, ErrBadValue)
	}
	return host, nil
}

// WebsocketRequestName is the name of the proxy's request and certificate
// in the engine's PKI directory, as the engine's setup names them:
// requests/websocket-proxy-FQDN.req, certs/websocket-proxy-FQDN.cer.
func WebsocketRequestName(fqdn string) (string, error) {
	host, err := CheckWebsocketHost(fqdn)
	if err != nil {
		return "", err
	}
	return WebsocketCertName + "-" + host, nil
}

// WebsocketConfig is what 10-setup.conf tells the websocket proxy.
type WebsocketConfig struct {
	// Port is PROXY_PORT; DefaultWebsocketPort when zero.
	Port int
	// Files are the key, certificate and engine certificate, as absolute
	// paths on the proxy host.
	Files WebsocketFiles
}

// RenderWebsocket returns 10-setup.conf for c: PROXY_PORT, SSL_CERTIFICATE,
// SSL_KEY, CERT_FOR_DATA_VERIFICATION and SSL_ONLY=True, which refuses
// connections without TLS. Values are written as the service's loader
// reads them back (ParseWebsocketConfig): plain where that is safe, else
// in double quotes with \ before ", \ and $.
func RenderWebsocket(c WebsocketConfig) ([]byte, error) {
	port := c.Port
	if port == 0 {
		port = DefaultWebsocketPort
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("websocket proxy port %d is outside 1..65535: %w", port, ErrBadValue)
	}
	var b bytes.Buffer
	b.WriteString("# ovirt-websocket-proxy: TLS only, with the proxy's own certificate and key.\n" +
		"# Made by pkienroll websocket-proxy config; read after the service's defaults.\n" +
		"PROXY_PORT=" + strconv.Itoa(port) + "\n")
	for _, v := range []struct{ key, what, path string }{
		{"SSL_CERTIFICATE", "certificate", c.Files.Cert},
		{"SSL_KEY", "key", c.Files.Key},
		// The engine's certificate: the proxy checks the signature of each
		// console ticket with it.
		{"CERT_FOR_DATA_VERIFICATION", "engine certificate", c.Files.EngineCert},
	} {
		value, err := configValue(v.what, v.path)
		if err != nil {
			return nil, err
		}
		b.WriteString(v.key + "=" + value + "\n")
	}
	b.WriteString("SSL_ONLY=True\n")
	return b.Bytes(), nil
}

// configValue spells an absolute path for the service's loader.
func configValue(what, path string) (string, error) {
	switch {
	case path == "":
		return "", fmt.Errorf("%s: empty path: %w", what, ErrBadValue)
	case !filepath.IsAbs(path):
		return "", fmt.Errorf("%s %s: not an absolute path (the service does not run in this directory): %w", what, path, ErrBadValue)
	}
	plain := true
	for _, r := range path {
		switch {
		case unicode.IsControl(r):
			// A line break would end the line, and the loader has no
			// escape for it.
			return "", fmt.Errorf("%s %q: a control character cannot be written in the configuration: %w", what, path, ErrBadValue)
		case unicode.IsSpace(r), strings.ContainsRune(`"'\$#`, r):
			plain = false
		}
	}
	if plain {
		return path, nil
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range path {
		if r == '"' || r == '\\' || r == '$' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String(), nil
}

// WebsocketEngineConfigCommands returns the engine-config lines that tell
// the engine where the websocket proxy is (HOST:PORT; the port is
// DefaultWebsocketPort when zero) and that there is none ("Off", the
// engine's default). The engine reads the setting at start-up.
func WebsocketEngineConfigCommands(fqdn string, port int) (on, off string, err error) {
	host, err := CheckWebsocketHost(fqdn)
	if err != nil {
		return "", "", err
	}
	if port == 0 {
		port = DefaultWebsocketPort
	}
	if port < 1 || port > 65535 {
		return "", "", fmt.Errorf("websocket proxy port %d is outside 1..65535: %w", port, ErrBadValue)
	}
	return "engine-config -s WebSocketProxy=" + host + ":" + strconv.Itoa(port), "engine-config -s WebSocketProxy=Off", nil
}
