package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// squidDeadline bounds every Squid the tests start; cleanup kills it
// sooner.
const squidDeadline = 2 * time.Minute

// TestE2EPortal is the whole procedure against a real Squid, on loopback:
// a CA made by `pkienroll ca init`; an engine (a Go HTTPS server) with a
// certificate from `pkienroll sign`; the proxy's key and request from
// `pkienroll request`, signed; the configuration from
// `pkienroll squid-config portal`; Squid started with it; and a client that
// trusts only the CA fetches a page of the engine through the proxy, by the
// proxy's name.
func TestE2EPortal(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	start := time.Now()
	dir := squidDir(t)
	engineDir, proxyDir := filepath.Join(dir, "engine"), filepath.Join(dir, "proxy")
	pkiDir := filepath.Join(engineDir, "pki")
	caPEM := filepath.Join(pkiDir, "ca.pem")
	for _, d := range []string{engineDir, proxyDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// Engine host: the CA, and the engine's own certificate.
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	mustRun(t, "-q", "request", "--ca-cert", caPEM, "--cn", "engine.example.com",
		"--keyout", filepath.Join(engineDir, "engine.key"), "--out", filepath.Join(pkiDir, "requests", "engine.req"))
	mustRun(t, "-q", "sign", "--pki-dir", pkiDir, "--name", "engine")

	// Proxy host: key and request; the engine signs; the files come back.
	mustRun(t, "-q", "request", "--ca-cert", caPEM, "--cn", proxyCN,
		"--keyout", filepath.Join(proxyDir, "proxy.key"), "--out", filepath.Join(proxyDir, "proxy.req"))
	pkitest.MustCopyFile(t, filepath.Join(proxyDir, "proxy.req"), filepath.Join(pkiDir, "requests", "proxy.req"))
	mustRun(t, "-q", "sign", "--pki-dir", pkiDir, "--name", "proxy", "--days", "30")
	pkitest.MustCopyFile(t, filepath.Join(pkiDir, "certs", "proxy.cer"), filepath.Join(proxyDir, "proxy.cer"))
	pkitest.MustCopyFile(t, caPEM, filepath.Join(proxyDir, "ca.pem"))
	mustRun(t, "-q", "verify", "--ca", filepath.Join(proxyDir, "ca.pem"), "--cert", filepath.Join(proxyDir, "proxy.cer"),
		"--key", filepath.Join(proxyDir, "proxy.key"), "--host", proxyCN)
	installForSquid(t, filepath.Join(proxyDir, "proxy.key"), 0o640)

	engine := startEngine(t, filepath.Join(pkiDir, "certs", "engine.cer"), filepath.Join(engineDir, "engine.key"))
	port := freePort(t)
	conf := mustRun(t, "-q", "squid-config", "portal", "--check",
		"--engine", "engine.example.com:"+strconv.Itoa(engine), "--engine-address", "127.0.0.1",
		"--listen", "127.0.0.1:"+strconv.Itoa(port), "--proxy-name", proxyCN,
		"--cert", filepath.Join(proxyDir, "proxy.cer"), "--key", filepath.Join(proxyDir, "proxy.key"),
		"--ca", filepath.Join(proxyDir, "ca.pem"))
	confPath := filepath.Join(proxyDir, "squid.conf")
	writeFile(t, confPath, conf)
	startSquid(t, proxyDir, confPath, port)

	// The client knows only the CA, and reaches the proxy by its name.
	client := clientVia(t, caPEM, map[string]string{proxyCN + ":" + strconv.Itoa(port): "127.0.0.1:" + strconv.Itoa(port)})
	url := fmt.Sprintf("https://%s:%d/ovirt-engine/", proxyCN, port)
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s through Squid: %v\n%s", url, err, squidLog(proxyDir))
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The engine sees the name the client used (its SSO must know it).
	want := "engine portal /ovirt-engine/ for " + proxyCN
	if resp.StatusCode != http.StatusOK || string(body) != want {
		t.Errorf("GET %s: %s %q, want 200 %q\n%s", url, resp.Status, body, want, squidLog(proxyDir))
	}

	// A request for another site still goes to the engine and only there.
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "elsewhere.example.net"
	if resp, err := client.Do(req); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && !strings.HasPrefix(string(body), "engine portal ") {
			t.Errorf("Host elsewhere.example.net: %s %q, not the engine's page", resp.Status, body)
		}
	}
	t.Logf("end to end, CA to page through Squid: %v", time.Since(start).Round(time.Millisecond))

	// Squid checks the engine's certificate: an engine that does not carry
	// the name Squid expects gets no request.
	wrongDir := filepath.Join(dir, "wrong")
	if err := os.Mkdir(wrongDir, 0o755); err != nil {
		t.Fatal(err)
	}
	wrongPort := freePort(t)
	conf = mustRun(t, "-q", "squid-config", "portal",
		"--engine", "impostor.example.com:"+strconv.Itoa(engine), "--engine-address", "127.0.0.1",
		"--listen", "127.0.0.1:"+strconv.Itoa(wrongPort),
		"--cert", filepath.Join(proxyDir, "proxy.cer"), "--key", filepath.Join(proxyDir, "proxy.key"),
		"--ca", filepath.Join(proxyDir, "ca.pem"))
	writeFile(t, filepath.Join(wrongDir, "squid.conf"), conf)
	startSquid(t, wrongDir, filepath.Join(wrongDir, "squid.conf"), wrongPort)
	client = clientVia(t, caPEM, map[string]string{proxyCN + ":" + strconv.Itoa(wrongPort): "127.0.0.1:" + strconv.Itoa(wrongPort)})
	url = fmt.Sprintf("https://%s:%d/ovirt-engine/", proxyCN, wrongPort)
	resp, err = client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "engine portal") {
		t.Errorf("engine certificate for another name: Squid forwarded anyway: %s %.200q", resp.Status, body)
	}
}

