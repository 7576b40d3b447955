package pkitest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// GuideBlock is one ```sh block of a guide, with the host it runs on.
type GuideBlock struct {
	Host   string // the HOST of the <!-- run on HOST --> before it
	Script string
	Line   int // of the opening fence
}

// ReadGuide returns the guide's ```sh blocks and its ```text blocks (the
// output it shows). Every ```sh block must say where it runs, on one of
// hosts, and commands may be in no other kind of block, so none escapes
// the test that runs the guide.
func ReadGuide(t testing.TB, path string, hosts []string) (blocks []GuideBlock, texts []string) {
	t.Helper()
	lines := strings.Split(ReadFile(t, path), "\n")
	marker := regexp.MustCompile(`^<!-- run on (\w+) -->$`)
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		switch lang {
		case "sh":
			prev := ""
			for j := start - 1; j >= 0 && prev == ""; j-- {
				prev = strings.TrimSpace(lines[j])
			}
			m := marker.FindStringSubmatch(prev)
			if m == nil || !slices.Contains(hosts, m[1]) {
				t.Fatalf("%s:%d: a ```sh block must follow <!-- run on %s -->", path, start+1, strings.Join(hosts, "|"))
			}
			blocks = append(blocks, GuideBlock{Host: m[1], Script: strings.Join(body, "\n") + "\n", Line: start + 1})
		case "text":
			texts = append(texts, strings.Join(body, "\n"))
		default:
			t.Fatalf("%s:%d: ```%s block: commands go in ```sh blocks (which the test runs), output in ```text", path, start+1, lang)
		}
	}
	return blocks, texts
}

// GuideShims stand in for what a sandbox cannot have: scp copies within
// the sandbox (the host names were replaced by the hosts' directories);
// systemctl, engine-config and the like record what they were asked in
// $GUIDE_LOG, and the test acts on it after the block.
const GuideShims = `#!/bin/sh
case "$(basename "$0")" in
scp) exec cp "$@" ;;
*) echo "$GUIDE_HOST $(basename "$0") $*" >>"$GUIDE_LOG" ;;
esac
`

// Guide is the sandbox a guide's commands run in: a directory per host
// whose etc/ and root/ stand for /etc and /root, a bin/ first on PATH with
// the program under test and the shims, and the shims' log.
type Guide struct {
	Roots map[string]string // host → its directory
	Bin   string            // the directory first on PATH
	Log   string            // the shims' log ($GUIDE_LOG)
	Env   []string          // PATH, GUIDE_LOG and LANG of every block
	seen  int               // log lines NewShimLines has returned
}

// NewGuide makes the sandbox in dir: for each host, dir/HOST with the
// directories dirs inside; program copied into dir/bin under its own
// name; a GuideShims script in dir/bin for each name of shims; an empty
// shims' log.
func NewGuide(t testing.TB, dir string, hosts, dirs []string, program string, shims ...string) *Guide {
	t.Helper()
	g := &Guide{Roots: map[string]string{}, Bin: filepath.Join(dir, "bin"), Log: filepath.Join(dir, "shims.log")}
	for _, h := range hosts {
		g.Roots[h] = filepath.Join(dir, h)
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(g.Roots[h], d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(g.Bin, 0o755); err != nil {
		t.Fatal(err)
	}
	MustCopyFile(t, program, filepath.Join(g.Bin, filepath.Base(program)))
	for _, name := range shims {
		if err := os.WriteFile(filepath.Join(g.Bin, name), []byte(GuideShims), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	WriteFile(t, g.Log, nil, 0o644)
	g.Env = []string{
		"PATH=" + g.Bin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"GUIDE_LOG=" + g.Log,
		"LANG=C.UTF-8",
	}
	return g
}

// Run runs script with sh -eu on host, in its root/ (also $HOME), with
// Env, GUIDE_HOST and env, for two minutes at the most. It returns what
// the script printed, stdout and stderr together.
func (g *Guide) Run(host, script string, env ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-eu", "-c", script)
	cmd.Dir = filepath.Join(g.Roots[host], "root")
	cmd.Env = append(append(slices.Clip(g.Env), "HOME="+cmd.Dir, "GUIDE_HOST="+host), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// NewShimLines returns the lines the shims logged since the last call, as
// "HOST PROGRAM ARGS...", without their newlines.
func (g *Guide) NewShimLines(t testing.TB) []string {
	t.Helper()
	lines := strings.SplitAfter(ReadFile(t, g.Log), "\n")
	lines = lines[:len(lines)-1] // what follows the last newline: a line not yet whole
	if g.seen > len(lines) {
		g.seen = len(lines)
	}
	var out []string
	for _, l := range lines[g.seen:] {
		out = append(out, strings.TrimSuffix(l, "\n"))
	}
	g.seen = len(lines)
	return out
}

// AssertShown fails the test for every line of the guide's texts (the
// output it shows) that its commands did not print, both through mask
// (which makes dates, numbers and the like equal).
func AssertShown(t testing.TB, guide string, texts []string, printed string, mask func(string) string) {
	t.Helper()
	printed = mask(printed)
	for _, text := range texts {
		for _, l := range strings.Split(text, "\n") {
			if !strings.Contains(printed, mask(l)) {
				t.Errorf("%s shows %q, which no command printed", guide, l)
			}
		}
	}
}
