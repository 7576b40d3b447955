package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	bin "encoding/binary"
	"errors"
	"fmt"
	"io"
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

// websockifyDeadline bounds every websockify the tests start; cleanup
// kills it sooner.
const websockifyDeadline = 2 * time.Minute

// needWebsockify returns the websockify binary, the program the engine's
// websocket proxy is built on; without one it fails the test under CI and
// skips it, loudly, by hand.
func needWebsockify(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "websockify", "websockify")
}

// TestE2EWebsocketProxy is the websocket proxy's enrollment against a real
// websockify, on loopback: the CA; the proxy's key and request from
// `websocket-proxy request`, signed by `websocket-proxy sign`; the engine's
// certificate from `websocket-proxy engine-cert`; 10-setup.conf from
// `websocket-proxy config`; websockify started in TLS-only mode with the
// port, certificate and key read back from that file, in front of an echo
// server standing in for a VM's console. A WebSocket client that trusts
// only the CA opens wss://localhost:PORT/ and gets its bytes back; the same
// client is refused by a proxy whose certificate names another host, and a
// client that trusts another CA is refused by the proxy.
func TestE2EWebsocketProxy(t *testing.T) {
	websockify := needWebsockify(t)
	start := time.Now()
	dir := t.TempDir()
	enginePKI, proxyPKI := filepath.Join(dir, "engine", "pki"), filepath.Join(dir, "proxy", "pki")
	for _, d := range []string{filepath.Dir(enginePKI), proxyPKI, filepath.Join(dir, "foreign")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	caPEM := filepath.Join(enginePKI, "ca.pem")
	owner := me(t)

	// Engine host: the CA and the engine's own certificate.
	mustRun(t, "-q", "ca", "init", "--pki-dir", enginePKI, "--subject", caSubject)
	mustRun(t, "-q", "request", "--ca-cert", caPEM, "--cn", "engine.example.com",
		"--keyout", filepath.Join(dir, "engine", "engine.key"), "--out", filepath.Join(enginePKI, "requests", "engine.req"))
	mustRun(t, "-q", "sign", "--pki-dir", enginePKI, "--name", "engine")

	// Proxy host, named localhost here so that the client can reach it by
	// a name its certificate carries.
	const host = "localhost"
	pkitest.MustCopyFile(t, caPEM, filepath.Join(proxyPKI, "ca.pem"))
	mustRun(t, "-q", "websocket-proxy", "request", "--pki-dir", proxyPKI, "--fqdn", host, "--owner", owner)
	name := "websocket-proxy-" + host
	pkitest.MustCopyFile(t, filepath.Join(proxyPKI, "requests", name+".req"), filepath.Join(enginePKI, "requests", name+".req"))
	mustRun(t, "-q", "websocket-proxy", "sign", "--pki-dir", enginePKI, "--fqdn", host)
	pkitest.MustCopyFile(t, filepath.Join(enginePKI, "certs", name+".cer"), filepath.Join(proxyPKI, "certs", "websocket-proxy.cer"))
	mustRun(t, "-q", "websocket-proxy", "engine-cert", "--pki-dir", proxyPKI, "--from", filepath.Join(enginePKI, "certs", "engine.cer"), "--owner", owner)
	confPath := filepath.Join(dir, "proxy", "10-setup.conf")
	port := freePort(t)
	mustRun(t, "-q", "websocket-proxy", "config", "--pki-dir", proxyPKI, "--fqdn", host,
		"--port", strconv.Itoa(port), "--out", confPath, "--owner", owner)

	echo := echoServer(t)
	stop := startWebsockify(t, websockify, readWebsocketConf(t, confPath), echo)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	roots := certPoolOf(t, caPEM)
	payload := []byte("console bytes \x00\x01\x02 through the proxy")
	got, err := wsEcho(addr, host, roots, payload)
	if err != nil {
		t.Fatalf("wss://%s:%d/: %v", host, port, err)
	}
	if string(got) != string(payload) {
		t.Errorf("echoed %q, want %q", got, payload)
	}
	t.Logf("end to end, CA to bytes through websockify: %v", time.Since(start).Round(time.Millisecond))

	// A client that trusts another CA does not talk to the proxy.
	mustRun(t, "-q", "ca", "init", "--pki-dir", filepath.Join(dir, "foreign", "pki"), "--subject", caSubject)
	_, err = wsEcho(addr, host, certPoolOf(t, filepath.Join(dir, "foreign", "pki", "ca.pem")), payload)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("client trusting another CA: %v, want an unknown authority", err)
	}
	stop()

	// A proxy whose certificate names another host: the client refuses it
	// (and websocket-proxy config would not have written its file).
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
	r := runCLI(t, "websocket-proxy", "config", "--pki-dir", otherPKI, "--ca", caPEM, "--engine-cert", filepath.Join(enginePKI, "certs", "engine.cer"),
		"--fqdn", host, "--out", filepath.Join(dir, "other", "10-setup.conf"), "--owner", owner)
	if r.code == 0 || !strings.Contains(r.stderr, "host: localhost not in SANs") {
		t.Errorf("config for a certificate of another host: %s", r)
	}
	otherPort := freePort(t)
	startWebsockify(t, websockify, map[string]string{
		"PROXY_PORT": strconv.Itoa(otherPort), "SSL_CERTIFICATE": otherFiles.Cert, "SSL_KEY": otherFiles.Key, "SSL_ONLY": "True",
	}, echo)
	_, err = wsEcho("127.0.0.1:"+strconv.Itoa(otherPort), host, roots, payload)
	var hostname x509.HostnameError
	if !errors.As(err, &hostname) {
		t.Errorf("proxy certificate for other.example.com: %v, want a host name error", err)
	}
}

