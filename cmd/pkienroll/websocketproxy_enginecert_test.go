package main

import (
	"path/filepath"
	"strconv"
	"testing"
)

// TestWebsocketProxyEngineCertNotAnother: engine-cert takes only the
// engine's own certificate, though the CA signed others too: fetched, it
// must name the --engine host; fetched or copied, it must not be a CA's.
// Each is refused in one line and nothing is written.
func TestWebsocketProxyEngineCertNotAnother(t *testing.T) {
	f := newWspFiles(t)
	engineCer := filepath.Join(f.enginePKI, "certs", "engine.cer")
	engineKey := filepath.Join(f.dir, "engine", "engine.key")
	servesProxy := strconv.Itoa(engineStandIn(t, engineCer, engineKey, filepath.Join(f.proxyPKI, "certs", "websocket-proxy.cer")))
	servesCA := strconv.Itoa(engineStandIn(t, engineCer, engineKey, filepath.Join(f.enginePKI, "ca.pem")))
	fetch := func(port string) []string {
		return []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}", "--engine", "engine.example.com:" + port,
			"--engine-address", "127.0.0.1", "--out", "{dir}/fetched.cer", "--owner", ""}
	}
	checkWspBadInput(t, []wspBadCase{
		{name: "fetched: another host's", args: fetch(servesProxy),
			want: []string{"engine certificate from https://", "does not name the engine engine.example.com (names " + wspCN + ")"}},
		{name: "fetched: the CA's", args: fetch(servesCA),
			want: []string{"engine certificate from https://", "is a CA certificate"}},
		{name: "copied: the CA's", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--from", "{engine}/ca.pem", "--out", "{dir}/engine.cer", "--owner", ""},
			want: []string{"engine certificate {engine}/ca.pem: ", "is a CA certificate"}},
	})
}
