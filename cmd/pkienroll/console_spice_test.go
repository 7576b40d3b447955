package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

// The SPICE console tests run a real SPICE server (qemu, SeaBIOS's screen
// on a QXL card, no disk), a real client (spice-gtk, headless, through
// python3-gi) and Squid configured by squid-config spice, as a console
// user reaches a VM through the SPICE proxy.

// spiceClientTimeout bounds one client run; qemu under TCG on a loaded
// 2-core machine opens its channels in well under a second.
const spiceClientTimeout = 20 * time.Second

// hypervisorName is the hypervisor as the engine names it in the console
// file. Only the proxy resolves it (Squid's hosts_file), as a client
// outside the hypervisors' network could not.
const hypervisorName = "hv1.example.com"

// hypervisorAddr is where the hypervisor's SPICE server listens: a
// loopback address of its own, apart from the display ports other tests
// on the machine take on 127.0.0.1.
const hypervisorAddr = "127.0.0.3"

// elsewhereName is a host that is no hypervisor, at elsewhereAddr. A name
// Squid cannot resolve would wait for its DNS timeout before the 403.
const elsewhereName, elsewhereAddr = "elsewhere.example.net", "127.0.0.4"

// hypervisorSubject is its certificate's subject as the console file's
// host-subject gives it.
const hypervisorSubject = "C=US,O=Example Inc.,CN=" + hypervisorName

// spiceConnect is the helper that drives spice-gtk.
var spiceConnect = filepath.Join("testdata", "console", "spice-connect.py")

// needSpiceClient returns a python3 that has spice-gtk's GObject bindings.
// Debian's python3-gi is for /usr/bin/python3, not for another python3
// first on PATH.
func needSpiceClient(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c",
		"import gi; gi.require_version('SpiceClientGLib', '2.0'); from gi.repository import SpiceClientGLib").CombinedOutput()
	if err != nil {
		testenv.Missing(t, fmt.Sprintf("spice-gtk's Python bindings are not installed (%v: %s), so NO real SPICE client tries the SPICE proxy (apt-get install python3-gi gir1.2-spiceclientglib-2.0)",
			err, bytes.TrimSpace(out)))
	}
	return py
}

// displayPorts returns n free ports of hypervisorAddr in the SPICE
// display range, from a random start so that parallel runs rarely meet.
func displayPorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	span := proxy.SpicePortLast - proxy.SpicePortFirst + 1
	start := rand.IntN(span)
	for i := 0; i < span && len(ports) < n; i++ {
		p := proxy.SpicePortFirst + (start+i)%span
		l, err := net.Listen("tcp", net.JoinHostPort(hypervisorAddr, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		l.Close()
		ports = append(ports, p)
	}
	if len(ports) < n {
		t.Fatalf("only %d free ports of %s in the display range", len(ports), hypervisorAddr)
	}
	return ports
}

// hypervisorX509Dir issues hypervisorName's certificate from the
// fixture's CA, as the engine does for a host, and lays it out as qemu's
// x509-dir wants it.
func hypervisorX509Dir(t *testing.T, f *fixture) string {
	t.Helper()
	key, req := f.path("hv1.key"), f.path("hv1.req")
	mustRun(t, "-q", "keygen", "--out", key)
	mustRun(t, "-q", "request", "--key", key, "--ca-cert", f.caPEM, "--cn", hypervisorName, "--out", req)
	pkitest.MustCopyFile(t, req, filepath.Join(f.pki, "requests", "hv1.req"))
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "hv1")
	dir := f.path("hv1-x509")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	pkitest.MustCopyFile(t, f.caPEM, filepath.Join(dir, "ca-cert.pem"))
	pkitest.MustCopyFile(t, filepath.Join(f.pki, "certs", "hv1.cer"), filepath.Join(dir, "server-cert.pem"))
	pkitest.MustCopyFile(t, key, filepath.Join(dir, "server-key.pem"))
	return dir
}

// spiceVM is a qemu with a SPICE server on hypervisorAddr.
type spiceVM struct {
	plain, tls int    // its display ports
	stop       func() // kills it and waits; cleanup does too
}