// TestE2ESpice starts Squid with the SPICE proxy's configuration: it
// tunnels to a display port and refuses any other port and plain HTTP.
func TestE2ESpice(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	dir := squidDir(t)
	display := displayListener(t)
	port := freePort(t)
	conf := mustRun(t, "-q", "squid-config", "spice", "--check", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--clients", "127.0.0.1", "--hypervisors", "127.0.0.1")
	confPath := filepath.Join(dir, "squid.conf")
	writeFile(t, confPath, conf)
	startSquid(t, dir, confPath, port)

	proxyAddr := "127.0.0.1:" + strconv.Itoa(port)
	if status, conn := connectVia(t, proxyAddr, display); status != http.StatusOK {
		t.Errorf("CONNECT to display port %s: %d, want 200\n%s", display, status, squidLog(dir))
	} else {
		fmt.Fprintf(conn, "ping\n")
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || line != "spice ping\n" {
			t.Errorf("through the tunnel: %q, %v", line, err)
		}
		conn.Close()
	}
	// Squid's own port is outside the display range: refused.
	if status, _ := connectVia(t, proxyAddr, proxyAddr); status != http.StatusForbidden {
		t.Errorf("CONNECT to port %d: %d, want 403", port, status)
	}
	// Plain HTTP, even to a display port: refused.
	c, err := net.DialTimeout("tcp", proxyAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET http://%s/ HTTP/1.1\r\nHost: %s\r\n\r\n", display, display)
	if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET http://%s/ through the SPICE proxy: %v %v, want 403", display, resp, err)
	}
}

// squidDir is a scratch directory Squid can use. Squid started as root
// drops to its cache_effective_user (proxy on Debian), which must reach
// the directory and write its logs there.
func squidDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		return dir
	}
	// t.TempDir's parent is private (0700).
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// squidUser is the account Squid drops to when started as root.
func squidUser(t *testing.T) *user.User {
	t.Helper()
	for _, name := range []string{"proxy", "squid"} {
		if u, err := user.Lookup(name); err == nil {
			return u
		}
	}
	t.Fatal("Squid runs as root and there is no proxy or squid account to drop to")
	return nil
}