// readWebsocketConf reads 10-setup.conf as the service would.
func readWebsocketConf(t *testing.T, path string) map[string]string {
	t.Helper()
	values, err := proxy.ParseWebsocketConfig([]byte(pkitest.ReadFile(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return values
}

// startWebsockify runs websockify as ovirt-websocket-proxy would with conf
// (PROXY_PORT, SSL_CERTIFICATE, SSL_KEY; SSL_ONLY must be on), on loopback,
// in front of target. It waits until websockify listens; the returned
// function stops it, and so does cleanup.
func startWebsockify(t *testing.T, websockify string, conf map[string]string, target string) (stop func()) {
	t.Helper()
	if conf["SSL_ONLY"] != "True" {
		t.Fatalf("SSL_ONLY=%q: the proxy would accept connections without TLS", conf["SSL_ONLY"])
	}
	for _, k := range []string{"PROXY_PORT", "SSL_CERTIFICATE", "SSL_KEY"} {
		if conf[k] == "" {
			t.Fatalf("the configuration has no %s", k)
		}
	}
	addr := "127.0.0.1:" + conf["PROXY_PORT"]
	ctx, cancel := context.WithTimeout(context.Background(), websockifyDeadline)
	cmd := exec.CommandContext(ctx, websockify, "--ssl-only", "--cert", conf["SSL_CERTIFICATE"], "--key", conf["SSL_KEY"], addr, target)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stop, exited := pkitest.StartProcess(t, cmd, cancel)
	pkitest.WaitListening(t, "websockify", addr, exited, out.String)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("websockify on %s said:\n%s", addr, out.String())
		}
	})
	return stop
}

// echoServer stands in for a VM's console: it sends back what it gets.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
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
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

// certPoolOf is a pool of the certificates in file, and nothing else.
func certPoolOf(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(pkitest.ReadFile(t, file))) {
		t.Fatalf("%s: no certificate", file)
	}
	return pool
}

// wsEcho is a minimal WebSocket client (RFC 6455): it connects to addr over
// TLS, trusting roots alone and wanting serverName in the certificate,
// opens wss://serverName/, sends payload in one binary frame and returns
// the bytes that come back until as many arrived.
func wsEcho(addr, serverName string, roots *x509.CertPool, payload []byte) ([]byte, error) {
	if len(payload) > 125 {
		return nil, errors.New("wsEcho sends short frames only")
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", addr, &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	_, port, _ := net.SplitHostPort(addr)
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n", serverName, port, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("handshake: %s, Sec-WebSocket-Accept %q", resp.Status, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	// A client masks what it sends.
	frame := []byte{0x82, 0x80 | byte(len(payload))}
	var mask [4]byte
	rand.Read(mask[:])
	frame = append(frame, mask[:]...)
	for i, b := range payload {
		frame = append(frame, b^mask[i%4])
	}
	if _, err := conn.Write(frame); err != nil {
		return nil, err
	}
	var got []byte
	for len(got) < len(payload) {
		var head [2]byte
		if _, err := io.ReadFull(br, head[:]); err != nil {
			return got, fmt.Errorf("read frame: %w", err)
		}
		n := uint64(head[1] & 0x7f)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(br, ext[:]); err != nil {
				return got, err
			}
			n = uint64(bin.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(br, ext[:]); err != nil {
				return got, err
			}
			n = bin.BigEndian.Uint64(ext[:])
		}
		if head[1]&0x80 != 0 || n > 1<<20 {
			return got, fmt.Errorf("unexpected frame header %x, length %d", head, n)
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(br, data); err != nil {
			return got, err
		}
		switch head[0] & 0x0f {
		case 0x0, 0x1, 0x2:
			got = append(got, data...)
		case 0x8:
			return got, fmt.Errorf("the proxy closed the connection (%x)", data)
		}
	}
	return got, nil
}
