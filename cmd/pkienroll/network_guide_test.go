package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestNetworkGuide runs every command of docs/network-guide.md, in order,
// each block on its host: a directory per host whose etc/ and root/ stand
// for /etc and /root, the built pkienroll, and shims for scp and
// systemctl. The units are the ones the package ships (packaging/systemd),
// as if installed: when the guide enables the server's unit, the test
// starts its ExecStart (pkienroll serve, a real process) with the
// variables of its environment files; when it enables a renewal timer, it
// runs its service's ExecStart once. What it
// replaces is in the table below; a replacement that no longer matches
// anything fails the test, so the guide cannot drift from what is run.
func TestNetworkGuide(t *testing.T) {
	pkitest.OpenSSL(t)
	guide := filepath.Join("..", "..", "docs", "network-guide.md")
	blocks, texts := pkitest.ReadGuide(t, guide, guideHosts)
	// What the package made: /etc/default and /etc/pkienroll/renew.
	g := pkitest.NewGuide(t, t.TempDir(), []string{"engine", "proxy"}, []string{"root", "etc/pki", "etc/default", "etc/pkienroll/renew"},
		binary(t), "scp", "systemctl")
	roots := g.Roots
	// What engine-setup made: the engine's CA.
	enginePKI := filepath.Join(roots["engine"], "etc/pki/ovirt-engine")
	mustRun(t, "-q", "ca", "init", "--pki-dir", enginePKI, "--subject", caSubject)
	fp := strings.TrimSpace(openssl(t, "x509", "-in", filepath.Join(enginePKI, "ca.pem"), "-noout", "-fingerprint", "-sha256"))
	fp = fp[strings.IndexByte(fp, '=')+1:]

	const shownFingerprint = "E3:38:0D:05:83:25:0B:12:5B:0E:97:C5:4D:EA:02:65:D5:63:E0:4A:FD:B0:88:9E:76:A7:21:D5:D6:C3:5C:D2"
	type replacement struct{ old, new, host string }
	reps := []replacement{
		{"proxy.example.com:/root/", roots["proxy"] + "/root/", "engine"},
		{"/etc/", roots["engine"] + "/etc/", "engine"},
		{"/root/", roots["engine"] + "/root/", "engine"},
		{"/etc/", roots["proxy"] + "/etc/", "proxy"},
		{"/root/", roots["proxy"] + "/root/", "proxy"},
		// The fingerprint of this run's CA, and the server where it listens.
		{shownFingerprint, fp, "proxy"},
		{"https://engine.example.com:8443", "https://SERVER", "proxy"},
	}
	used := map[replacement]bool{}
	// Rewrite every block before running any: a guide that no longer fits
	// must not write to the real /etc. One pass per block, the first
	// replacement that matches at a place winning, so that a replaced path
	// is not replaced again.
	outside := regexp.MustCompile(`(^|[\s=:'"])/(etc|root)/`)
	scripts := make([]string, len(blocks))
	for i, b := range blocks {
		var olds []string
		for _, r := range reps {
			if r.host == b.Host {
				olds = append(olds, regexp.QuoteMeta(r.old))
			}
		}
		s := regexp.MustCompile(strings.Join(olds, "|")).ReplaceAllStringFunc(b.Script, func(m string) string {
			for _, r := range reps {
				if r.host == b.Host && r.old == m {
					used[r] = true
					return r.new
				}
			}
			return m
		})
		if m := outside.FindString(s); m != "" {
			t.Fatalf("%s:%d: would touch %q outside the sandbox:\n%s", guide, b.Line, m, s)
		}
		scripts[i] = s
	}
	for _, r := range reps {
		if !used[r] {
			t.Fatalf("replacement of %q on %s matches nothing in %s any more: update the guide or the test", r.old, r.host, guide)
		}
	}

	run := func(host, script string) string {
		t.Helper()
		// The default --pki-dir, /etc/pki/ovirt-engine, in the host's sandbox.
		out, err := g.Run(host, script, "PKIENROLL_PKI_DIR="+filepath.Join(roots[host], "etc/pki/ovirt-engine"))
		if err != nil {
			t.Fatalf("on %s: %v\n%s\n--- as run:\n%s", host, err, out, script)
		}
		return out
	}
	// execStart is the command line of a shipped unit's ExecStart after
	// its program, on the host's sandbox: /usr/bin/pkienroll, or for the
	// server its OpenSSL flavour (the same command line, run here by the
	// test's binary).
	execStart := func(host, unit string) []string {
		t.Helper()
		program := "/usr/bin/pkienroll"
		if unit == "pkienroll-serve.service" {
			program = "/usr/libexec/pkienroll/pkienroll-openssl"
		}
		return unitCommand(t, roots[host], unit, program)
	}
	var server string
	var output strings.Builder
	for i, b := range blocks {
		script := scripts[i]
		if strings.Contains(script, "https://SERVER") {
			if server == "" {
				t.Fatalf("%s:%d: needs the server before the guide starts it", guide, b.Line)
			}
			script = strings.ReplaceAll(script, "https://SERVER", "https://"+server)
		}
		out := run(b.Host, script)
		output.WriteString(out)
		t.Logf("%s:%d on %s:\n%s", guide, b.Line, b.Host, out)
		for _, l := range g.NewShimLines(t) {
			switch l {
			case "engine systemctl enable --now pkienroll-serve.service":
				// The server listens where the sandbox's proxy reaches it,
				// with a certificate for that address.
				args := execStart("engine", "pkienroll-serve.service")
				for j, a := range args {
					switch {
					case a == ":8443":
						args[j] = "127.0.0.1:0"
					case a == "engine.example.com" && args[j-1] == "--host":
						args[j] = "127.0.0.1"
					}
				}
				server = startServeArgs(t, args...).addr
			case "proxy systemctl enable --now pkienroll-renew@squid.timer":
				// The timer's first run.
				start := "pkienroll"
				for _, a := range execStart("proxy", "pkienroll-renew@squid.service") {
					start += " " + shellQuote(a)
				}
				output.WriteString(run("proxy", start))
			}
		}
	}

	// The output the guide shows is what its commands printed, the
	// sandbox, dates, numbers and fingerprints aside.
	printed := output.String()
	for _, r := range roots {
		printed = strings.ReplaceAll(printed, r, "")
	}
	mask := func(s string) string {
		s = regexp.MustCompile(`[0-9A-F]{2}(:[0-9A-F]{2}){31}`).ReplaceAllString(s, "FP")
		s = regexp.MustCompile(`\b[0-9a-f]{12}\b`).ReplaceAllString(s, "ID")
		return regexp.MustCompile(`[0-9]+`).ReplaceAllString(s, "N")
	}
	pkitest.AssertShown(t, guide, texts, printed, mask)
	// The hook ran once: for the forced renewal, not for the first run.
	if n := strings.Count(pkitest.ReadFile(t, g.Log), "proxy systemctl reload squid\n"); n != 1 {
		t.Errorf("systemctl reload squid ran %d times, want once", n)
	}
	backups, _ := filepath.Glob(filepath.Join(roots["proxy"], "etc/pki/proxy/proxy.cer.*"))
	if len(backups) != 1 {
		t.Errorf("backups of proxy.cer: %v, want one", backups)
	}
}

