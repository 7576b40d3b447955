package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// Error lines go to a terminal and into logs. errorLine makes each one
// line with no control characters (printable.Escape, the rule inspect and
// verify use), and keeps out what must not be shown there: the value of a
// secret flag (--password), and a long or multi-line value (a key pasted
// into --subject) whole.

// maxArgShown is the longest command-line value an error may show whole;
// longer values, and any of several lines or holding PEM armour, are
// replaced by their size.
const maxArgShown = 512

// maxQuotedShown is the longest quoted text an error shows whole; longer
// quotes are cut to their start and size.
const maxQuotedShown = 128

// errorLine is err as run prints it, for a command line of args.
func errorLine(err error, args []string) string {
	msg := plainParseError(err.Error())
	msg = hideArgs(msg, args)
	msg = oneLine(msg)
	msg = elideQuoted(msg)
	// Last line of defence: PEM armour that got through in some other
	// form (kong rewrites a token it takes for a flag) ends the message,
	// since what follows it is likely the body of a key.
	if loc := pemArmour().FindStringIndex(msg); loc != nil {
		msg = msg[:loc[0]] + "(PEM text, not shown)"
	}
	return printable.Escape(msg)
}

// lazyRegexp compiles expr on first use: most of the expressions below
// serve only a usage error, and one compiled at package initialisation is
// paid by every process.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// kong's hint for a value that starts with '-': `--password: expected
// string value but got "-secret" (short flag); perhaps try
// --password="-secret"?` shows the value twice, a password included.
var (
	hyphenValue  = lazyRegexp(`(?s)^(-[^:]*): expected \w+ value but got ".*" \((?:short|long) flag\); perhaps try .*$`)
	missingValue = lazyRegexp(`(?s)^(-[^:]*): expected \w+ value but got "EOL" \(<EOL>\)$`)
)

// kong's words for a value of the wrong type, a list value, an enum and
// a missing argument or command.
var (
	notInt       = lazyRegexp(`(?s)^(\S+): expected a valid (?:64|32|16|8) bit u?int but got (".*")$`)
	notFloat     = lazyRegexp(`(?s)^(\S+): expected a valid (?:64|32) bit float but got (".*")$`)
	notBool      = lazyRegexp(`(?s)^(\S+): bool value must be true, 1, yes, false, 0 or no but got (".*")$`)
	missingList  = lazyRegexp(`^(-\S+): missing value, expecting ".*"$`)
	notInEnum    = lazyRegexp(`(?s)^(\S+) must be one of ((?:"[^"]*",?)+) but got (".*")$`)
	missingArg   = lazyRegexp(`^expected "<([^>]+)>"$`)
	missingChild = lazyRegexp(`^expected one of ((?:"[^"]+"(?:, )?)+)$`)
	quotedWord   = lazyRegexp(`"([^"]*)"`)
)

// plainParseError rewrites kong's messages about flag values into plain
// words that name the flag and do not repeat a value starting with '-'
// (it may be a password).
func plainParseError(msg string) string {
	if m := hyphenValue().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s needs a value; a value that starts with '-' must be joined to the flag: %s=VALUE", m[1], m[1])
	}
	if m := missingValue().FindStringSubmatch(msg); m != nil {
		return m[1] + " needs a value"
	}
	if m := missingList().FindStringSubmatch(msg); m != nil {
		return m[1] + " needs a value"
	}
	if m := notInt().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: %s is not a whole number", m[1], m[2])
	}
	if m := notFloat().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: %s is not a number", m[1], m[2])
	}
	if m := notBool().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s takes no value (%s given); to turn it off, leave it out", m[1], m[2])
	}
	if m := notInEnum().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: %s is not one of %s", argName(m[1]), m[3], choices(m[2]))
	}
	if m := missingArg().FindStringSubmatch(msg); m != nil {
		return "missing the " + strings.ToUpper(m[1]) + " argument"
	}
	if m := missingChild().FindStringSubmatch(msg); m != nil {
		return "missing a command (" + choices(m[1]) + ")"
	}
	return msg
}

