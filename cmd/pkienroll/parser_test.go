package main

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// TestOneCommandModelMatchesWhole runs command lines that kong answers
// itself (help, unknown or missing flags and arguments, bad values) through
// both models of newParser, and requires the same exit code and the same
// bytes on stdout and stderr.
func TestOneCommandModelMatchesWhole(t *testing.T) {
	var lines [][]string
	for _, cmd := range commands {
		lines = append(lines,
			append(slices.Clone(cmd), "--help"),
			append([]string{"-q"}, append(slices.Clone(cmd), "-h")...),
			append(slices.Clone(cmd), "--no-such-flag"),
			append(slices.Clone(cmd), "--help", "extra", "words"),
		)
	}
	lines = append(lines,
		[]string{"ca"}, []string{"pkcs12"}, []string{"squid-config"}, []string{"spice-proxy"},
		[]string{"ca", "frobnicate"}, []string{"sgin"}, []string{"-v", "sign"},
		[]string{"sign", "--days", "many"}, []string{"revoke", "--reason", "bored"},
		[]string{"inspect"}, []string{"--", "sign"}, []string{"--version"}, []string{"-q", "--version"},
		[]string{"-x", "sign"}, []string{"verify", "--help", "--no-such-flag"},
		[]string{"sign", "--version"}, []string{"-q", "ca", "init", "--version"},
	)
	for _, args := range lines {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var wholeOut, wholeErr, oneOut, oneErr bytes.Buffer
			wholeCode := runModel(context.Background(), args, &wholeOut, &wholeErr, true)
			oneCode := runModel(context.Background(), args, &oneOut, &oneErr, false)
			if wholeCode == exitOK && args[len(args)-1] != "--help" && args[len(args)-1] != "-h" && !slices.Contains(args, "--version") {
				t.Fatalf("exit 0: the line ran a command; this test is for lines kong answers itself")
			}
			if oneCode != wholeCode {
				t.Errorf("exit %d, want %d as with every command modelled", oneCode, wholeCode)
			}
			if oneOut.String() != wholeOut.String() {
				t.Errorf("stdout differs from the whole model's:\n%s\nwant:\n%s", oneOut.String(), wholeOut.String())
			}
			if oneErr.String() != wholeErr.String() {
				t.Errorf("stderr differs from the whole model's:\n%s\nwant:\n%s", oneErr.String(), wholeErr.String())
			}
		})
	}
}

// TestCommandFields checks that newParser finds every command kong knows,
// under kong's own name, and that command fields carry only the tags that
// kong.DynamicCommand is given (cmd, name, help).
func TestCommandFields(t *testing.T) {
	parser, err := kong.New(&cli{}, kong.Vars{"version": version, "default_pki_dir": "/x"})
	if err != nil {
		t.Fatal(err)
	}
	var kongNames []string
	for _, child := range parser.Model.Children {
		kongNames = append(kongNames, child.Name)
	}
	var ours []string
	for _, field := range commandFields() {
		ours = append(ours, commandName(field))
		for _, key := range []string{"aliases", "default", "hidden", "passthrough", "group", "prefix", "envprefix", "embed"} {
			if _, ok := field.Tag.Lookup(key); ok {
				t.Errorf("command field %s has tag %s, which newParser does not pass on", field.Name, key)
			}
		}
		got, ok := commandField([]string{"-q", commandName(field), "--help"})
		if !ok || !reflect.DeepEqual(got.Index, field.Index) {
			t.Errorf("commandField(-q %s --help) = %v, %v; want field %s", commandName(field), got.Name, ok, field.Name)
		}
	}
	if !slices.Equal(ours, kongNames) {
		t.Errorf("commands %v, kong has %v", ours, kongNames)
	}
	one, err := newParser(&cli{}, []string{"-v", "sign", "--name", "x"}, false, kong.Vars{"version": version, "default_pki_dir": "/x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Model.Children) != 1 || one.Model.Children[0].Name != "sign" {
		t.Errorf("the model for `-v sign` has commands %v; want sign alone", one.Model.Children)
	}
	for _, args := range [][]string{nil, {"--help"}, {"--version"}, {"sgin"}, {"--", "sign"}, {"-x", "sign"}} {
		if f, ok := commandField(args); ok {
			t.Errorf("commandField(%q) = %s; want the whole model", args, f.Name)
		}
	}
}
