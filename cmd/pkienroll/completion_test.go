package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/testenv"
)

// completionScript sources `pkienroll completion bash` in bash, checks
// that it registered pkienroll, and then runs the completer the way bash's
// `complete -C` does: with COMP_LINE and COMP_POINT set and the command
// name, the word and the previous word as arguments. Each case prints
// "== LINE" and then the completions.
const completionScript = `set -e
source <("$1" completion bash)
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
	out, err := exec.Command(bash, "-c", completionScript, "bash", binary(t)).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	got := map[string][]string{}
	var cur string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case strings.HasPrefix(line, "spec: "):
			if want := "-C '" + binary(t) + "' pkienroll"; !strings.HasSuffix(line, want) {
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

// TestCompletionScripts checks each shell's set-up names this program,
// and, for the shells installed, that the shell parses it.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			r := runBinary(t, "022", "completion", shell)
			if r.code != exitOK || !strings.Contains(r.stdout, "'"+binary(t)+"'") {
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
