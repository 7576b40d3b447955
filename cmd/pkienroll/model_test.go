package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/kong"
)

// TestOneCommandSameAsWhole: every command line prints and exits the same
// with one command's model as with the whole, errors and refusals
// included (those are answered by the whole model).
func TestOneCommandSameAsWhole(t *testing.T) {
	dir := t.TempDir()
	noStore := filepath.Join(dir, "none")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"version"},
		{"-q", "version"},
		{"-vq", "version"},
		{"--log-format", "json", "version"},
		{"--log-format=logfmt", "version"},
		{"--log-format", "yaml", "version"},
		{"version", "--verbose"},
		{"version", "extra"},
		{"sign"},
		{"sign", "--name", ""},
		{"sign", "--nope"},
		{"sign", "--pki-dir", noStore, "--name", "proxy"},
		{"-v", "sign", "--pki-dir", noStore, "--name", "proxy", "--days", "0"},
		{"--log-format", "json", "sign", "--pki-dir", noStore, "--name", "proxy"},
		{"sign", "--pki-dir", noStore, "--name", "proxy", "--timeout", "x"},
		{"ca", "init", "--pki-dir", noStore},
		{"ca", "nope"},
		{"ca"},
		{"list", "--pki-dir", empty},
		{"inspect", filepath.Join(dir, "missing.pem")},
		{"subject", "/C=US/O=Example Inc./CN=a.example.com"},
		{"subject", "-q"},
		{"enroll", "--server", "https://127.0.0.1:1", "--pki-dir", empty},
		{"sig"},
		{"-x", "version"},
		{"-qh"},
		{"sign", "-h"},
		{"sign", "--version"},
		{"help", "sign"},
	}
	for _, args := range cases {
		var one, whole bytes.Buffer
		codeOne := run(context.Background(), args, &one, &one)
		codeWhole := runWhole(context.Background(), args, &whole, &whole)
		if codeOne != codeWhole || one.String() != whole.String() {
			t.Errorf("%q:\none command: exit %d\n%s\nwhole model: exit %d\n%s", args, codeOne, one.String(), codeWhole, whole.String())
		}
	}
}

// TestCommandName: which command lines may use one command's model.
func TestCommandName(t *testing.T) {
	for _, c := range []struct {
		args []string
		name string
	}{
		{[]string{"sign", "--name", "a"}, "sign"},
		{[]string{"-q", "sign"}, "sign"},
		{[]string{"-qv", "--log-format", "json", "ca", "init"}, "ca"},
		{[]string{"--log-format=json", "--quiet", "--verbose", "list"}, "list"},
		{[]string{"sign", "--help"}, ""},
		{[]string{"sign", "-qh"}, ""},
		{[]string{"--version"}, ""},
		{[]string{"-x", "sign"}, ""},
		{[]string{"--pki-dir", "x", "sign"}, ""},
		{[]string{"--log-format"}, ""},
		{nil, ""},
	} {
		name, ok := commandName(c.args)
		if name != c.name || ok != (c.name != "") {
			t.Errorf("commandName(%q) = %q, %v; want %q", c.args, name, ok, c.name)
		}
	}
	parser, err := newParser(&cli{}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range parser.Model.Children {
		if _, _, ok := oneCommand([]string{cmd.Name}); ok == wholeModel[cmd.Name] {
			t.Errorf("oneCommand(%q) ok = %v", cmd.Name, ok)
		}
	}
	for _, name := range []string{"help", "man", "completion", "nope"} {
		if _, _, ok := oneCommand([]string{name}); ok {
			t.Errorf("oneCommand(%q) is one command's model, want the whole", name)
		}
	}
}

// TestOneCommandVarsSameAsWhole: one command's model, given only the
// variables its tags name (varsUsed), builds, and every flag and argument
// of it reads as in the whole model: help, default, enum, placeholder and
// environment variables, interpolated alike.
func TestOneCommandVarsSameAsWhole(t *testing.T) {
	whole, err := newParser(&cli{}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	describe := func(n *kong.Node) map[string]string {
		out := map[string]string{}
		var walk func(n *kong.Node)
		walk = func(n *kong.Node) {
			out[n.Path()] = n.Help
			for _, f := range n.Flags {
				out[n.Path()+" --"+f.Name] = fmt.Sprintf("%q %q %q %q %q", f.Help, f.Default, f.Enum, f.PlaceHolder, f.Envs)
			}
			for _, p := range n.Positional {
				out[n.Path()+" <"+p.Name+">"] = fmt.Sprintf("%q %q %q", p.Help, p.Default, p.Enum)
			}
			for _, c := range n.Children {
				walk(c)
			}
		}
		walk(n)
		return out
	}
	wholeFlags := describe(whole.Model.Node)
	checked := 0
	for _, cmd := range whole.Model.Children {
		root, _, ok := oneCommand([]string{cmd.Name})
		if !ok {
			continue
		}
		one, err := newParser(root, io.Discard, io.Discard)
		if err != nil {
			t.Errorf("%s: one command's model: %v", cmd.Name, err)
			continue
		}
		for _, c := range one.Model.Children {
			for k, v := range describe(c) {
				checked++
				if wholeFlags[k] != v {
					t.Errorf("%s:\none command: %s\nwhole model: %s", k, v, wholeFlags[k])
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d flags compared", checked)
	}
}
