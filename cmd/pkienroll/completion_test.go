package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/testenv"
)

// completionScript sources `pkienroll completion bash` in bash, checks
// that it registered pkienroll, and then runs the completer the way bash's
// `complete -C` does: with COMP_LINE and COMP_POINT set and the command
// name, the word and the previous word as arguments. Each case prints
// "== LINE" and then the completions. pkienroll is found on PATH, as an
// installed one is.
const completionScript = `set -e
source <(pkienroll completion bash)
spec=$(complete -p pkienroll)
echo "spec: $spec"
eval "set -- ${spec#complete }"
cmd=
while [ $# -gt 0 ]; do
	case $1 in -C) cmd=$2; shift 2 ;; *) shift ;; esac
done
for line in "pkienroll " "pkienroll si" "pkienroll ca " "pkienroll sign --pk" "pkienroll completion "; do
	echo "== $line"
	words=($line)
	cur=${words[${#words[@]}-1]}
	prev=${words[${#words[@]}-2]}
	case $line in *" ") prev=$cur; cur= ;; esac
	COMP_LINE=$line COMP_POINT=${#line} COMP_TYPE=9 COMP_KEY=9 "$cmd" pkienroll "$cur" "$prev"
done
`

// TestBashCompletion: the bash completion set-up loads in a real bash and
// completes command names, subcommands, flags and enum arguments.
func TestBashCompletion(t *testing.T) {
	bash := testenv.LookPath(t, "bash", "bash")
	cmd := exec.Command(bash, "-c", completionScript)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(binary(t))+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	got := map[string][]string{}
	var cur string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case strings.HasPrefix(line, "spec: "):
			if want := "-C 'pkienroll' pkienroll"; !strings.HasSuffix(line, want) {
				t.Errorf("complete -p pkienroll: %q, want it to end in %q", line, want)
			}
		case strings.HasPrefix(line, "== "):
			cur = strings.TrimPrefix(line, "== ")
		default:
			got[cur] = append(got[cur], strings.Fields(line)...)
		}
	}
	tests := []struct {
		line string
		want []string
	}{
		{"pkienroll ", []string{"sign", "request", "ca", "websocket-proxy", "help", "version", "completion"}},
		{"pkienroll si", []string{"sign"}},
		{"pkienroll ca ", []string{"init", "renew", "check"}},
		{"pkienroll sign --pk", []string{"--pki-dir"}},
		{"pkienroll completion ", []string{"bash", "zsh", "fish"}},
	}
	for _, tc := range tests {
		for _, w := range tc.want {
			if !slices.Contains(got[tc.line], w) {
				t.Errorf("completing %q: %q, want %q among them", tc.line, got[tc.line], w)
			}
		}
	}
	if slices.Contains(got["pkienroll "], "man") {
		t.Errorf("completing %q offers the hidden man command: %q", "pkienroll ", got["pkienroll "])
	}
}

// TestCompletionScripts checks each shell's set-up calls pkienroll by
// name, never by the path of the binary that printed it (a package builds
// the scripts with a binary in its build tree), and, for the shells
// installed, that the shell parses it.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			r := runBinary(t, "022", "completion", shell)
			if r.code != exitOK || strings.Contains(r.stdout, filepath.Dir(binary(t))) || !strings.Contains(r.stdout, "pkienroll") {
				t.Fatalf("pkienroll completion %s:\n%s", shell, r)
			}
			path, err := exec.LookPath(shell)
			if err != nil {
				t.Logf("%s is not installed: its script was not parsed", shell)
				return
			}
			cmd := exec.Command(path, "-n")
			cmd.Stdin = strings.NewReader(r.stdout)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
}

// shellQuote quotes s for sh, bash, zsh and fish alike.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// zshCompletionScript loads `pkienroll completion zsh` as compinit does an
// installed _pkienroll (autoloaded from $fpath), then runs it for lines
// with zsh's completion builtins replaced by ones that print what they
// are given.
const zshCompletionScript = `set -e
dir=$(mktemp -d)
pkienroll completion zsh > "$dir/_pkienroll"
fpath=("$dir" $fpath)
autoload -Uz _pkienroll
compadd() { [ "$1" = -- ] && shift; print -l -- "$@"; }
_files() { print FILES; }
for line in "pkienroll ca " "pkienroll sign --pk" "pkienroll verify --cert "; do
    print "== $line"
    words=(${=line})
    [[ $line == *" " ]] && words+=("")
    CURRENT=${#words}
    _pkienroll
done
rm -r "$dir"
`

// TestZshCompletion: the zsh script, installed as a completion function
// file, completes subcommands and flags by running pkienroll from PATH,
// and falls back to file names where pkienroll offers nothing.
func TestZshCompletion(t *testing.T) {
	zsh := testenv.LookPath(t, "zsh", "zsh")
	cmd := exec.Command(zsh, "-f", "-c", zshCompletionScript)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(binary(t))+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zsh: %v\n%s", err, out)
	}
	got := map[string][]string{}
	var cur string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l, ok := strings.CutPrefix(line, "== "); ok {
			cur = l
			continue
		}
		got[cur] = append(got[cur], line)
	}
	for line, want := range map[string][]string{
		"pkienroll ca ":            {"init", "renew", "check"},
		"pkienroll sign --pk":      {"--pki-dir"},
		"pkienroll verify --cert ": {"FILES"},
	} {
		for _, w := range want {
			if !slices.Contains(got[line], w) {
				t.Errorf("completing %q in zsh: %q, want %q among them\n%s", line, got[line], w, out)
			}
		}
	}
}
