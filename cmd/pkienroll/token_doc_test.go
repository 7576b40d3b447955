package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docExamplesUnder returns the console examples of the docs/cli.md
// sections whose heading starts with "## "+prefix, in order.
func docExamplesUnder(t *testing.T, prefix string) []docExample {
	t.Helper()
	doc := readFile(t, filepath.Join("..", "..", "docs", "cli.md"))
	var examples []docExample
	inSection, inConsole := false, false
	for _, l := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(l, "## "):
			inSection = strings.HasPrefix(l, "## "+prefix)
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

// TestTokenDocExamples runs the examples of docs/cli.md's token sections
// in order, in a sandbox PKI directory, and wants what they show, with the
// token, its ID and the dates (which differ on every run) masked.
func TestTokenDocExamples(t *testing.T) {
	examples := docExamplesUnder(t, "pkienroll token ")
	if len(examples) != 3 {
		t.Fatalf("docs/cli.md has %d token examples; the test expects create, list and revoke", len(examples))
	}
	pkiDir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	mask := func(s string) string {
		s = strings.ReplaceAll(s, pkiDir, "/etc/pki/ovirt-engine")
		s = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`).ReplaceAllString(s, "DATE")
		s = regexp.MustCompile(`\b[0-9a-f]{12}\b`).ReplaceAllString(s, "ID")
		return regexp.MustCompile(`(?m)^[A-Za-z0-9_-]{43}$`).ReplaceAllString(s, "TOKEN")
	}
	for _, ex := range examples {
		args := strings.Fields(ex.command)
		if len(args) < 3 || args[0] != "pkienroll" || args[1] != "token" {
			t.Fatalf("docs/cli.md: %q is not a token command", ex.command)
		}
		for i, a := range args {
			if a == "/etc/pki/ovirt-engine" {
				args[i] = pkiDir
			}
		}
		r := runCLI(t, args[1:]...)
		if r.code != 0 {
			t.Fatalf("$ %s\n%s", ex.command, r)
		}
		got, want := mask(r.stderr+r.stdout), mask(strings.Join(ex.output, "\n")+"\n")
		if got != want {
			t.Errorf("docs/cli.md: $ %s\nshows:\n%s\nprints:\n%s", ex.command, want, got)
		}
	}
}
