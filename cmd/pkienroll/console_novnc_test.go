package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// The noVNC console test runs what a browser user of the engine's portal
// does: Debian's noVNC, served over HTTPS from the engine's origin, opens
// wss:// to the websocket proxy (websockify as 10-setup.conf configures
// it), which connects to a VM's VNC server (qemu). Chromium, headless, is
// driven from Go over --remote-debugging-pipe.

// browserTimeout bounds one page's wait for noVNC's status.
const browserTimeout = 25 * time.Second

// novncDir is where Debian's novnc package puts noVNC.
const novncDir = "/usr/share/novnc"

// needBrowser returns Chromium and certutil, or skips loudly.
func needBrowser(t *testing.T) (chromium, certutil string) {
	t.Helper()
	chromium = testenv.LookPath(t, "chromium", "chromium")
	certutil = testenv.LookPath(t, "certutil", "libnss3-tools")
	if _, err := os.Stat(filepath.Join(novncDir, "vnc_lite.html")); err != nil {
		testenv.Missing(t, "noVNC is not installed, so NO browser opens a console through the websocket proxy (apt-get install novnc)")
	}
	return chromium, certutil
}

// browserHome is a HOME whose NSS database (what Chromium on Linux trusts
// besides the system) trusts the CA in caFile as an issuer of servers.
func browserHome(t *testing.T, certutil, caFile string) string {
	t.Helper()
	home := t.TempDir()
	db := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + db, "--empty-password"},
		{"-A", "-d", "sql:" + db, "-n", "engine-ca", "-t", "C,,", "-i", caFile},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, certutil, args...).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("certutil %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return home
}

// cdp speaks the Chrome DevTools Protocol over Chromium's pipe: JSON
// messages ended by a NUL byte, fd 3 to the browser, fd 4 from it.
type cdp struct {
	to   *os.File
	from *bufio.Reader
	pipe *os.File
	id   int
}

