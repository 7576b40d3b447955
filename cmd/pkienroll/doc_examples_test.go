package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
)

// cliExample is one `$ ...` command of a console block of docs/cli.md
// (continued over lines ending in '\'), and the lines shown after it.
type cliExample struct {
	command  string
	output   []string
	from, to int // the output's lines in the document, [from, to)
}

// cliDocExamples returns the console examples of docs/cli.md outside the
// websocket-proxy sections (TestWebsocketProxyDocExamples runs those) and
// the network ones (TestNetworkDocExamples).
func cliDocExamples(lines []string) []cliExample {
	var examples []cliExample
	inSection, inConsole, continued := true, false, false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "## "):
			// The network examples need a server: TestNetworkDocExamples
			// runs them.
			inSection = !strings.HasPrefix(l, "## pkienroll websocket-proxy ") && l != "## pkienroll renew" && l != "## pkienroll obtain"
		case strings.HasPrefix(l, "### Over the network"):
			inSection = false
		case inSection && l == "```console":
			inConsole = true
		case inConsole && l == "```":
			inConsole = false
		case inConsole && continued:
			ex := &examples[len(examples)-1]
			ex.command = strings.TrimSuffix(ex.command, `\`) + " " + strings.TrimSpace(l)
			continued = strings.HasSuffix(l, `\`)
			ex.from, ex.to = i+1, i+1
		case inConsole && strings.HasPrefix(l, "$ "):
			examples = append(examples, cliExample{command: strings.TrimPrefix(l, "$ "), from: i + 1, to: i + 1})
			continued = strings.HasSuffix(l, `\`)
		case inConsole && len(examples) > 0:
			ex := &examples[len(examples)-1]
			ex.output = append(ex.output, l)
			ex.to = i + 1
		}
	}
	return examples
}

// docSetup is what the story of docs/cli.md does between its examples, in
// prose ("copy proxy.req to the engine"), keyed by the example it comes
// before. $PKI is the engine's PKI directory, $S the sandbox; the working
// directory is the sandbox's /root.
var docSetup = map[string]string{
	"pkienroll subject --cert ca.pem --cn proxy.example.com":                                                                 `cp "$PKI/ca.pem" .`,
	"pkienroll sign --name=proxy --days=3650":                                                                                `cp proxy.req "$PKI/requests/proxy.req"`,
	"pkienroll keygen --out proxy.key":                                                                                       `rm -f proxy.key proxy.req`,
	"pkienroll sign --pki-dir /etc/pki/ovirt-engine --name proxy --days 825":                                                 `cp proxy.req "$PKI/requests/proxy.req"`,
	"pkienroll enroll --name=spice --subject=\"/C=US/O=Example Inc./CN=spice.example.com\" --password-file=/root/spice.pass": `echo s3cret-pw > spice.pass`,
	"pkienroll verify --ca /etc/pki/ovirt-engine/ca.pem --cert proxy.cer --key proxy.key --host proxy.example.com":           `cp "$PKI/certs/proxy.cer" . && pkienroll -q keygen --out other.key`,
	"pkienroll verify --ca ca.pem --cert proxy.cer --crl /etc/pki/ovirt-engine/ca.crl":                                       `pkienroll -q revoke --name proxy --reason keyCompromise && pkienroll -q crl --out "$PKI/ca.crl"`,
	"pkienroll inspect /var/www/html/engine.crl":                                                                             `pkienroll -q crl --out "$S/www/engine.crl"`,
	"pkienroll inspect proxy-encrypted.key":                                                                                  `PW=s3cret pkienroll -q keygen --out proxy-encrypted.key --passphrase-env PW`,
	"pkienroll crl --out /var/www/html/engine.crl":                                                                           `rm -f "$S/www/engine.crl"`,
}

// notCompared are commands of the story whose output the document leaves
// out on purpose: the bundle's key in the clear.
var notCompared = map[string]bool{
	"openssl pkcs12 -in /etc/pki/ovirt-engine/keys/spice.p12 -passin file:/root/spice.pass -nodes": true,
}

// TestCLIDocExamples runs every console example of docs/cli.md, in order,
// as one shell session in a sandbox that stands in for the engine's and
// the proxy's directories (/etc/pki/ovirt-engine, /root, /var/www/html,
// /etc/pki), with the built pkienroll on PATH, and wants what each shows,
// numbers and fingerprints aside (dates, serials and keys differ from run
// to run). A line "..." in the document stands for lines left out before
// the ones shown. With -update it rewrites the examples' output in
// docs/cli.md from this run.
func TestCLIDocExamples(t *testing.T) {
	bash := testenv.LookPath(t, "bash", "bash")
	testenv.LookPath(t, "openssl", "openssl")
	testenv.LookPath(t, "jq", "jq")
	docPath := filepath.Join("..", "..", "docs", "cli.md")
	lines := strings.Split(pkitest.ReadFile(t, docPath), "\n")
	examples := cliDocExamples(lines)
	if len(examples) < 30 {
		t.Fatalf("docs/cli.md has %d console examples outside websocket-proxy; the test expects the whole story", len(examples))
	}
	s := t.TempDir()
	for _, d := range []string{"root", "www", "etcpki"} {
		if err := os.Mkdir(filepath.Join(s, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pkiDir := filepath.Join(s, "pki")
	to := strings.NewReplacer("/etc/pki/ovirt-engine", pkiDir, "/root/", s+"/root/", "/var/www/html", s+"/www", "/etc/pki/", s+"/etcpki/")
	back := strings.NewReplacer(pkiDir, "/etc/pki/ovirt-engine", s+"/root", "/root", s+"/www", "/var/www/html", s+"/etcpki", "/etc/pki")

	var script strings.Builder
	fmt.Fprintf(&script, "export S=%s PKI=%s PATH=%s:$PATH\nunset PKIENROLL_PKI_DIR\ncd \"$S/root\"\n",
		shellQuote(s), shellQuote(pkiDir), shellQuote(filepath.Dir(binary(t))))
	for i, ex := range examples {
		if setup, ok := docSetup[ex.command]; ok {
			fmt.Fprintf(&script, "{ %s; } >/dev/null 2>&1 || echo 'setup failed: %d'\n", setup, i)
		}
		fmt.Fprintf(&script, "echo '@@@ %d'\n%s 2>&1\n", i, to.Replace(ex.command))
	}
	out, _ := exec.Command(bash, "-c", script.String()).CombinedOutput()
	got := map[int][]string{}
	cur := -1
	for _, l := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		var n int
		if _, err := fmt.Sscanf(l, "@@@ %d", &n); err == nil && strings.HasPrefix(l, "@@@ ") {
			cur = n
			got[cur] = []string{}
			continue
		}
		if strings.HasPrefix(l, "setup failed") {
			t.Errorf("docs/cli.md story: %s (before %q)", l, examples[n].command)
		}
		got[cur] = append(got[cur], back.Replace(stripLogTime(l)))
	}

	changed := false
	for i := len(examples) - 1; i >= 0; i-- {
		ex := examples[i]
		if notCompared[ex.command] {
			continue
		}
		want, actual := ex.output, got[i]
		elided := len(want) > 0 && want[0] == "..."
		if elided {
			want = want[1:]
			if len(actual) > len(want) {
				actual = actual[len(actual)-len(want):]
			}
		}
		if normalizeDoc(actual) == normalizeDoc(want) {
			continue
		}
		if *update {
			if elided {
				actual = append([]string{"..."}, actual...)
			}
			lines = append(lines[:ex.from], append(append([]string{}, actual...), lines[ex.to:]...)...)
			changed = true
			continue
		}
		t.Errorf("docs/cli.md:%d: $ %s\nshows:\n%s\nprints:\n%s", ex.from, ex.command, strings.Join(ex.output, "\n"), strings.Join(got[i], "\n"))
	}
	if changed {
		if err := os.WriteFile(docPath, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote the examples' output in docs/cli.md")
	}
}

var (
	docHex     = regexp.MustCompile(`[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+`)
	docTokenID = regexp.MustCompile(`\b[0-9a-f]{12}\b`)
	docToken   = regexp.MustCompile(`(?m)^[A-Za-z0-9_-]{43}$`)
	docDigits  = regexp.MustCompile(`[0-9]+`)
)

// normalizeDoc is output with what changes from run to run made equal:
// fingerprints and key IDs, enrollment tokens and their IDs, then every
// number.
func normalizeDoc(lines []string) string {
	s := strings.Join(lines, "\n")
	s = docHex.ReplaceAllString(s, "HEX")
	s = docToken.ReplaceAllString(s, "TOKEN")
	s = docTokenID.ReplaceAllString(s, "ID")
	return docDigits.ReplaceAllString(s, "N")
}