// startSpiceVM starts qemu with a SPICE server on hypervisorAddr, plain
// and TLS with x509Dir's certificate, on free display ports, and waits
// until it listens. Each client session gets a VM of its own: Debian 12's
// spice-server sometimes segfaults when a client has left (after "SSL_accept
// failed" for a channel still in its handshake), and a session must not
// meet the crash of the one before.
func startSpiceVM(t *testing.T, x509Dir string) spiceVM {
	t.Helper()
	qemu := testenv.LookPath(t, "qemu-system-x86_64", "qemu-system-x86")
	ports := displayPorts(t, 2)
	vm := spiceVM{plain: ports[0], tls: ports[1]}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	var out syncBuffer
	cmd := exec.CommandContext(ctx, qemu, "-machine", "pc", "-m", "64", "-nodefaults", "-vga", "qxl", "-display", "none",
		"-spice", fmt.Sprintf("port=%d,tls-port=%d,addr=%s,x509-dir=%s,disable-ticketing=on", vm.plain, vm.tls, hypervisorAddr, x509Dir))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	var once sync.Once
	vm.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if t.Failed() {
				t.Logf("qemu (display ports %d, %d) said:\n%s", vm.plain, vm.tls, out.String())
			}
		})
	}
	t.Cleanup(vm.stop)
	// Only the plain port is tried: qemu opens both at once, and a
	// connection closed in the TLS handshake is what crashes it.
	addr := net.JoinHostPort(hypervisorAddr, strconv.Itoa(vm.plain))
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("qemu ended: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("qemu's SPICE server does not listen on %s after 30s: %s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// qemu that cannot listen ends at once; what listens then is not it.
	select {
	case <-done:
		t.Fatalf("qemu ended: %s", out.String())
	case <-time.After(200 * time.Millisecond):
	}
	return vm
}

