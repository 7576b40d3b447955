package main

import (
	"fmt"
	"io"
	"os"

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

// completionScripts are the set-up lines per shell. They call pkienroll
// by name, from PATH, as any installed command is called: the package
// builds them with the binary of its build tree, whose path is gone on the
// host. bash falls back to file names where pkienroll offers nothing (-o
// default), as after --cert; zsh likewise (_files).
//
// The zsh script is also a completion function file: installed as
// _pkienroll in a directory of $fpath (the package's
// /usr/share/zsh/vendor-completions), compinit autoloads it and runs its
// body on the first completion; sourced, it registers itself with compdef.
var completionScripts = map[string]string{
	"bash": `# pkienroll completion for bash: source <(pkienroll completion bash)
complete -o default -C pkienroll pkienroll
`,
	"zsh": `#compdef pkienroll
# pkienroll completion for zsh: source <(pkienroll completion zsh), or save
# it as _pkienroll in a directory of $fpath.
_pkienroll() {
    local -a matches
    matches=(${(f)"$(COMP_LINE="${words[1,CURRENT]}" pkienroll 2>/dev/null)"})
    if (( ${#matches} )); then
        compadd -- "${matches[@]}"
    else
        _files
    fi
}
if [ "$funcstack[1]" = _pkienroll ]; then
    _pkienroll "$@"
else
    compdef _pkienroll pkienroll
fi
`,
	"fish": `# pkienroll completion for fish: pkienroll completion fish | source
function __complete_pkienroll
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    pkienroll
end
complete -c pkienroll -a "(__complete_pkienroll)"
`,
}

// Run prints the script for the shell.
func (c *completionCmd) Run(e *env) error {
	_, err := io.WriteString(e.stdout, completionScripts[c.Shell])
	return err
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
