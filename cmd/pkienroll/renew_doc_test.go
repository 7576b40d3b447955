package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestNetworkDocExamples runs the examples of docs/cli.md's obtain and
// renew sections, in order, against `pkienroll serve`, and
// wants what they show, with paths, dates, numbers and the fingerprint
// masked.
func TestNetworkDocExamples(t *testing.T) {
	examples := networkDocExamples(strings.Split(pkitest.ReadFile(t, filepath.Join("..", "..", "docs", "cli.md")), "\n"))
	if len(examples) != 3 {
		t.Fatalf("docs/cli.md has %d examples of obtain and renew; the test expects obtain, renew not due, renew due", len(examples))
	}
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	tokenFile := filepath.Join(dir, "proxy.token")
	writeFile(t, tokenFile, mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com"))
	s := startServe(t, pkiDir)
	fp := strings.TrimSpace(openssl(t, "x509", "-in", filepath.Join(pkiDir, "ca.pem"), "-noout", "-fingerprint", "-sha256"))
	fp = fp[strings.IndexByte(fp, '=')+1:]
	proxyDir := filepath.Join(dir, "proxy")
	bin := filepath.Join(dir, "bin")
	for _, d := range []string{proxyDir, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pkitest.MustCopyFile(t, binary(t), filepath.Join(bin, "pkienroll"))
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(pkitest.GuideShims), 0o755); err != nil {
		t.Fatal(err)
	}
	shimLog := filepath.Join(dir, "shims.log")
	fingerprint := regexp.MustCompile(`[0-9A-F]{2}(:[0-9A-F]{2}){31}`)
	mask := func(s string) string {
		s = strings.ReplaceAll(s, proxyDir, "/etc/pki/proxy")
		s = regexp.MustCompile(`\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\dZ)?`).ReplaceAllString(s, "DATE")
		return regexp.MustCompile(`[0-9]+`).ReplaceAllString(s, "N")
	}
	for _, ex := range examples {
		if !strings.HasPrefix(ex.command, "pkienroll ") {
			t.Fatalf("docs/cli.md: %q is not a pkienroll command", ex.command)
		}
		cmdline := strings.NewReplacer(
			"https://engine.example.com:8443", "https://"+s.addr,
			"/root/proxy.token", tokenFile,
			"/etc/pki/proxy/", proxyDir+"/",
		).Replace(ex.command)
		cmdline = fingerprint.ReplaceAllString(cmdline, fp)
		cmd := exec.Command("sh", "-c", cmdline)
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "GUIDE_LOG=" + shimLog, "GUIDE_HOST=proxy"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("$ %s\n%v\n%s", ex.command, err, out)
		}
		if got, want := mask(stripLogTime(string(out))), mask(strings.Join(ex.output, "\n")+"\n"); got != want {
			t.Errorf("docs/cli.md: $ %s\nshows:\n%s\nprints:\n%s", ex.command, want, got)
		}
	}
	if log := pkitest.ReadFile(t, shimLog); log != "proxy systemctl reload squid\n" {
		t.Errorf("hooks run: %q, want one reload, for the renewal that was due", log)
	}
}

// networkDocExamples are the console examples of docs/cli.md's obtain and
// renew sections, in order.
func networkDocExamples(lines []string) []cliExample {
	var examples []cliExample
	in, inConsole := false, false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "## "):
			in = l == "## pkienroll obtain" || l == "## pkienroll renew"
		case in && l == "```console":
			inConsole = true
		case inConsole && l == "```":
			inConsole = false
		case inConsole && strings.HasPrefix(l, "$ "):
			examples = append(examples, cliExample{command: strings.TrimPrefix(l, "$ ")})
		case inConsole && len(examples) > 0:
			examples[len(examples)-1].output = append(examples[len(examples)-1].output, l)
		}
	}
	return examples
}