// installForSquid gives path to Squid's group with mode, as the guide's
// install does, when the test runs as root.
func installForSquid(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if os.Geteuid() == 0 {
		u := squidUser(t)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(path, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// startSquid runs Squid in the foreground with conf and what a test needs
// on top: its own pid file, logs and core dump directory in dir/squid-run,
// DNS on loopback only, no helpers. It waits until Squid listens on port.
// The returned function kills it; cleanup does too.
func startSquid(t *testing.T, dir, conf string, port int) (stop func()) {
	t.Helper()
	run := filepath.Join(dir, "squid-run")
	os.RemoveAll(run) // a Squid restarted in dir starts afresh
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		installForSquid(t, run, 0o755)
	}
	// Later directives win: these replace Squid's defaults under /var and
	// /run, shared with the system's Squid.
	overrides := fmt.Sprintf(`include %s
pid_filename %s/squid.pid
cache_log %s/cache.log
access_log stdio:%s/access.log
coredump_dir %s
netdb_filename none
pinger_enable off
dns_nameservers 127.0.0.1
shutdown_lifetime 1 second
`, conf, run, run, run, run)
	if os.Geteuid() == 0 {
		overrides += "cache_effective_user " + squidUser(t).Username + "\n"
	}
	testConf := filepath.Join(dir, "squid-test.conf")
	writeFile(t, testConf, overrides)

	ctx, cancel := context.WithTimeout(context.Background(), squidDeadline)
	// -n keeps this Squid's shared memory and sockets apart from other
	// Squids on the machine.
	cmd := exec.CommandContext(ctx, pkitest.NeedSquid(t, proxy.FindSquid()), "-N", "-n", fmt.Sprintf("pkienrolltest%d%d", os.Getpid(), port), "-f", testConf)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stop, exited := pkitest.StartProcess(t, cmd, cancel)
	pkitest.WaitListening(t, "squid", "127.0.0.1:"+strconv.Itoa(port), exited, func() string { return out.String() + "\n" + squidLog(dir) })
	return stop
}

// squidLog is Squid's cache.log under dir, for failure messages.
func squidLog(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "squid-run", "cache.log"))
	return "cache.log:\n" + string(b)
}

// syncBuffer is a bytes.Buffer that Squid's output and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEngine serves the portal over HTTPS on loopback with the engine's
// certificate, and returns its port.
func startEngine(t *testing.T, cert, key string) int {
	t.Helper()
	return pkitest.ServeTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		fmt.Fprintf(w, "engine portal %s for %s", r.URL.Path, host)
	}), cert, key)
}

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// clientVia returns an HTTPS client that trusts only the CA in caFile and
// dials the addresses of dial instead of resolving names.
func clientVia(t *testing.T, caFile string, dial map[string]string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(pkitest.ReadFile(t, caFile))) {
		t.Fatalf("%s: no certificate", caFile)
	}
	var d net.Dialer
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:           nil,
			TLSClientConfig: &tls.Config{RootCAs: pool},
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				to, ok := dial[addr]
				if !ok {
					return nil, fmt.Errorf("test client dials only %v, not %s", dial, addr)
				}
				return d.DialContext(ctx, network, to)
			},
		},
	}
}

// displayListener listens on a loopback port in the SPICE display range
// and answers "spice LINE" to every line; it returns the address.
func displayListener(t *testing.T) string {
	t.Helper()
	for p := 5900; p <= 6923; p++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					c.SetDeadline(time.Now().Add(30 * time.Second))
					r := bufio.NewReader(c)
					for {
						line, err := r.ReadString('\n')
						if err != nil {
							return
						}
						fmt.Fprintf(c, "spice %s", line)
					}
				}()
			}
		}()
		return l.Addr().String()
	}
	t.Skip("no free loopback port in 5900-6923 for a display")
	return ""
}