// spiceSession runs the real client with args under a deadline, inside a
// mount namespace whose system trust store is trustStore when that is not
// empty. It returns what the client printed and whether it saw the main
// and display channels open.
func spiceSession(t *testing.T, py, trustStore string, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spiceClientTimeout+10*time.Second)
	defer cancel()
	argv := append([]string{py, spiceConnect, "--timeout", strconv.Itoa(int(spiceClientTimeout / time.Second))}, args...)
	if trustStore != "" {
		// GLib's TLS (GnuTLS) reads the system's trust store: here, a
		// bind mount that only this process sees holds the engine's CA.
		argv = append([]string{"unshare", "-m", "sh", "-c",
			`mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"`, trustStore}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 5 * time.Second
	// No proxy from the environment: the session's proxy is the one meant.
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + t.TempDir(), "LANG=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out), err == nil && strings.Contains(string(out), "opened main display")
}

// spiceSquid starts Squid with the configuration squid-config spice
// prints for args, on a free loopback port, with a hosts file
// (hypervisorName at hypervisorAddr, elsewhereName at elsewhereAddr) that
// only Squid reads. It returns Squid's directory and port.
func spiceSquid(t *testing.T, args ...string) (dir string, port int) {
	t.Helper()
	dir = squidDir(t)
	port = freePort(t)
	conf := mustRun(t, append([]string{"-q", "squid-config", "spice", "--check", "--listen", "127.0.0.1:" + strconv.Itoa(port)}, args...)...)
	hosts := filepath.Join(dir, "hosts")
	writeFile(t, hosts, hypervisorAddr+" "+hypervisorName+"\n"+elsewhereAddr+" "+elsewhereName+"\n")
	confPath := filepath.Join(dir, "squid.conf")
	writeFile(t, confPath, conf+"\n# The sandbox's name service, for the proxy only.\nhosts_file "+hosts+"\n")
	startSquid(t, dir, confPath, port)
	return dir, port
}

// TestConsoleSpice opens a console with spice-gtk through the SPICE proxy
// Squid runs from squid-config spice, to qemu's SPICE server: on the plain
// port and on the TLS port with the CA and host-subject of a console file;
// a wrong host-subject is refused. The proxy tunnels only for its clients
// and only to its hypervisors.
func TestConsoleSpice(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	py := needSpiceClient(t)
	f := newFixture(t)
	x509Dir := hypervisorX509Dir(t, f)
	dir, port := spiceSquid(t, "--clients", "127.0.0.1", "--hypervisors", ".example.com")
	proxyURI := fmt.Sprintf("http://127.0.0.1:%d", port)
	tlsArgs := func(vm spiceVM, subject string) []string {
		return []string{"--host", hypervisorName, "--tls-port", strconv.Itoa(vm.tls), "--ca", f.caPEM, "--host-subject", subject, "--proxy", proxyURI}
	}

	vm := startSpiceVM(t, x509Dir)
	if out, ok := spiceSession(t, py, "", "--host", hypervisorName, "--port", strconv.Itoa(vm.plain), "--proxy", proxyURI); !ok {
		t.Errorf("plain port through the proxy: no console\n%s\n%s", out, squidLog(dir))
	}
	accessLogHas(t, dir, fmt.Sprintf("CONNECT %s:%d", hypervisorName, vm.plain))
	vm.stop()
	vm = startSpiceVM(t, x509Dir)
	if out, ok := spiceSession(t, py, "", tlsArgs(vm, hypervisorSubject)...); !ok {
		t.Errorf("TLS port through the proxy: no console\n%s\n%s", out, squidLog(dir))
	}
	accessLogHas(t, dir, fmt.Sprintf("CONNECT %s:%d", hypervisorName, vm.tls))
	vm.stop()
	vm = startSpiceVM(t, x509Dir)
	if out, ok := spiceSession(t, py, "", tlsArgs(vm, "C=US,O=Example Inc.,CN=hv2.example.com")...); ok ||
		!strings.Contains(out, "error main error-tls") {
		t.Errorf("TLS port with a wrong host-subject: want the main channel's error, got\n%s", out)
	}
	vm.stop()

	// No open relay: another client, or a destination that is not a
	// hypervisor, gets 403, though the display port is there.
	vm = startSpiceVM(t, x509Dir)
	plain := vm.plain
	proxyAddr := "127.0.0.1:" + strconv.Itoa(port)
	display := hypervisorName + ":" + strconv.Itoa(plain)
	if status := connectFrom(t, "127.0.0.2", proxyAddr, display); status != http.StatusForbidden {
		t.Errorf("CONNECT from 127.0.0.2, not among --clients: %d, want 403", status)
	}
	for _, to := range []string{net.JoinHostPort(hypervisorAddr, strconv.Itoa(plain)), "localhost:" + strconv.Itoa(plain)} {
		if status := connectFrom(t, "127.0.0.1", proxyAddr, to); status != http.StatusForbidden {
			t.Errorf("CONNECT %s, not among --hypervisors: %d, want 403", to, status)
		}
	}
	if status := connectFrom(t, "127.0.0.1", proxyAddr, display); status != http.StatusOK {
		t.Errorf("CONNECT %s from a client: %d, want 200\n%s", display, status, squidLog(dir))
	}
}

// TestConsoleSpiceHTTPS opens a console through the HTTPS SPICE proxy
// (squid-config spice --tls-cert): spice-gtk checks the proxy's
// certificate against the system's trust store, replaced for the client
// by one with the engine's CA, and against the proxy's address. Without
// the CA there the console fails: the client does not go around the
// proxy.
func TestConsoleSpiceHTTPS(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	py := needSpiceClient(t)
	if os.Geteuid() != 0 {
		testenv.Missing(t, "not root: the client's trust store cannot be replaced in a mount namespace, so NO real client tries the HTTPS SPICE proxy")
	}
	testenv.LookPath(t, "unshare", "util-linux")
	f := signedFixture(t, "--san", "DNS:spice.example.com,IP:127.0.0.1")
	x509Dir := hypervisorX509Dir(t, f)

	// Squid reads its certificate and key as the user it drops to.
	files := squidDir(t)
	cert, key := filepath.Join(files, "spice-proxy.cer"), filepath.Join(files, "spice-proxy.key")
	pkitest.MustCopyFile(t, f.path("pki", "certs", "proxy.cer"), cert)
	pkitest.MustCopyFile(t, f.key, key)
	installForSquid(t, key, 0o640)
	dir, port := spiceSquid(t, "--clients", "127.0.0.1", "--hypervisors", ".example.com",
		"--tls-cert", cert, "--tls-key", key, "--ca", f.caPEM)
	proxyURI := fmt.Sprintf("https://127.0.0.1:%d", port)

	vm := startSpiceVM(t, x509Dir)
	if out, ok := spiceSession(t, py, f.caPEM, "--host", hypervisorName, "--tls-port", strconv.Itoa(vm.tls),
		"--ca", f.caPEM, "--host-subject", hypervisorSubject, "--proxy", proxyURI); !ok {
		t.Errorf("TLS port through the HTTPS proxy: no console\n%s\n%s", out, squidLog(dir))
	}
	accessLogHas(t, dir, fmt.Sprintf("CONNECT %s:%d", hypervisorName, vm.tls))
	vm.stop()
	vm = startSpiceVM(t, x509Dir)
	// The system's own trust store lacks the engine's CA: the console
	// fails, though the VM's plain port is right there for a client that
	// went around the proxy.
	if out, ok := spiceSession(t, py, "", "--host", hypervisorAddr, "--port", strconv.Itoa(vm.plain), "--proxy", proxyURI); ok {
		t.Errorf("HTTPS proxy not trusted: the console opened anyway\n%s", out)
	}
}

// connectFrom asks the proxy at proxyAddr, from the local address from,
// for a tunnel to target and returns the status.
func connectFrom(t *testing.T, from, proxyAddr, target string) int {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "CONNECT"})
	if err != nil {
		t.Fatalf("CONNECT %s from %s: %v", target, from, err)
	}
	return resp.StatusCode
}

