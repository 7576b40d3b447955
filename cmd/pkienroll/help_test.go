package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
	"github.com/pkienroll/pkienroll/internal/pkitest"
)

func goldenPath(cmd []string) string {
	return filepath.Join("testdata", strings.Join(append([]string{"help"}, cmd...), "-")+".golden")
}

// model is kong's model of the command line, as run builds it.
func model(t *testing.T) *kong.Kong {
	t.Helper()
	parser, err := newParser(&cli{}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return parser
}

// commandPaths lists every command of the model, groups (ca) included,
// and the program itself (nil), in the model's order.
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	paths := [][]string{nil}
	var walk func(n *kong.Node, path []string)
	walk = func(n *kong.Node, path []string) {
		for _, c := range n.Children {
			if c.Type == kong.CommandNode && !c.Hidden {
				p := append(append([]string(nil), path...), c.Name)
				paths = append(paths, p)
				walk(c, p)
			}
		}
	}
	walk(model(t).Model.Node, nil)
	return paths
}

// TestHelp compares the --help of every command with
// testdata/help-*.golden (`go test ./cmd/pkienroll -update` rewrites them),
// checks that it fits in 80 columns, and that `-h` and `pkienroll help
// CMD` print the same.
func TestHelp(t *testing.T) {
	t.Setenv("COLUMNS", "")
	for _, cmd := range commandPaths(t) {
		name := strings.Join(append([]string{"pkienroll"}, cmd...), " ")
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, append(cmd, "--help")...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("%s --help:\n%s", name, r)
			}
			pkitest.Golden(t, goldenPath(cmd), r.stdout, *update)
			for i, line := range strings.Split(r.stdout, "\n") {
				if n := utf8.RuneCountInString(line); n > helpWidth {
					t.Errorf("%s --help line %d is %d columns wide, over %d:\n%s", name, i+1, n, helpWidth, line)
				}
			}
			if short := runCLI(t, append(cmd, "-h")...); short.stdout != r.stdout {
				t.Errorf("%s -h differs from --help", name)
			}
			if h := runCLI(t, append([]string{"help"}, cmd...)...); h.code != exitOK || h.stdout != r.stdout {
				t.Errorf("pkienroll help %s differs from %s --help:\n%s", strings.Join(cmd, " "), name, h)
			}
		})
	}
}

// TestHelpWidth renders every command's help for a wide terminal: it
// still stays within 80 columns.
func TestHelpWidth(t *testing.T) {
	t.Setenv("COLUMNS", "200")
	for _, cmd := range commandPaths(t) {
		r := runCLI(t, append(cmd, "--help")...)
		for _, line := range strings.Split(r.stdout, "\n") {
			if n := utf8.RuneCountInString(line); n > helpWidth {
				t.Errorf("pkienroll %s --help with COLUMNS=200: %d columns: %s", strings.Join(cmd, " "), n, line)
			}
		}
	}
}

// TestHelpCommandErrors: `pkienroll help` of a command that does not exist
// is a usage error.
func TestHelpCommandErrors(t *testing.T) {
	r := runCLI(t, "help", "bogus")
	if r.code != exitUsage || r.stdout != "" {
		t.Errorf("pkienroll help bogus:\n%s\nwant exit %d and nothing on stdout", r, exitUsage)
	}
	assertOneErrorLine(t, r.stderr, "bogus")
}

// TestHelpShowsDefaults checks that every flag with a default shows it in
// --help, either as kong's --flag=DEFAULT or in the help text, so that
// nobody has to read the source (or docs/cli.md) to learn it.
func TestHelpShowsDefaults(t *testing.T) {
	parser := model(t)
	var walk func(n *kong.Node, path []string)
	walk = func(n *kong.Node, path []string) {
		if len(n.Flags) > 0 {
			// A default may be wrapped onto the next line: compare words.
			help := strings.Join(strings.Fields(runCLI(t, append(path, "--help")...).stdout), " ")
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
			if c.Type == kong.CommandNode && !c.Hidden {
				walk(c, append(append([]string(nil), path...), c.Name))
			}
		}
	}
	walk(parser.Model.Node, nil)
}

