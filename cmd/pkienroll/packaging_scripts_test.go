package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// packagedScripts are the maintainer scripts packaging/nfpm.yaml gives
// the packages, by nfpm's name (postinstall, preremove, postremove).
func packagedScripts(t *testing.T) map[string]string {
	t.Helper()
	nfpm := pkitest.ReadFile(t, filepath.Join("..", "..", "packaging", "nfpm.yaml"))
	scripts := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (\w+): (packaging/scripts/\S+)$`).FindAllStringSubmatch(nfpm, -1) {
		scripts[m[1]] = filepath.Join("..", "..", m[2])
	}
	return scripts
}

// TestMaintainerScripts: what the packages' scripts ask of systemctl, for
// dpkg's arguments and rpm's, run by the system's sh with a systemctl on
// PATH that records its arguments (and fails, as it does where systemd is
// not running: the scripts still exit 0, or the package could not be
// installed or removed). A remove (deb prerm remove, rpm %preun 0) stops
// the server, the renewal timers and any renewal running, before their
// binary goes; an upgrade stops nothing, and restarts a running server
// once the new files are in place (deb postinst configure OLD, rpm
// %postun 1). package-test.sh checks the purge of enabled units with the
// real dpkg and systemctl.
func TestMaintainerScripts(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	scripts := packagedScripts(t)
	for _, name := range []string{"postinstall", "preremove", "postremove"} {
		if scripts[name] == "" {
			t.Fatalf("packaging/nfpm.yaml gives no %s script: %v", name, scripts)
		}
	}
	const (
		reload  = "daemon-reload"
		restart = "try-restart pkienroll-serve.service"
		stop    = "stop pkienroll-serve.service pkienroll-renew@*.timer pkienroll-renew@*.service"
	)
	cases := []struct {
		script string
		args   []string
		want   []string
	}{
		{"postinstall", []string{"configure", ""}, []string{reload}},
		{"postinstall", []string{"configure", "1.2.0"}, []string{reload, restart}},
		{"postinstall", []string{"1"}, []string{reload}},
		{"postinstall", []string{"2"}, []string{reload}},
		{"preremove", []string{"remove"}, []string{stop}},
		{"preremove", []string{"upgrade", "1.3.0"}, nil},
		{"preremove", []string{"0"}, []string{stop}},
		{"preremove", []string{"1"}, nil},
		{"postremove", []string{"remove"}, []string{reload}},
		{"postremove", []string{"upgrade", "1.3.0"}, []string{reload}},
		{"postremove", []string{"0"}, []string{reload}},
		{"postremove", []string{"1"}, []string{reload, restart}},
	}
	for _, systemctlExit := range []string{"0", "1"} {
		for _, c := range cases {
			calls := runMaintainerScript(t, sh, scripts[c.script], systemctlExit, c.args...)
			// A disable of what the host has enabled may come too (rpm
			// erase); it is not what this test is about.
			calls = slices.DeleteFunc(calls, func(s string) bool { return strings.HasPrefix(s, "--no-reload disable ") })
			if !slices.Equal(calls, c.want) {
				t.Errorf("%s %q (systemctl exits %s): systemctl %q, want %q", c.script, c.args, systemctlExit, calls, c.want)
			}
		}
	}
}

// runMaintainerScript runs script with args under sh, with a systemctl
// that records its arguments and exits with systemctlExit; it returns the
// calls, one string each, and fails the test unless the script exits 0.
func runMaintainerScript(t *testing.T, sh, script, systemctlExit string, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	stub := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + shellQuote(log) + "\nexit " + systemctlExit + "\n"
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sh, append([]string{script}, args...)...)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("sh %s %q (systemctl exits %s): %v\n%s", script, args, systemctlExit, err, out)
	}
	data, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}