// accessLogHas waits until the access log of the Squid in dir has every
// one of wants: Squid writes a tunnel's line once both sides closed.
func accessLogHas(t *testing.T, dir string, wants ...string) {
	t.Helper()
	path := filepath.Join(dir, "squid-run", "access.log")
	deadline := time.Now().Add(15 * time.Second)
	for {
		log, _ := os.ReadFile(path)
		missing := slices.DeleteFunc(slices.Clone(wants), func(w string) bool { return bytes.Contains(log, []byte(w)) })
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("Squid's access log has no %q after 15s:\n%s", missing, log)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listenOnDisplayPort listens on a free display port of the hypervisor's
// address, closing every connection it takes, for the tunnel tests that
// need only a port that answers; it returns the port.
func listenOnDisplayPort(t *testing.T) int {
	t.Helper()
	port := displayPorts(t, 1)[0]
	l, err := net.Listen("tcp", net.JoinHostPort(hypervisorAddr, strconv.Itoa(port)))
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
			c.Close()
		}
	}()
	return port
}

// TestSpiceProxyNoOpenRelay needs Squid only: the SPICE proxy tunnels its
// clients to its hypervisors' display ports (by network and by name) and
// answers 403 to another client and for another destination, though a
// display port listens there.
func TestSpiceProxyNoOpenRelay(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	port := listenOnDisplayPort(t)
	dir, proxyPort := spiceSquid(t, "--clients", "127.0.0.1/32", "--hypervisors", hypervisorAddr+"/32,"+hypervisorName)
	proxyAddr := "127.0.0.1:" + strconv.Itoa(proxyPort)
	display := strconv.Itoa(port)
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"127.0.0.1", net.JoinHostPort(hypervisorAddr, display), http.StatusOK},
		{"127.0.0.1", net.JoinHostPort(hypervisorName, display), http.StatusOK},
		{"127.0.0.2", net.JoinHostPort(hypervisorAddr, display), http.StatusForbidden},
		{"127.0.0.2", net.JoinHostPort(hypervisorName, display), http.StatusForbidden},
		{"127.0.0.1", net.JoinHostPort(elsewhereAddr, display), http.StatusForbidden},
		{"127.0.0.1", net.JoinHostPort(elsewhereName, display), http.StatusForbidden},
	} {
		if status := connectFrom(t, tc.from, proxyAddr, tc.to); status != tc.want {
			t.Errorf("CONNECT %s from %s: %d, want %d\n%s", tc.to, tc.from, status, tc.want, squidLog(dir))
		}
	}
}

// TestSpiceProxyAnyone: docs/cli.md's "anyone", 0.0.0.0/0,::/0, and
// 0.0.0.0/0 alone, let a client from any address through, in the spelling
// Squid reads without an ERROR ("all", "0.0.0.0/1 128.0.0.0/1").
func TestSpiceProxyAnyone(t *testing.T) {
	pkitest.NeedSquid(t, proxy.FindSquid())
	port := listenOnDisplayPort(t)
	for _, clients := range []string{"0.0.0.0/0,::/0", "0.0.0.0/0"} {
		dir, proxyPort := spiceSquid(t, "--clients", clients, "--hypervisors", hypervisorAddr)
		to := net.JoinHostPort(hypervisorAddr, strconv.Itoa(port))
		if status := connectFrom(t, "127.0.0.2", "127.0.0.1:"+strconv.Itoa(proxyPort), to); status != http.StatusOK {
			t.Errorf("--clients %s: CONNECT %s from 127.0.0.2: %d, want %d\n%s", clients, to, status, http.StatusOK, squidLog(dir))
		}
	}
}
