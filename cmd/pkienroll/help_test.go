package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/pki"
)

// commands are the command paths whose --help is kept as a golden file.
var commands = [][]string{
	nil,
	{"subject"},
	{"keygen"},
	{"request"},
	{"ca"},
	{"ca", "init"},
	{"ca", "renew"},
	{"ca", "check"},
	{"sign"},
	{"verify"},
	{"inspect"},
	{"list"},
	{"revoke"},
	{"crl"},
	{"enroll"},
	{"pkcs12", "extract"},
	{"squid-config", "portal"},
	{"squid-config", "spice"},
	{"spice-proxy", "check"},
	{"serve"},
	{"token", "create"},
	{"token", "list"},
	{"token", "revoke"},
}

func goldenPath(cmd []string) string {
	return filepath.Join("testdata", strings.Join(append([]string{"help"}, cmd...), "-")+".golden")
}

// TestHelp compares each command's --help with testdata/help-*.golden;
// `go test ./cmd/pkienroll -update` rewrites them.
func TestHelp(t *testing.T) {
	for _, cmd := range commands {
		name := strings.Join(append([]string{"pkienroll"}, cmd...), " ")
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, append(cmd, "--help")...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("%s --help:\n%s", name, r)
			}
			compareGolden(t, goldenPath(cmd), r.stdout)
			// -h is the same.
			if short := runCLI(t, append(cmd, "-h")...); short.stdout != r.stdout {
				t.Errorf("%s -h differs from --help", name)
			}
		})
	}
}

// TestHelpShowsDefaults checks that every flag with a default shows it in
// --help, either as kong's --flag=DEFAULT or in the help text, so that
// nobody has to read the source (or docs/cli.md) to learn it.
func TestHelpShowsDefaults(t *testing.T) {
	parser, err := kong.New(&cli{}, kong.Name("pkienroll"),
		kong.Vars{"version": version, "default_pki_dir": pki.DefaultPKIDir})
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *kong.Node, path []string)
	walk = func(n *kong.Node, path []string) {
		if len(n.Flags) > 0 {
			help := runCLI(t, append(path, "--help")...).stdout
			for _, f := range n.Flags {
				if !f.HasDefault || f.Default == "" || f.IsBool() {
					continue
				}
				shown := []string{"--" + f.Name + "=" + f.Default, "--" + f.Name + `="` + f.Default + `"`, "else " + f.Default}
				ok := false
				for _, s := range shown {
					ok = ok || strings.Contains(help, s)
				}
				if !ok {
					t.Errorf("pkienroll %s --help does not show the default %q of --%s:\n%s", strings.Join(path, " "), f.Default, f.Name, help)
				}
			}
		}
		for _, c := range n.Children {
			if c.Type == kong.CommandNode {
				walk(c, append(append([]string(nil), path...), c.Name))
			}
		}
	}
	walk(parser.Model.Node, nil)
}

func TestVersion(t *testing.T) {
	r := runCLI(t, "--version")
	if r.code != 0 || r.stdout != version+"\n" || r.stderr != "" {
		t.Errorf("--version:\n%s\nwant exit 0 and %q", r, version+"\n")
	}
	// A version stamped at build time is what --version prints.
	r = runBinary(t, "022", "--version")
	if r.code != 0 || r.stdout != binaryVersion+"\n" {
		t.Errorf("pkienroll --version built with -X main.version=%s:\n%s", binaryVersion, r)
	}
}

// TestDocsCoverEveryFlag keeps docs/cli.md in step with the code: every
// command has its section and every flag is described there.
func TestDocsCoverEveryFlag(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	parser, err := kong.New(&cli{}, kong.Name("pkienroll"),
		kong.Vars{"version": version, "default_pki_dir": pki.DefaultPKIDir})
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *kong.Node, path []string)
	walk = func(n *kong.Node, path []string) {
		runnable := len(path) > 0 && len(n.Children) == 0
		if runnable && !strings.Contains(string(doc), "\n## pkienroll "+strings.Join(path, " ")+"\n") {
			t.Errorf("docs/cli.md has no section \"## pkienroll %s\"", strings.Join(path, " "))
		}
		for _, f := range n.Flags {
			if !strings.Contains(string(doc), "`--"+f.Name) {
				t.Errorf("docs/cli.md does not describe --%s of pkienroll %s", f.Name, strings.Join(path, " "))
			}
		}
		for _, c := range n.Children {
			if c.Type == kong.CommandNode {
				walk(c, append(append([]string(nil), path...), c.Name))
			}
		}
	}
	walk(parser.Model.Node, nil)
	for _, code := range []int{exitOK, exitError, 2, exitUsage, exitInterrupted} {
		if !strings.Contains(string(doc), fmt.Sprintf("\n| %d |", code)) {
			t.Errorf("docs/cli.md does not list exit code %d", code)
		}
	}
}
