package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/kong"
)

// checkArgsUTF8 refuses a command line with a word that is not valid
// UTF-8, as a usage error naming the flag (or the argument) and showing
// the bytes escaped. kong reads every value through encoding/json, which
// turns each such byte into U+FFFD: `--subject $'/CN=caf\xe9'` (Latin-1)
// would make a request for CN=caf\uFFFD, and a file name would name
// another file. A secret flag's value is not shown, and a value too big
// to show is shown by its size (see hideArgs).
func checkArgsUTF8(args []string) error {
	var takesValue func(flag string) bool
	for i, arg := range args {
		if arg == "--" {
			return checkOperandsUTF8(args[i+1:])
		}
		if utf8.ValidString(arg) {
			continue
		}
		name, value, isFlag := strings.Cut(arg, "=")
		switch {
		case strings.HasPrefix(arg, "-") && isFlag && utf8.ValidString(name):
		case i > 0 && !strings.HasPrefix(arg, "-") && isFlagWord(args[i-1]):
			if takesValue == nil {
				takesValue = valueFlags()
			}
			if !takesValue(args[i-1]) {
				return notUTF8("", arg, false)
			}
			name, value = args[i-1], arg
		default:
			return notUTF8("", arg, false)
		}
		return notUTF8(name, value, isSecretFlag(name))
	}
	return nil
}

// checkOperandsUTF8 checks the words after "--", which are arguments.
func checkOperandsUTF8(args []string) error {
	for _, arg := range args {
		if !utf8.ValidString(arg) {
			return notUTF8("", arg, false)
		}
	}
	return nil
}

// isFlagWord reports whether a word is a flag without its value joined
// (--subject, -v), whose value may be the next word.
func isFlagWord(w string) bool {
	return strings.HasPrefix(w, "-") && len(w) > 1 && w != "--" && !strings.Contains(w, "=") && utf8.ValidString(w)
}

// notUTF8 is the usage error for value, given to flag (or, when flag is
// "", an argument), which is not valid UTF-8.
func notUTF8(flag, value string, secret bool) error {
	shown := quoteValue(value)
	switch {
	case secret:
		shown = "the value"
	case tooBigToShow(value):
		shown = fmt.Sprintf("a value of %d bytes", len(value))
	}
	if flag == "" {
		return usageErrorf("argument %s is not valid UTF-8: give text as UTF-8", shown)
	}
	return usageErrorf("%s: %s is not valid UTF-8: give text as UTF-8", flag, shown)
}

// valueFlags is a test of whether a flag word (--days, -o) names a flag
// of any command that takes a value, not a switch such as --json: the
// word after a switch is an argument.
func valueFlags() func(flag string) bool {
	names := map[string]bool{}
	var c cli
	parser, err := newParser(&c, io.Discard, io.Discard)
	if err != nil {
		return func(string) bool { return true }
	}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			if f.IsBool() || f.IsCounter() {
				continue
			}
			names["--"+f.Name] = true
			for _, a := range f.Aliases {
				names["--"+a] = true
			}
			if f.Short != 0 {
				names["-"+string(f.Short)] = true
			}
		}
		for _, child := range n.Children {
			walk(child)
		}
	}
	walk(parser.Model.Node)
	return func(flag string) bool { return names[flag] }
}
