package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// TestWebsocketProxyGuide runs every command of
// docs/websocket-proxy-guide.md, in order, each block on its host: a
// directory per host whose etc/ stands for /etc, the built pkienroll, an
// HTTPS server for the engine, and a real websockify started from the
// 10-setup.conf the guide writes when the guide restarts the service. A
// WebSocket client that trusts only the CA then reaches an echo server
// through it by the proxy's name. What it replaces in the commands is in
// the table below; a replacement that no longer matches anything fails the
// test, so the guide cannot drift away from what is run.
func TestWebsocketProxyGuide(t *testing.T) {
	websockify := needWebsockify(t)
	start := time.Now()
	guide := filepath.Join("..", "..", "docs", "websocket-proxy-guide.md")
	blocks, texts := pkitest.ReadGuide(t, guide, guideHosts)

	hosts := []string{"engine", "proxy"}
	g := pkitest.NewGuide(t, t.TempDir(), hosts, []string{"root", "etc/pki"}, binary(t), "scp", "systemctl", "engine-config")
	roots := g.Roots
	pkiOf := func(h string) string { return filepath.Join(roots[h], "etc/pki/ovirt-engine") }

	// The service's account: ovirt is not here. As root the files go to
	// nobody, whom root's files are closed to; else to the test's own user.
	owner := me(t)
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("nobody"); err == nil {
			owner = "nobody"
		}
	}
	wsPort := freePort(t)
	confPath := filepath.Join(roots["proxy"], "etc", strings.TrimPrefix(proxy.DefaultWebsocketConfig, "/etc/"))

	type replacement struct{ old, new, host string }
	reps := []replacement{
		// The engine (started once its CA exists) is on a loopback port of its own.
		{"--engine engine.example.com", "--engine engine.example.com:ENGINE_PORT --engine-address 127.0.0.1", "proxy"},
		// ovirt is not an account here.
		{"--owner ovirt", "--owner " + owner, "proxy"},
		// The proxy listens on a free loopback port, not on 6100, and its
		// configuration goes to the sandbox's /etc.
		{"websocket-proxy config", fmt.Sprintf("websocket-proxy config --port %d --out %s", wsPort, confPath), "proxy"},
	}
	etcOf := regexp.MustCompile(`(?:(engine|wsp)\.example\.com:)?/etc/`)
	used := map[string]bool{}
	rewrite := func(b pkitest.GuideBlock) string {
		s := etcOf.ReplaceAllStringFunc(b.Script, func(m string) string {
			used["/etc/"] = true
			host := b.Host
			if h, _, ok := strings.Cut(m, ".example.com:"); ok {
				used["HOST:/etc/"] = true
				host = map[string]string{"engine": "engine", "wsp": "proxy"}[h]
			}
			return roots[host] + "/etc/"
		})
		for _, r := range reps {
			if r.host == b.Host && strings.Contains(s, r.old) {
				used[r.old] = true
				s = strings.ReplaceAll(s, r.old, r.new)
			}
		}
		return s
	}
	// Rewrite every block before running any: a guide that no longer fits
	// must not write to the real /etc or listen beyond loopback.
	scripts := make([]string, len(blocks))
	for i, b := range blocks {
		if !slices.Contains(hosts, b.Host) {
			t.Fatalf("%s:%d: runs on %s; the guide has the hosts %v", guide, b.Line, b.Host, hosts)
		}
		scripts[i] = rewrite(b)
		for _, l := range strings.Split(scripts[i], "\n") {
			if strings.Contains(l, "websocket-proxy config") && !strings.Contains(l, "--out "+roots["proxy"]) {
				t.Fatalf("%s:%d: websocket-proxy config would write outside the sandbox: %s", guide, b.Line, l)
			}
		}
	}
	for _, r := range append(reps, replacement{old: "/etc/"}, replacement{old: "HOST:/etc/"}) {
		if !used[r.old] {
			t.Fatalf("replacement of %q matches nothing in %s any more: update the guide or the test", r.old, guide)
		}
	}

	echo := echoServer(t)
	enginePort := 0
	var stop func()
	var shimLines []string
	var output strings.Builder
	for i, b := range blocks {
		script := scripts[i]
		if strings.Contains(script, "ENGINE_PORT") {
			if enginePort == 0 {
				t.Fatalf("%s:%d: needs the engine before its CA exists", guide, b.Line)
			}
			script = strings.ReplaceAll(script, "ENGINE_PORT", strconv.Itoa(enginePort))
		}
		// The default --pki-dir, /etc/pki/ovirt-engine, in the host's sandbox.
		out, err := g.Run(b.Host, script, "PKIENROLL_PKI_DIR="+pkiOf(b.Host))
		output.WriteString(out)
		if err != nil {
			t.Fatalf("%s:%d, on %s: %v\n%s\n--- as run:\n%s", guide, b.Line, b.Host, err, out, script)
		}
		t.Logf("%s:%d on %s:\n%s", guide, b.Line, b.Host, out)

		// Like engine-setup, issue the engine's certificates once its CA
		// exists, and serve the engine's at its pki-resource path.
		if enginePort == 0 && fileExists(filepath.Join(pkiOf("engine"), "ca.pem")) {
			enginePKI := pkiOf("engine")
			for _, name := range []string{"apache", "engine"} {
				mustRun(t, "-q", "request", "--ca-cert", filepath.Join(enginePKI, "ca.pem"), "--cn", "engine.example.com",
					"--keyout", filepath.Join(roots["engine"], name+".key"), "--out", filepath.Join(enginePKI, "requests", name+".req"))
				mustRun(t, "-q", "sign", "--pki-dir", enginePKI, "--name", name)
			}
			enginePort = engineStandIn(t, filepath.Join(enginePKI, "certs", "apache.cer"), filepath.Join(roots["engine"], "apache.key"),
				filepath.Join(enginePKI, "certs", "engine.cer"))
		}
		for _, l := range g.NewShimLines(t) {
			shimLines = append(shimLines, l)
			if l != "proxy systemctl restart ovirt-websocket-proxy" {
				continue
			}
			if stop != nil {
				stop()
			}
			stop = startWebsockify(t, websockify, readWebsocketConf(t, confPath), echo)
		}
	}

	// The output the guide shows is what its commands printed, dates and
	// numbers aside.
	digits := regexp.MustCompile(`[0-9]+`)
	pkitest.AssertShown(t, guide, texts, output.String(), func(s string) string { return digits.ReplaceAllString(s, "N") })

	// What the guide promises: a browser that trusts the CA reaches the
	// console through the proxy, by the proxy's name.
	if stop == nil {
		t.Fatal("the guide never restarts ovirt-websocket-proxy")
	}
	payload := []byte("console through wsp.example.com")
	got, err := wsEcho("127.0.0.1:"+strconv.Itoa(wsPort), "wsp.example.com", certPoolOf(t, filepath.Join(pkiOf("engine"), "ca.pem")), payload)
	if err != nil || string(got) != string(payload) {
		t.Errorf("wss://wsp.example.com:%d/: %q, %v; want %q back", wsPort, got, err, payload)
	}
	account, err := user.Lookup(owner)
	if err != nil {
		t.Fatal(err)
	}
	files := proxy.WebsocketFilesIn(pkiOf("proxy"))
	for _, path := range []string{files.Key, files.EngineCert} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if uid := strconv.Itoa(int(fi.Sys().(*syscall.Stat_t).Uid)); uid != account.Uid || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: owner %s, mode %04o; want %s (%s), 0600", path, uid, fi.Mode().Perm(), account.Uid, owner)
		}
	}
	// engine-config was run with the lines websocket-proxy config printed
	// (the port aside: the sandbox's proxy is on another).
	var want []string
	for _, l := range strings.Split(output.String(), "\n") {
		if strings.HasPrefix(l, "engine-config ") {
			want = append(want, digits.ReplaceAllString("engine "+l, "N"))
		}
	}
	var ran []string
	for _, l := range shimLines {
		if strings.HasPrefix(l, "engine engine-config ") {
			ran = append(ran, digits.ReplaceAllString(l, "N"))
		}
	}
	if !slices.Equal(ran, want) {
		t.Errorf("engine-config runs in the guide:\n%q\nwant what websocket-proxy config prints:\n%q", ran, want)
	}
	t.Logf("guide run in %v", time.Since(start).Round(time.Millisecond))
}
