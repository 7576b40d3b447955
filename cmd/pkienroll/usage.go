package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/kong"
)

// helpWidth is the widest --help may be: kong wraps to the terminal, and
// to $COLUMNS when set, but never wider than this.
const helpWidth = 80

// printHelp is kong's help with a usage line that tells the truth about
// one-of flags. kong's own line lists every required flag, so that
// `request` seemed to need both --key and --keyout; here the members of an
// xor group are one alternative, with the flags that go with each (its and
// group): `(--subject=S | --ca-cert=FILE --cn=FQDN)`.
func printHelp(options kong.HelpOptions, ctx *kong.Context) error {
	node := ctx.Selected()
	if node == nil {
		return kong.DefaultHelpPrinter(options, ctx)
	}
	synopses := []string{usage(node)}
	// A command with modes that take different flags says so, one line
	// per mode (enroll and enroll --server).
	if node.Target.CanAddr() {
		if m, ok := node.Target.Addr().Interface().(interface{ synopses() []string }); ok {
			synopses = m.synopses()
		}
	}
	for i, synopsis := range synopses {
		prefix, indent := "Usage:", ""
		if i > 0 {
			prefix, indent = "or:", "   "
		}
		for j, line := range wrapUsage(prefix+" "+ctx.Model.Name+" "+synopsis, helpWidth) {
			if j == 0 {
				line = indent + line
			}
			if _, err := fmt.Fprintln(ctx.Stdout, line); err != nil {
				return err
			}
		}
	}
	options.NoAppSummary = true
	return kong.DefaultHelpPrinter(options, ctx)
}

// usage is node's synopsis: its path, its required flags with each one-of
// group as one alternative, its arguments, and [flags] when it has
// optional ones.
func usage(node *kong.Node) string {
	words := strings.Fields(node.Path())
	for _, group := range requiredGroups(node) {
		var alts []string
		for _, alt := range group {
			alts = append(alts, summaries(alt, " "))
		}
		if len(alts) == 1 {
			words = append(words, alts[0])
		} else {
			words = append(words, "("+strings.Join(alts, " | ")+")")
		}
	}
	for _, group := range optionalGroups(node) {
		words = append(words, "["+summaries(group, " | ")+"]")
	}
	for _, arg := range node.Positional {
		words = append(words, arg.Summary())
	}
	if len(node.Positional) == 0 && len(node.Children) > 0 {
		words = append(words, "<command>")
	}
	flags := allFlags(node)
	for _, f := range flags {
		if !isRequired(f) && len(f.Xor) == 0 && f.Name != "help" && !inAndOfRequired(f, flags) {
			words = append(words, "[flags]")
			break
		}
	}
	return strings.Join(words, " ")
}

// missingFlags is kong's "missing flags" error in plain words, for the
// command of kctx: each required flag, or one-of group, that is not given.
func missingFlags(kctx *kong.Context) string {
	given := map[*kong.Flag]bool{}
	for _, p := range kctx.Path {
		if p.Flag != nil {
			given[p.Flag] = true
		}
	}
	node := kctx.Selected()
	if node == nil {
		return ""
	}
	var items []string
	for _, group := range requiredGroups(node) {
		var alts []string
		satisfied := false
		for _, alt := range group {
			satisfied = satisfied || given[alt[0]]
			alts = append(alts, summaries(alt, " with "))
		}
		switch {
		case satisfied:
		case len(alts) == 1:
			items = append(items, alts[0])
		default:
			items = append(items, "one of "+strings.Join(alts[:len(alts)-1], ", ")+" or "+alts[len(alts)-1])
		}
	}
	if len(items) == 0 {
		return ""
	}
	return "missing " + strings.Join(items, "; ")
}

