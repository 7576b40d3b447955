package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// docExample is one `$ pkienroll ...` line of a console block in
// docs/cli.md, and the lines the tool printed after it.
type docExample struct {
	command string
	output  []string
}

// wspDocExamples returns the console examples of the websocket-proxy
// sections of docs/cli.md, in order.
func wspDocExamples(t *testing.T) []docExample {
	t.Helper()
	doc := pkitest.ReadFile(t, filepath.Join("..", "..", "docs", "cli.md"))
	var examples []docExample
	inSection, inConsole := false, false
	for _, l := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(l, "## "):
			inSection = strings.HasPrefix(l, "## pkienroll websocket-proxy ")
		case inSection && l == "```console":
			inConsole = true
		case inConsole && l == "```":
			inConsole = false
		case inConsole && strings.HasPrefix(l, "$ "):
			examples = append(examples, docExample{command: strings.TrimPrefix(l, "$ ")})
		case inConsole && len(examples) > 0:
			examples[len(examples)-1].output = append(examples[len(examples)-1].output, l)
		}
	}
	return examples
}

// TestWebsocketProxyDocExamples runs the examples of docs/cli.md's
// websocket-proxy sections in order, the proxy host's and the engine's PKI
// directories in a sandbox, and wants what they show, numbers and dates
// aside. What a sandbox needs is added to the commands: the service's
// account, the engine's address, where the configuration goes.
func TestWebsocketProxyDocExamples(t *testing.T) {
	examples := wspDocExamples(t)
	if len(examples) < 6 {
		t.Fatalf("docs/cli.md has %d websocket-proxy examples; the test expects request, sign, engine-cert and config", len(examples))
	}
	dir := t.TempDir()
	enginePKI, proxyPKI := filepath.Join(dir, "engine"), filepath.Join(dir, "proxy")
	conf := filepath.Join(dir, "10-setup.conf")
	if err := os.MkdirAll(proxyPKI, 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-q", "ca", "init", "--pki-dir", enginePKI, "--subject", caSubject)
	for _, name := range []string{"apache", "engine"} {
		mustRun(t, "-q", "request", "--ca-cert", filepath.Join(enginePKI, "ca.pem"), "--cn", "engine.example.com",
			"--keyout", filepath.Join(dir, name+".key"), "--out", filepath.Join(enginePKI, "requests", name+".req"))
		mustRun(t, "-q", "sign", "--pki-dir", enginePKI, "--name", name)
	}
	pkitest.MustCopyFile(t, filepath.Join(enginePKI, "ca.pem"), filepath.Join(proxyPKI, "ca.pem"))
	port := engineStandIn(t, filepath.Join(enginePKI, "certs", "apache.cer"), filepath.Join(dir, "apache.key"), filepath.Join(enginePKI, "certs", "engine.cer"))
	owner := me(t)

	digits := regexp.MustCompile(`[0-9]+`)
	back := strings.NewReplacer(proxyPKI, "/etc/pki/ovirt-engine", enginePKI, "/etc/pki/ovirt-engine", conf, proxy.DefaultWebsocketConfig,
		"owner="+owner, "owner=ovirt", "engine.example.com:"+strconv.Itoa(port), "engine.example.com:443")
	for _, ex := range examples {
		args := strings.Fields(ex.command)
		if len(args) < 3 || args[0] != "pkienroll" || args[1] != "websocket-proxy" {
			t.Fatalf("docs/cli.md: %q is not a websocket-proxy command", ex.command)
		}
		args = args[1:]
		pkiDir := proxyPKI
		switch args[1] {
		case "sign":
			pkiDir = enginePKI
		case "engine-cert":
			for i, a := range args {
				if a == "engine.example.com" {
					args[i] = "engine.example.com:" + strconv.Itoa(port)
					args = append(args, "--engine-address", "127.0.0.1")
				}
			}
			args = append(args, "--owner", owner)
		case "config":
			args = append(args, "--out", conf, "--owner", owner)
		case "request":
			args = append(args, "--owner", owner)
		}
		t.Setenv("PKIENROLL_PKI_DIR", pkiDir)
		r := runCLI(t, args...)
		got := digits.ReplaceAllString(back.Replace(r.stderr+r.stdout), "N")
		var want strings.Builder
		for _, l := range ex.output {
			want.WriteString(l + "\n")
		}
		// The examples show the logs (stderr) before the results (stdout),
		// as a terminal shows them.
		if got != digits.ReplaceAllString(want.String(), "N") {
			t.Errorf("docs/cli.md: $ %s\nshows:\n%s\nprints:\n%s", ex.command, want.String(), back.Replace(r.stderr+r.stdout))
		}
		// The files move between the hosts as the guide moves them.
		switch args[1] {
		case "request":
			name := "websocket-proxy-" + args[3] + ".req"
			pkitest.MustCopyFile(t, filepath.Join(proxyPKI, "requests", name), filepath.Join(enginePKI, "requests", name))
		case "sign":
			pkitest.MustCopyFile(t, filepath.Join(enginePKI, "certs", "websocket-proxy-"+args[3]+".cer"), proxy.WebsocketFilesIn(proxyPKI).Cert)
		}
	}
}