// TestVersion: --version and `pkienroll version` name the program, its
// version and the Go that built it; a version stamped at build time wins.
func TestVersion(t *testing.T) {
	goVersion := " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	for _, args := range [][]string{{"--version"}, {"version"}, {"-q", "--version"}} {
		r := runCLI(t, args...)
		// An openssl build's `version` adds a signature line (version_signer_test.go).
		first, _, _ := strings.Cut(r.stdout, "\n")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "pkienroll ") || !strings.HasSuffix(first+"\n", goVersion) || r.stderr != "" {
			t.Errorf("pkienroll %s:\n%s\nwant exit 0 and pkienroll VERSION%q", strings.Join(args, " "), r, goVersion)
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runBinary(t, "022", args...)
		want := "pkienroll " + binaryVersion + goVersion
		got := r.stdout
		if opensslsign.Built && args[0] == "version" {
			// The binary is make build-openssl's: it names its signer.
			var signer string
			got, signer, _ = strings.Cut(r.stdout, "signature: ")
			if !strings.HasPrefix(signer, "openssl (OpenSSL ") {
				t.Errorf("pkienroll version of the openssl build:\n%s\nwant a line \"signature: openssl (OpenSSL …)\"", r)
			}
		}
		if r.code != 0 || got != want {
			t.Errorf("pkienroll %s built with -X main.version=%s:\n%s\nwant %q", args[0], binaryVersion, r, want)
		}
	}
}

// TestDocsCoverEveryFlag keeps docs/cli.md in step with the code: every
// command has its section and every flag is described there.
func TestDocsCoverEveryFlag(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	parser := model(t)
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
			if c.Type == kong.CommandNode && !c.Hidden {
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

// TestUsageLines: the usage line names one-of flags as alternatives, the
// flags that go together with their partner, and optional one-of groups
// in brackets.
func TestUsageLines(t *testing.T) {
	tests := []struct {
		cmd  []string
		want string
	}{
		{[]string{"request"}, "Usage: pkienroll request (--subject=S | --ca-cert=FILE --cn=FQDN) (--key=FILE | --keyout=FILE) --out=FILE [--passphrase-file=FILE | --passphrase-env=VAR] [flags]"},
		{[]string{"revoke"}, "Usage: pkienroll revoke (--name=NAME | --serial=HEX) [flags]"},
		{[]string{"enroll"}, "Usage: pkienroll enroll --name=NAME --subject=S (--password-file=FILE | --password-env=VAR | --password=PASSWORD) [flags]"},
		{[]string{"obtain"}, "Usage: pkienroll obtain --server=URL (--token=TOKEN | --token-file=FILE | --token-env=VAR) --ca-fingerprint=SHA256:HEX --cn=FQDN --key=FILE --cert=FILE --ca-out=FILE [flags]"},
		{[]string{"ca", "init"}, "Usage: pkienroll ca init --subject=S [--truststore-password-file=FILE | --truststore-password-env=VAR] [flags]"},
	}
	for _, tc := range tests {
		help := runCLI(t, append(tc.cmd, "--help")...).stdout
		usage, _, _ := strings.Cut(help, "\n\n")
		if got := strings.Join(strings.Fields(usage), " "); got != tc.want {
			t.Errorf("pkienroll %s --help usage:\n%s\nwant (rewrapped):\n%s", strings.Join(tc.cmd, " "), usage, tc.want)
		}
		for _, line := range strings.Split(usage, "\n") {
			if strings.Count(line, "(") != strings.Count(line, ")") || strings.Count(line, "[") != strings.Count(line, "]") {
				t.Errorf("usage line breaks inside a group: %q", line)
			}
		}
	}
}