// requiredGroups lists node's required flags in order as groups of
// alternatives: a flag alone is a group of one; the required members of
// an xor group are one group. Each alternative is a flag followed by the
// flags of its and group.
func requiredGroups(node *kong.Node) [][][]*kong.Flag {
	flags := allFlags(node)
	done := map[*kong.Flag]bool{}
	var groups [][][]*kong.Flag
	for _, f := range flags {
		if done[f] || !isRequired(f) {
			continue
		}
		if len(f.Xor) == 0 {
			groups = append(groups, [][]*kong.Flag{withAnd(f, flags, done)})
			continue
		}
		var group [][]*kong.Flag
		for _, g := range flags {
			if isRequired(g) && !done[g] && sharesGroup(f.Xor, g.Xor) {
				group = append(group, withAnd(g, flags, done))
			}
		}
		groups = append(groups, group)
	}
	return groups
}

// optionalGroups lists the xor groups of node none of whose members is
// required, such as the passphrase's sources: at most one may be given.
func optionalGroups(node *kong.Node) [][]*kong.Flag {
	flags := allFlags(node)
	done := map[*kong.Flag]bool{}
	var groups [][]*kong.Flag
	for _, f := range flags {
		if done[f] || isRequired(f) || len(f.Xor) == 0 {
			continue
		}
		var group []*kong.Flag
		for _, g := range flags {
			if !done[g] && !isRequired(g) && sharesGroup(f.Xor, g.Xor) {
				done[g] = true
				group = append(group, g)
			}
		}
		groups = append(groups, group)
	}
	return groups
}

// isRequired reports whether f, or one of its xor group, must be given.
// kong's required tag cannot say so of an xor group where one alternative
// is several flags (its and group): kong would then require all of them.
// Such groups carry the tag oneof instead, and checkGiven enforces it.
func isRequired(f *kong.Flag) bool {
	return f.Required || f.Tag.Has("oneof")
}

// allFlags is every flag node takes, its parents' included.
func allFlags(node *kong.Node) []*kong.Flag {
	var flags []*kong.Flag
	for _, group := range node.AllFlags(true) {
		flags = append(flags, group...)
	}
	return flags
}

// summaries joins the flags' summaries (--name=NAME) with sep.
func summaries(flags []*kong.Flag, sep string) string {
	var words []string
	for _, f := range flags {
		words = append(words, f.Summary())
	}
	return strings.Join(words, sep)
}

// withAnd is f followed by the flags of its and group, each marked done.
func withAnd(f *kong.Flag, flags []*kong.Flag, done map[*kong.Flag]bool) []*kong.Flag {
	done[f] = true
	alt := []*kong.Flag{f}
	for _, g := range flags {
		if g != f && !done[g] && sharesGroup(f.And, g.And) {
			done[g] = true
			alt = append(alt, g)
		}
	}
	return alt
}

// inAndOfRequired reports whether f is in the and group of a required
// flag, so that the usage line names it already.
func inAndOfRequired(f *kong.Flag, flags []*kong.Flag) bool {
	for _, g := range flags {
		if isRequired(g) && sharesGroup(f.And, g.And) {
			return true
		}
	}
	return false
}

// sharesGroup reports whether two lists of group names meet.
func sharesGroup(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// wrapUsage breaks a usage line at blanks outside parentheses and
// brackets, so that
// no line is wider than width where it can be helped; continuation lines
// are indented under the command.
func wrapUsage(line string, width int) []string {
	var tokens []string
	depth, start := 0, 0
	for i, r := range line {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ' ':
			if depth == 0 {
				tokens = append(tokens, line[start:i])
				start = i + 1
			}
		}
	}
	tokens = append(tokens, line[start:])
	// A group too wide for one line is broken before each '|'.
	var words []string
	for _, tok := range tokens {
		if len(tok) <= width-8 || !strings.Contains(tok, " | ") {
			words = append(words, tok)
			continue
		}
		parts := strings.Split(tok, " | ")
		for i, p := range parts {
			if i > 0 {
				p = "| " + p
			}
			words = append(words, p)
		}
	}
	const indent = "        "
	var lines []string
	cur := ""
	for _, w := range words {
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) > width:
			lines = append(lines, cur)
			cur = indent + w
		default:
			cur += " " + w
		}
	}
	return append(lines, cur)
}
