package main

import "github.com/alecthomas/kong"

// helpCmd is `pkienroll help [COMMAND...]`: the same text as
// `pkienroll COMMAND --help`.
type helpCmd struct {
	Command []string `arg:"" optional:"" placeholder:"COMMAND" help:"The command, such as sign or ca init; none for the list of commands."`
}

// Run prints the help of the command named, on stdout.
func (c *helpCmd) Run(kctx *kong.Context) error {
	ctx, err := kong.Trace(kctx.Kong, c.Command)
	if err != nil {
		return &usageError{err}
	}
	if ctx.Error != nil {
		return &usageError{ctx.Error}
	}
	return ctx.PrintUsage(false)
}
