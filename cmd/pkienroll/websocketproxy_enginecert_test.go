package main

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
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

// TestWebsocketProxyEngineCertOneCertificate: the engine's answer must be
// one PEM certificate. The first of several, one with a private key after
// it or text around it, was written as the engine's; each is now refused
// in one line that shows no key, and nothing is written.
func TestWebsocketProxyEngineCertOneCertificate(t *testing.T) {
	f := newWspFiles(t)
	engineCer := filepath.Join(f.enginePKI, "certs", "engine.cer")
	engineKey := filepath.Join(f.dir, "engine", "engine.key")
	cert, key := pkitest.ReadFile(t, engineCer), pkitest.ReadFile(t, engineKey)
	answers := t.TempDir()
	serve := func(name, body string) string {
		path := filepath.Join(answers, name)
		writeFile(t, path, body)
		return strconv.Itoa(engineStandIn(t, engineCer, engineKey, path))
	}
	fetch := func(port string) []string {
		return []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}", "--engine", "engine.example.com:" + port,
			"--engine-address", "127.0.0.1", "--out", "{dir}/fetched.cer", "--owner", ""}
	}
	checkWspBadInput(t, []wspBadCase{
		{name: "two certificates", args: fetch(serve("two", cert+pkitest.ReadFile(t, filepath.Join(f.enginePKI, "ca.pem")))),
			want: []string{"fetch https://", `not one PEM certificate: a "CERTIFICATE" block follows it`}},
		{name: "certificate and its key", args: fetch(serve("key", cert+key)),
			want: []string{"fetch https://", `not one PEM certificate: a "PRIVATE KEY" block follows it`}},
		{name: "text around it", args: fetch(serve("html", "<html><pre>\n"+cert+"</pre></html>\n")),
			want: []string{"fetch https://", "not one PEM certificate: text comes before it"}},
		{name: "text after it", args: fetch(serve("trailer", cert+"-- \nengine\n")),
			want: []string{"fetch https://", "not one PEM certificate: text follows it"}},
	})
}
