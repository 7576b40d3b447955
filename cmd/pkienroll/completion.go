package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/willabides/kongplete"
)

// Shell completion is kongplete's: the shell runs pkienroll itself with
// COMP_LINE set to the line being completed (bash's `complete -C`), and
// pkienroll answers from kong's model of the command line, the one help is
// drawn from. `pkienroll completion SHELL` prints the few lines that tell
// the shell so.

// completionCmd prints a shell's completion set-up.
type completionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" placeholder:"SHELL" help:"bash, zsh or fish."`
}

// completionScripts are the set-up lines per shell; BIN is the absolute
// path of this program, shell-quoted. bash falls back to file names where
// pkienroll offers nothing (-o default), as after --cert.
var completionScripts = map[string]string{
	"bash": `# pkienroll completion for bash: source <(pkienroll completion bash)
complete -o default -C BIN pkienroll
`,
	"zsh": `# pkienroll completion for zsh: source <(pkienroll completion zsh)
autoload -U +X bashcompinit && bashcompinit
complete -o default -C BIN pkienroll
`,
	"fish": `# pkienroll completion for fish: pkienroll completion fish | source
function __complete_pkienroll
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    BIN
end
complete -c pkienroll -a "(__complete_pkienroll)"
`,
}

// Run prints the script for the shell.
func (c *completionCmd) Run(e *env) error {
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program's path: %w", err)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return fmt.Errorf("find this program's path: %w", err)
	}
	_, err = io.WriteString(e.stdout, strings.ReplaceAll(completionScripts[c.Shell], "BIN", shellQuote(bin)))
	return err
}

// shellQuote quotes s for sh, bash, zsh and fish alike.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// completing reports whether the shell runs pkienroll to complete a line.
func completing() bool {
	return os.Getenv("COMP_LINE") != ""
}

// complete prints the completions of the line in COMP_LINE, one a line,
// and returns the exit code.
func complete(stdout, stderr io.Writer) (code int) {
	parser, err := newParser(&cli{}, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "pkienroll: %v\n", err)
		return exitError
	}
	code = exitOK
	kongplete.Complete(parser,
		kongplete.WithExitFunc(func(c int) { code = c }),
		kongplete.WithErrorHandler(func(err error) { fmt.Fprintf(stderr, "pkienroll: completion: %v\n", err) }))
	return code
}