// choices words a list of kong's quoted choices as "a, b or c", leaving
// out the empty choice (the flag's "none" default).
func choices(quotedList string) string {
	var words []string
	for _, m := range quotedWord().FindAllStringSubmatch(quotedList, -1) {
		if m[1] != "" {
			words = append(words, m[1])
		}
	}
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// argName is a flag's name as is, and a positional argument, which kong
// writes <shell>, as help shows it: SHELL.
func argName(name string) string {
	if strings.HasPrefix(name, "<") && strings.HasSuffix(name, ">") {
		return strings.ToUpper(name[1 : len(name)-1])
	}
	return name
}

// isSecretFlag reports whether an argument names a flag whose value is a
// secret: --password, and near misses such as --passwd or --pasword, which
// kong answers with the value in an "unexpected argument" error. The
// -file and -env forms name where a secret is, not the secret.
func isSecretFlag(arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if !strings.HasPrefix(arg, "-") || strings.HasSuffix(name, "-file") || strings.HasSuffix(name, "-env") {
		return false
	}
	return strings.Contains(name, "pas") || strings.Contains(name, "pw") || strings.Contains(name, "secret")
}

// hideArgs takes out of msg the values of secret flags and the values of
// args too long or too many-lined to show.
func hideArgs(msg string, args []string) string {
	for i, arg := range args {
		var value string
		switch {
		case isSecretFlag(arg) && strings.Contains(arg, "="):
			_, value, _ = strings.Cut(arg, "=")
		case isSecretFlag(arg) && i+1 < len(args):
			value = args[i+1]
		default:
			if name, v, ok := strings.Cut(arg, "="); ok && flagName().MatchString(name) {
				arg = v
			}
			msg = hideCredentials(msg, arg)
			if !tooBigToShow(arg) {
				continue
			}
			msg = replaceValue(msg, arg, fmt.Sprintf("(%d bytes)", len(arg)), 1)
			msg = dropPiecesOf(msg, arg)
			continue
		}
		// A short secret is still hidden when quoted; shown bare, only
		// from 4 bytes on, so that a password "a" does not eat every 'a'.
		msg = replaceValue(msg, value, "(hidden)", 4)
	}
	return msg
}

// hideCredentials replaces in msg the password of a URL given on the
// command line (PROTOCOL://USER:PASSWORD@HOST), whole or in part, as
// printable.RedactCredentials shows it: USER:xxxxx@HOST. The libraries
// redact the values they show; this is the net under them. A value without
// a protocol is left to them: an e-mail address looks the same.
func hideCredentials(msg, v string) string {
	at := strings.LastIndexByte(v, '@')
	scheme := strings.Index(v, "://")
	if at < 0 || scheme < 0 || scheme > at {
		return msg
	}
	red := printable.RedactCredentials(v)
	msg = strings.ReplaceAll(msg, strconv.Quote(v), strconv.Quote(red))
	msg = strings.ReplaceAll(msg, v, red)
	secret := v[scheme+len("://") : at]
	if _, pass, ok := strings.Cut(secret, ":"); ok {
		secret = pass
	}
	if secret == "" {
		return msg
	}
	// Anchored by the '@', a short password too; bare, from 4 bytes on.
	msg = strings.ReplaceAll(msg, secret+"@", "xxxxx@")
	return replaceValue(msg, secret, "xxxxx", 4)
}

// dropPiecesOf replaces each word of msg that is a piece of v (8 bytes or
// more), for messages that show a value changed or in part: kong cuts an
// argument it takes for a flag at its first '='.
func dropPiecesOf(msg, v string) string {
	words := strings.Fields(msg)
	out := words[:0]
	for _, w := range words {
		if len(w) >= 8 && strings.Contains(v, strings.Trim(w, `"'(),:;`)) {
			if len(out) > 0 && out[len(out)-1] == "(...)" {
				continue
			}
			w = "(...)"
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// tooBigToShow reports whether a command-line value is shown by its size
// only.
func tooBigToShow(v string) bool {
	return len(v) > maxArgShown || strings.ContainsAny(v, "\n\r") || strings.Contains(v, "-----BEGIN")
}

// replaceValue replaces v in msg, quoted as %q writes it and, when at
// least minBare bytes long, bare.
func replaceValue(msg, v, with string, minBare int) string {
	if v == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, strconv.Quote(v), with)
	if len(v) >= minBare {
		msg = strings.ReplaceAll(msg, v, with)
	}
	return msg
}

// flagName is the part of --name=value before the '='.
var flagName = lazyRegexp(`^--[a-z][a-z0-9-]*$`)

// quoted is a string as %q writes it.
var quoted = lazyRegexp(`"(?:[^"\\]|\\.)*"`)

// pemArmour is a PEM BEGIN or END line.
var pemArmour = lazyRegexp(`-----(?:BEGIN|END) [^-]*-----`)

// elideQuoted shortens each quoted text in msg longer than maxQuotedShown,
// and drops whole any that holds PEM armour (a block's type, such as
// "PRIVATE KEY", is kept: it names what a file is).
func elideQuoted(msg string) string {
	return quoted().ReplaceAllStringFunc(msg, elide)
}

// elide shortens one quoted text (see elideQuoted).
func elide(q string) string {
	n := len(q) - 2
	if s, err := strconv.Unquote(q); err == nil {
		n = len(s)
	}
	switch {
	case strings.Contains(q, "-----"):
		return fmt.Sprintf("(PEM text of %d bytes)", n)
	case len(q) <= maxQuotedShown:
		return q
	}
	cut := q[:32]
	// Do not end inside an escape sequence such as \x1b.
	if i := strings.LastIndexByte(cut, '\\'); i > len(cut)-6 {
		cut = cut[:i]
	}
	return fmt.Sprintf("%s...\" (%d bytes)", cut, n)
}

// advice is what a shell user can do about err, added to its line. The
// library states the fact and wraps a sentinel; the command line knows its
// flags and commands, and which were given: --force is not offered to a
// command that already has it (a CRL older than the one at --out is
// refused even so).
func advice(err error, kctx *kong.Context) string {
	cmd := kctx.Selected()
	switch {
	case errors.Is(err, pki.ErrExists) && hasFlag(cmd, "force") && !flagTrue(kctx, "force"):
		return " (use --force to keep a backup and replace it)"
	case errors.Is(err, pki.ErrNoCA):
		return " (run `pkienroll ca init`, or name the engine's directory with --pki-dir)"
	case errors.Is(err, pki.ErrNoStore) && hasFlag(cmd, "pki-dir"):
		return " (name the PKI directory with --pki-dir or " + pkiDirEnv + ")"
	case errors.Is(err, pki.ErrNoSubject) && hasFlag(cmd, "subject"):
		return " (give one with --subject)"
	case errors.Is(err, pki.ErrUnfinished):
		return " (run `pkienroll ca check` to finish it)"
	case errors.Is(err, proxy.ErrHostNameNeeded):
		return " (give the address with --engine-address)"
	}
	return ""
}

// flagTrue reports whether the boolean flag --name was given (and not
// as --name=false).
func flagTrue(kctx *kong.Context, name string) bool {
	for _, f := range kctx.Flags() {
		if f.Name == name {
			v, _ := kctx.FlagValue(f).(bool)
			return v
		}
	}
	return false
}

// hasFlag reports whether the command takes the flag --name.
func hasFlag(cmd *kong.Node, name string) bool {
	if cmd == nil {
		return false
	}
	for _, f := range allFlags(cmd) {
		if f.Name == name {
			return true
		}
	}
	return false
}