// unitCommand is the command line of the ExecStart of unit as the package
// ships it (a template's instance, NAME@INSTANCE.service, from
// NAME@.service with %i), after program, with its variables set as
// systemd sets them: the unit's Environment= lines, then its
// EnvironmentFile= files (those with '-' may be missing) read from root;
// "${VAR}" is one argument, "$VAR" its value's words. The PKI directory of
// PKIENROLL_PKI_DIR, which the program would read from its environment,
// is given after the command's name as --pki-dir, on root.
func unitCommand(t *testing.T, root, unit, program string) []string {
	t.Helper()
	file, instance := unit, ""
	if at := strings.IndexByte(unit, '@'); at >= 0 {
		dot := strings.LastIndexByte(unit, '.')
		file, instance = unit[:at+1]+unit[dot:], unit[at+1:dot]
	}
	text := strings.ReplaceAll(pkitest.ReadFile(t, filepath.Join(unitDir, file)), "%i", instance)
	vars := map[string]string{}
	var start string
	for _, l := range strings.Split(text, "\n") {
		key, value, _ := strings.Cut(strings.TrimSpace(l), "=")
		switch key {
		case "Environment":
			k, v, _ := strings.Cut(strings.Trim(value, `"`), "=")
			vars[k] = v
		case "EnvironmentFile":
			path, optional := strings.CutPrefix(value, "-")
			data, err := os.ReadFile(filepath.Join(root, path))
			if err != nil {
				if optional && os.IsNotExist(err) {
					continue
				}
				t.Fatalf("%s: EnvironmentFile: %v", unit, err)
			}
			for _, line := range strings.Split(string(data), "\n") {
				line = strings.TrimSpace(line)
				if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
					vars[k] = strings.Trim(v, `"'`)
				}
			}
		case "ExecStart":
			start = value
		}
	}
	rest, ok := strings.CutPrefix(start, program+" ")
	if !ok {
		t.Fatalf("%s: ExecStart=%s, want %s ...", unit, start, program)
	}
	var args []string
	for _, w := range strings.Fields(rest) {
		switch {
		case strings.HasPrefix(w, "${") && strings.HasSuffix(w, "}"):
			args = append(args, vars[w[2:len(w)-1]])
		case strings.HasPrefix(w, "$"):
			args = append(args, strings.Fields(vars[w[1:]])...)
		default:
			args = append(args, w)
		}
	}
	if dir, ok := vars["PKIENROLL_PKI_DIR"]; ok {
		args = append([]string{args[0], "--pki-dir", filepath.Join(root, dir)}, args[1:]...)
	}
	return args
}