// connectVia asks the proxy at proxyAddr for a tunnel to target, and
// returns the status and, on 200, the tunnel.
func connectVia(t *testing.T, proxyAddr, target string) (int, net.Conn) {
	t.Helper()
	c, err := net.DialTimeout("tcp", proxyAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, &http.Request{Method: "CONNECT"})
	if err != nil {
		c.Close()
		t.Fatalf("CONNECT %s: %v", target, err)
	}
	if resp.StatusCode != http.StatusOK {
		c.Close()
		return resp.StatusCode, nil
	}
	if r.Buffered() > 0 {
		t.Fatalf("CONNECT %s: data after the response", target)
	}
	return resp.StatusCode, c
}

// guideHosts are the hosts the guide's blocks run on.
var guideHosts = []string{"engine", "proxy", "spice"}

// TestProxyGuide runs every command of docs/proxy-guide.md, in order, each
// block on its host: a directory per host whose etc/ stands for /etc, a
// real Squid, the built pkienroll, and an HTTPS server for the engine. What
// it replaces in the commands is in the table below; a replacement that no
// longer matches anything fails the test, so the guide cannot drift away
// from what is run.
func TestProxyGuide(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	if os.Geteuid() != 0 {
		testenv.Missing(t, "docs/proxy-guide.md installs files owned by Squid's account and is NOT checked: run the test as root")
	}
	squidUser(t)
	start := time.Now()
	guide := filepath.Join("..", "..", "docs", "proxy-guide.md")
	blocks, texts := pkitest.ReadGuide(t, guide, guideHosts)

	g := pkitest.NewGuide(t, squidDir(t), guideHosts, []string{"root", "etc/squid", "etc/pki"}, binary(t), "scp", "systemctl", "engine-config")
	roots := g.Roots
	for _, h := range guideHosts {
		// As the squid package leaves it.
		writeFile(t, filepath.Join(roots[h], "etc/squid/squid.conf"), "# stands for the squid package's configuration\n")
	}
	pkiDir := filepath.Join(roots["engine"], "etc/pki/ovirt-engine")

	enginePort, portalPort, spicePort := 0, freePort(t), freePort(t)
	// Each replacement is old, new and where it applies; every one must
	// match somewhere in the guide.
	type replacement struct{ old, new, host string }
	var reps []replacement
	etcOf := regexp.MustCompile(`(?:(engine|proxy|spice-proxy)\.example\.com:)?/etc/`)
	used := map[string]bool{}
	rewrite := func(b pkitest.GuideBlock) string {
		s := etcOf.ReplaceAllStringFunc(b.Script, func(m string) string {
			used[`/etc/`] = true
			host := b.Host
			if h, _, ok := strings.Cut(m, ".example.com:"); ok {
				used["HOST:/etc/"] = true
				host = strings.TrimSuffix(h, "-proxy")
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
	portal := fmt.Sprintf("127.0.0.1:%d", portalPort)
	reps = []replacement{
		// The proxy listens on a free loopback port, not on 443 of every address.
		{"--listen 443", "--listen " + portal, "proxy"},
		// The SPICE proxy likewise, not on 3128.
		{"squid-config spice", fmt.Sprintf("squid-config spice --listen 127.0.0.1:%d", spicePort), "spice"},
		// The client reaches the proxy by name at the loopback port.
		{"https://proxy.example.com/", fmt.Sprintf("https://proxy.example.com:%d/", portalPort), "proxy"},
		{"curl ", fmt.Sprintf("curl --resolve proxy.example.com:%d:127.0.0.1 ", portalPort), "proxy"},
	}
	// The engine (started once its CA exists) is on a loopback port of its own.
	reps = append(reps, replacement{"--engine engine.example.com", "--engine engine.example.com:ENGINE_PORT --engine-address 127.0.0.1", "proxy"})

	// Rewrite every block before running any: a guide that no longer fits
	// the replacements must not start a Squid on a public address.
	scripts := make([]string, len(blocks))
	for i, b := range blocks {
		scripts[i] = rewrite(b)
		for _, l := range strings.Split(scripts[i], "\n") {
			if strings.Contains(l, "squid-config") && !strings.Contains(l, "--listen 127.0.0.1:") {
				t.Fatalf("%s:%d: squid-config would listen beyond loopback: %s", guide, b.Line, l)
			}
		}
	}
	for _, r := range append(reps, replacement{old: "/etc/"}, replacement{old: "HOST:/etc/"}) {
		if !used[r.old] {
			t.Fatalf("replacement of %q matches nothing in %s any more: update the guide or the test", r.old, guide)
		}
	}

	stops := map[string]func(){}
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
		// The default --pki-dir, /etc/pki/ovirt-engine, in the engine's sandbox.
		out, err := g.Run(b.Host, script, "PKIENROLL_PKI_DIR="+pkiDir)
		output.WriteString(out)
		if err != nil {
			t.Fatalf("%s:%d, on %s: %v\n%s\n--- as run:\n%s", guide, b.Line, b.Host, err, out, script)
		}
		t.Logf("%s:%d on %s:\n%s", guide, b.Line, b.Host, out)

		// Like engine-setup, issue the engine's own certificate once its CA
		// exists, and serve the portal with it.
		if enginePort == 0 && fileExists(filepath.Join(pkiDir, "ca.pem")) {
			engineKey := filepath.Join(roots["engine"], "engine.key")
			mustRun(t, "-q", "request", "--ca-cert", filepath.Join(pkiDir, "ca.pem"), "--cn", "engine.example.com",
				"--keyout", engineKey, "--out", filepath.Join(pkiDir, "requests", "apache.req"))
			mustRun(t, "-q", "sign", "--pki-dir", pkiDir, "--name", "apache")
			enginePort = startEngine(t, filepath.Join(pkiDir, "certs", "apache.cer"), engineKey)
		}
		for _, l := range g.NewShimLines(t) {
			shimLines = append(shimLines, l)
			host, call, _ := strings.Cut(l, " ")
			if call != "systemctl restart squid" {
				continue
			}
			if stop := stops[host]; stop != nil {
				stop()
			}
			port := portalPort
			if host == "spice" {
				port = spicePort
			}
			stops[host] = startSquid(t, roots[host], filepath.Join(roots[host], "etc/squid/squid.conf"), port)
		}
	}

	// The output the guide shows is what its commands printed, dates and
	// numbers aside.
	digits := regexp.MustCompile(`[0-9]+`)
	pkitest.AssertShown(t, guide, texts, output.String(), func(s string) string { return digits.ReplaceAllString(s, "N") })

	// What the guide promises.
	if !strings.Contains(output.String(), "engine portal /ovirt-engine/ for proxy.example.com") {
		t.Errorf("curl through the proxy did not print the engine's page:\n%s", output.String())
	}
	key, err := os.Stat(filepath.Join(roots["proxy"], "etc/squid/proxy.key"))
	if err != nil || key.Mode().Perm() != 0o640 {
		t.Errorf("installed key: %v, %v; want mode 0640", key, err)
	}
	if status, _ := connectVia(t, fmt.Sprintf("127.0.0.1:%d", spicePort), fmt.Sprintf("127.0.0.1:%d", portalPort)); status != http.StatusForbidden {
		t.Errorf("SPICE proxy: CONNECT outside the display ports: %d, want 403", status)
	}
	// engine-config was run with exactly the lines spice-proxy check printed.
	var want []string
	for _, l := range strings.Split(mustRun(t, "spice-proxy", "check", "http://spice-proxy.example.com:3128"), "\n") {
		if strings.HasPrefix(l, "engine-config ") {
			want = append(want, "engine "+l)
		}
	}
	var got []string
	for _, l := range shimLines {
		if strings.HasPrefix(l, "engine engine-config ") {
			got = append(got, l)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("engine-config runs in the guide:\n%q\nwant what spice-proxy check prints:\n%q", got, want)
	}
	t.Logf("guide run in %v", time.Since(start).Round(time.Millisecond))
}

// fileExists reports whether path exists.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
