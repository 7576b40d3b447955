package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"
)

// The manual page is written from kong's model, the one --help shows, so
// that it cannot drift from the program: `pkienroll man` prints it in
// roff (man(7)), and `make man` keeps it as man/pkienroll.1.

// manCmd prints the manual page. It is hidden: it is for `make man` and
// packagers, not for daily use.
type manCmd struct{}

// Run prints the manual page on stdout.
func (c *manCmd) Run(e *env, kctx *kong.Context) error {
	return writeMan(e.stdout, kctx.Model)
}

// writeMan writes the manual page of app in roff.
func writeMan(w io.Writer, app *kong.Application) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p(`.TH PKIENROLL 1 "" %s "User Commands"`, roffQuote("pkienroll "+programVersion()))
	p(".SH NAME")
	p(`pkienroll \- %s`, roffText(strings.TrimSuffix(lowerFirst(app.Help), ".")))
	p(".SH SYNOPSIS")
	p(`.B pkienroll`)
	p(`.I COMMAND`)
	p(`.RI [ FLAGS ]`)
	p(".SH DESCRIPTION")
	p("%s", roffText(app.Help))
	p("Every command takes the global flags; \\fBpkienroll help\\fR \\fICOMMAND\\fR prints a command's help.")
	p(".SH GLOBAL FLAGS")
	writeManFlags(&b, app.Flags)
	p(".SH COMMANDS")
	for _, node := range app.Leaves(true) {
		if node.Type != kong.CommandNode {
			continue
		}
		p(".SS %s", roffQuote("pkienroll "+strings.TrimSpace(node.Path())))
		p(".nf")
		for _, line := range wrapUsage("pkienroll "+usage(node), 78) {
			p("%s", roffText(line))
		}
		p(".fi")
		p(".PP")
		p("%s", roffText(node.Help))
		if node.Detail != "" {
			p(".PP")
			p("%s", roffText(node.Detail))
		}
		for _, arg := range node.Positional {
			p(".TP")
			p(`\fI%s\fR`, roffText(strings.ToUpper(arg.Name)))
			p("%s", roffText(arg.Help))
		}
		var own []*kong.Flag
		for n := node; n != nil && n.Type == kong.CommandNode; n = n.Parent {
			own = append(n.Flags, own...)
		}
		writeManFlags(&b, own)
	}
	p(".SH ENVIRONMENT")
	p(".TP")
	p(`.B %s`, pkiDirEnv)
	p("The default of \\fB\\-\\-pki\\-dir\\fR; set but empty is a usage error.")
	p(".TP")
	p(".B COLUMNS")
	p("The width of help output, at most %d.", helpWidth)
	p(".SH EXIT STATUS")
	for _, e := range []struct {
		code int
		text string
	}{
		{exitOK, "Success, also of --help and --version."},
		{exitError, "An error: bad input, a file that exists, a busy PKI directory, I/O."},
		{exitCheckFailed, "A verification that ran and failed (verify, ca check)."},
		{exitUsage, "A usage error: unknown command or flag, a missing or empty required flag, a bad flag value."},
		{exitInterrupted, "Interrupted by SIGINT or SIGTERM."},
	} {
		p(".TP")
		p(".B %d", e.code)
		p("%s", roffText(e.text))
	}
	p(".SH SEE ALSO")
	p(".BR openssl (1),")
	p(".BR openssl\\-ca (1),")
	p(".BR squid (8)")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeManFlags writes one tagged paragraph per visible flag.
func writeManFlags(b *strings.Builder, flags []*kong.Flag) {
	for _, f := range flags {
		if f.Hidden {
			continue
		}
		name := `\fB\-\-` + roffText(f.Name) + `\fR`
		if f.Short != 0 {
			name = `\fB\-` + string(f.Short) + `\fR, ` + name
		}
		if !f.IsBool() {
			name += "=" + `\fI` + roffText(f.FormatPlaceHolder()) + `\fR`
		}
		help := f.Help
		if f.HasDefault && f.Default != "" && !strings.Contains(help, f.Default) {
			help += " Default: " + f.Default + "."
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", name, roffText(help))
	}
}

// roffText escapes text for roff: backslashes, hyphens (which roff may
// print as dashes or break at), and a '.' or '\” starting a line.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

// roffQuote is s as one quoted roff macro argument.
func roffQuote(s string) string {
	return `"` + strings.ReplaceAll(roffText(s), `"`, `""`) + `"`
}

// lowerFirst lower-cases the first letter of s.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
