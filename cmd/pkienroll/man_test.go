package main

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// TestManPage checks the manual page `pkienroll man` writes (and `make
// man` keeps): its sections, a section per command and every flag, drawn
// from the same model as --help; and, where groff is installed, that groff
// renders it without a warning.
func TestManPage(t *testing.T) {
	r := runCLI(t, "man")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("pkienroll man:\n%s", r)
	}
	page := r.stdout
	if !strings.HasPrefix(page, ".TH PKIENROLL 1 ") {
		t.Errorf("the page does not start with .TH PKIENROLL 1: %.60q", page)
	}
	for _, sh := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL FLAGS", "COMMANDS", "ENVIRONMENT", "EXIT STATUS", "SEE ALSO"} {
		if !strings.Contains(page, "\n.SH "+sh+"\n") {
			t.Errorf("no section .SH %s", sh)
		}
	}
	for _, code := range []int{exitOK, exitError, exitCheckFailed, exitUsage, exitInterrupted} {
		if !strings.Contains(page, "\n.B "+strconv.Itoa(code)+"\n") {
			t.Errorf("exit status %d is not listed", code)
		}
	}
	for _, node := range model(t).Model.Leaves(true) {
		if node.Type != kong.CommandNode {
			continue
		}
		name := strings.TrimSpace(node.Path())
		if !strings.Contains(page, "\n.SS \"pkienroll "+roffText(name)+"\"\n") {
			t.Errorf("no section for pkienroll %s", name)
		}
		for _, f := range node.Flags {
			if !strings.Contains(page, `\fB\-\-`+roffText(f.Name)+`\fR`) {
				t.Errorf("pkienroll %s: --%s is not in the page", name, f.Name)
			}
		}
	}
	if strings.Contains(page, "\n.SS \"pkienroll man\"") {
		t.Error("the hidden man command is in the page")
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Log("groff is not installed: the page was checked for its structure only")
		return
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("groff -man -ww: %v\n%s", err, stderr.String())
	}
}

func TestRoffText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"--pki-dir", `\-\-pki\-dir`},
		{`a\b`, `a\eb`},
		{".TH line\n'quote", "\\&.TH line\n\\&'quote"},
	}
	for _, tc := range tests {
		if got := roffText(tc.in); got != tc.want {
			t.Errorf("roffText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