// call sends method with params (to session, when not empty) and returns
// the result, skipping the events that come before it.
func (c *cdp) call(method string, params any, session string, deadline time.Time) (json.RawMessage, error) {
	c.id++
	msg := map[string]any{"id": c.id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	c.to.SetWriteDeadline(deadline)
	if _, err := c.to.Write(append(b, 0)); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	c.pipe.SetReadDeadline(deadline)
	for {
		line, err := c.from.ReadBytes(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(bytes.TrimSuffix(line, []byte{0}), &resp); err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		if resp.ID != c.id {
			continue // an event
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, resp.Error.Message)
		}
		return resp.Result, nil
	}
}

// noVNCStatus opens page in a headless Chromium whose HOME is home, and
// returns noVNC's status line once it says Connected, or what it says
// (or where the browser is, when there is no noVNC page) at the deadline.
func noVNCStatus(t *testing.T, chromium, home, page string, resolve map[string]string) string {
	t.Helper()
	toBrowser, browserIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	browserOut, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for name, addr := range resolve {
		rules = append(rules, "MAP "+name+" "+addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout+20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+filepath.Join(home, "profile"), "--remote-debugging-pipe",
		"--host-resolver-rules="+strings.Join(rules, ", "), page)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fd 3 and 4
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	defer func() {
		browserIn.Close()
		browserOut.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}()
	c := &cdp{to: browserIn, from: bufio.NewReader(browserOut), pipe: browserOut}
	deadline := time.Now().Add(browserTimeout)
	fail := func(err error) string {
		t.Fatalf("chromium: %v\n%s", err, out.String())
		return ""
	}

	var session string
	for session == "" {
		res, err := c.call("Target.getTargets", map[string]any{}, "", deadline)
		if err != nil {
			return fail(err)
		}
		var targets struct {
			TargetInfos []struct{ TargetID, Type string } `json:"targetInfos"`
		}
		json.Unmarshal(res, &targets)
		for _, ti := range targets.TargetInfos {
			if ti.Type != "page" {
				continue
			}
			res, err := c.call("Target.attachToTarget", map[string]any{"targetId": ti.TargetID, "flatten": true}, "", deadline)
			if err != nil {
				return fail(err)
			}
			var attached struct{ SessionID string }
			json.Unmarshal(res, &attached)
			session = attached.SessionID
			break
		}
		if session == "" {
			if time.Now().After(deadline) {
				return fail(fmt.Errorf("no page after %v", browserTimeout))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	const expr = `(document.getElementById('status') || {}).textContent || ('no noVNC page: ' + location.href)`
	var status string
	for {
		res, err := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, session, deadline)
		if err == nil {
			var v struct {
				Result struct{ Value any } `json:"result"`
			}
			json.Unmarshal(res, &v)
			status = fmt.Sprint(v.Result.Value)
		}
		done := strings.HasPrefix(status, "Connected") || strings.HasPrefix(status, "Disconnected") ||
			strings.HasPrefix(status, "Something went wrong")
		if done || time.Now().After(deadline) {
			return status
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startVNCVM starts qemu with a VNC server on hypervisorAddr and returns
// its address; cleanup kills it.
func startVNCVM(t *testing.T) string {
	t.Helper()
	qemu := testenv.LookPath(t, "qemu-system-x86_64", "qemu-system-x86")
	port := displayPorts(t, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	var out syncBuffer
	cmd := exec.CommandContext(ctx, qemu, "-machine", "pc", "-m", "64", "-nodefaults", "-vga", "std", "-display", "none",
		"-vnc", fmt.Sprintf("%s:%d", hypervisorAddr, port-5900))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := net.JoinHostPort(hypervisorAddr, strconv.Itoa(port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			t.Fatalf("qemu ended: %s", out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("qemu's VNC server does not listen on %s after 30s: %s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveNoVNC serves Debian's noVNC over HTTPS with the certificate and
// key, as the engine serves it, on a loopback port; it returns the port.
func serveNoVNC(t *testing.T, cert, key string) int {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	// The browsers that refuse a certificate end handshakes: no news.
	srv := &http.Server{Handler: http.FileServer(http.Dir(novncDir)), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// TestConsoleNoVNC opens a VM's VNC console in noVNC, in headless
// Chromium, through websockify started from the 10-setup.conf that
// `websocket-proxy config` wrote with the certificate `websocket-proxy
// sign` issued: noVNC says Connected. A proxy certificate for another
// name, and a browser that does not trust the engine's CA, are refused.
func TestConsoleNoVNC(t *testing.T) {
	websockify := needWebsockify(t)
	chromium, certutil := needBrowser(t)
	dir := t.TempDir()
	enginePKI, proxyPKI := filepath.Join(dir, "engine", "pki"), filepath.Join(dir, "proxy", "pki")
	for _, d := range []string{filepath.Dir(enginePKI), proxyPKI, filepath.Join(dir, "foreign")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	caPEM := filepath.Join(enginePKI, "ca.pem")
	owner := me(t)
	engineKey := filepath.Join(dir, "engine", "engine.key")
	mustRun(t, "-q", "ca", "init", "--pki-dir", enginePKI, "--subject", caSubject)
	mustRun(t, "-q", "request", "--ca-cert", caPEM, "--cn", "engine.example.com",
		"--keyout", engineKey, "--out", filepath.Join(enginePKI, "requests", "engine.req"))
	mustRun(t, "-q", "sign", "--pki-dir", enginePKI, "--name", "engine")
	engineCert := filepath.Join(enginePKI, "certs", "engine.cer")

	// The websocket proxy, named localhost: the browser reaches it by a
	// name its certificate carries.
	const host = "localhost"
	pkitest.MustCopyFile(t, caPEM, filepath.Join(proxyPKI, "ca.pem"))
	mustRun(t, "-q", "websocket-proxy", "request", "--pki-dir", proxyPKI, "--fqdn", host, "--owner", owner)
	name := "websocket-proxy-" + host
	pkitest.MustCopyFile(t, filepath.Join(proxyPKI, "requests", name+".req"), filepath.Join(enginePKI, "requests", name+".req"))
	mustRun(t, "-q", "websocket-proxy", "sign", "--pki-dir", enginePKI, "--fqdn", host)
	pkitest.MustCopyFile(t, filepath.Join(enginePKI, "certs", name+".cer"), filepath.Join(proxyPKI, "certs", "websocket-proxy.cer"))
	mustRun(t, "-q", "websocket-proxy", "engine-cert", "--pki-dir", proxyPKI, "--from", engineCert, "--owner", owner)
	confPath := filepath.Join(dir, "proxy", "10-setup.conf")
	port := freePort(t)
	mustRun(t, "-q", "websocket-proxy", "config", "--pki-dir", proxyPKI, "--fqdn", host,
		"--port", strconv.Itoa(port), "--out", confPath, "--owner", owner)

	vnc := startVNCVM(t)
	startWebsockify(t, websockify, readWebsocketConf(t, confPath), vnc)
	enginePort := serveNoVNC(t, engineCert, engineKey)
	resolve := map[string]string{"engine.example.com": "127.0.0.1"}
	page := func(proxyPort int) string {
		return fmt.Sprintf("https://engine.example.com:%d/vnc_lite.html?host=%s&port=%d&path=", enginePort, host, proxyPort)
	}

	trusting := browserHome(t, certutil, caPEM)
	status := noVNCStatus(t, chromium, trusting, page(port), resolve)
	t.Logf("noVNC: %s", status)
	if !strings.HasPrefix(status, "Connected") {
		t.Errorf("noVNC through the websocket proxy: status %q, want Connected", status)
	}

	// A proxy whose certificate names another host.
	otherPKI := filepath.Join(dir, "other", "pki")
	if err := os.MkdirAll(otherPKI, 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-q", "websocket-proxy", "request", "--pki-dir", otherPKI, "--ca", caPEM, "--fqdn", "other.example.com", "--owner", owner)
	other := "websocket-proxy-other.example.com"
	pkitest.MustCopyFile(t, filepath.Join(otherPKI, "requests", other+".req"), filepath.Join(enginePKI, "requests", other+".req"))
	mustRun(t, "-q", "websocket-proxy", "sign", "--pki-dir", enginePKI, "--fqdn", "other.example.com")
	otherFiles := proxy.WebsocketFilesIn(otherPKI)
	pkitest.MustCopyFile(t, filepath.Join(enginePKI, "certs", other+".cer"), otherFiles.Cert)
	otherPort := freePort(t)
	startWebsockify(t, websockify, map[string]string{
		"PROXY_PORT": strconv.Itoa(otherPort), "SSL_CERTIFICATE": otherFiles.Cert, "SSL_KEY": otherFiles.Key, "SSL_ONLY": "True",
	}, vnc)
	status = noVNCStatus(t, chromium, trusting, page(otherPort), resolve)
	t.Logf("noVNC, proxy for another name: %s", status)
	if strings.HasPrefix(status, "Connected") || status == "Connecting" {
		t.Errorf("websocket proxy with a certificate for other.example.com: status %q, want a refusal", status)
	}

	// A browser that trusts another CA: the page comes from an origin it
	// trusts, the websocket proxy's certificate does not chain to it.
	foreignPKI := filepath.Join(dir, "foreign", "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", foreignPKI, "--subject", caSubject)
	foreignKey := filepath.Join(dir, "foreign", "engine.key")
	mustRun(t, "-q", "request", "--ca-cert", filepath.Join(foreignPKI, "ca.pem"), "--cn", "engine.example.com",
		"--keyout", foreignKey, "--out", filepath.Join(foreignPKI, "requests", "engine.req"))
	mustRun(t, "-q", "sign", "--pki-dir", foreignPKI, "--name", "engine")
	foreignPort := serveNoVNC(t, filepath.Join(foreignPKI, "certs", "engine.cer"), foreignKey)
	foreign := browserHome(t, certutil, filepath.Join(foreignPKI, "ca.pem"))
	foreignPage := fmt.Sprintf("https://engine.example.com:%d/vnc_lite.html?host=%s&port=%d&path=", foreignPort, host, port)
	status = noVNCStatus(t, chromium, foreign, foreignPage, resolve)
	t.Logf("noVNC, browser without the CA: %s", status)
	if strings.HasPrefix(status, "Connected") || status == "Connecting" ||
		strings.HasPrefix(status, "no noVNC page") {
		t.Errorf("browser without the engine's CA: status %q, want noVNC's refusal", status)
	}
}
