package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// TestServeBindsFirst: when serve cannot listen (an address without a
// port, a port in use, a second instance with another --host while the
// first holds the port), it fails with one line naming --listen and the
// PKI directory is byte-identical: no index line, no server certificate
// or key replaced. Before, it issued its certificate first, then failed.
func TestServeBindsFirst(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	// Each case has a PKI directory of its own. The first two find no
	// server certificate to reuse; the third finds the first instance's,
	// for another host.
	for _, tc := range []struct {
		name   string
		listen string // "first": where the first instance listens
		host   string
	}{
		{"no host part", "8443", "127.0.0.1"},
		{"port in use", held.Addr().String(), "127.0.0.1"},
		{"second instance with another --host", "first", "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkiDir := filepath.Join(t.TempDir(), "pki")
			mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
			var first *estServer
			if tc.listen == "first" {
				first = startServe(t, pkiDir)
				tc.listen = first.addr
			}
			before := pkitest.Snapshot(t, pkiDir)
			r := runCLIFinishes(t, "serve", "--pki-dir", pkiDir, "--listen", tc.listen, "--host", tc.host)
			if r.code != exitError {
				t.Errorf("exit %d, want %d\n%s", r.code, exitError, r)
			}
			assertOneErrorLine(t, r.stderr, "--listen "+tc.listen)
			pkitest.AssertUnchanged(t, pkiDir, before)
			if first != nil {
				// The first instance never noticed.
				c, err := tls.Dial("tcp", first.addr, &tls.Config{RootCAs: caPool(t, pkiDir), ServerName: "127.0.0.1"})
				if err != nil {
					t.Fatalf("the first instance after the second's attempt: %v", err)
				}
				c.Close()
			}
		})
	}
}

// TestServeCertKeySpecialFiles: --cert or --key naming a FIFO or a device
// fails at once with one line naming the file, as every other reader does,
// and changes nothing. Before, a FIFO blocked for ever (deaf to SIGTERM)
// and /dev/zero was read until the runtime crashed out of memory. The
// binary runs with its address space bounded, so that a regression fails
// this test rather than the machine.
func TestServeCertKeySpecialFiles(t *testing.T) {
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	cert, key := issueTLSPair(t, pkiDir, dir, "good")
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"cert is a FIFO", fifo, key, fifo},
		{"key is a FIFO", cert, fifo, fifo},
		{"cert is /dev/zero", "/dev/zero", key, "/dev/zero"},
		{"key is /dev/zero", cert, "/dev/zero", "/dev/zero"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := pkitest.Snapshot(t, dir)
			r := runBounded(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--cert", tc.cert, "--key", tc.key)
			if r.code != exitError {
				t.Errorf("exit %d, want %d\n%s", r.code, exitError, r)
			}
			assertOneErrorLine(t, r.stderr, tc.want, "not a regular file")
			pkitest.AssertUnchanged(t, dir, before)
		})
	}
}

// TestServeCertOutOfDates: a --cert that every client would refuse, expired
// or not valid yet, is refused at start with one line naming it and the
// date, the directory unchanged (a reload refuses it the same way, and goes
// on with the certificate it had). The metrics listener, bound before, is
// never announced: the one line is the error's.
func TestServeCertOutOfDates(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name     string
		from, to time.Duration
		want     string
	}{
		{"expired", -60 * 24 * time.Hour, -30 * 24 * time.Hour, "expired at"},
		{"not valid yet", 30 * 24 * time.Hour, 60 * 24 * time.Hour, "is not valid before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cert := writeSelfSigned(t, f, strings.ReplaceAll(tc.name, " ", "-")+".pem", &x509.Certificate{
				SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
				NotBefore: time.Now().Add(tc.from), NotAfter: time.Now().Add(tc.to),
			})
			before := pkitest.Snapshot(t, f.pki)
			r := runBounded(t, "serve", "--pki-dir", f.pki, "--listen", "127.0.0.1:0", "--cert", cert, "--key", f.key,
				"--metrics-listen", "127.0.0.1:0")
			if r.code != exitError {
				t.Errorf("exit %d, want %d\n%s", r.code, exitError, r)
			}
			assertOneErrorLine(t, r.stderr, cert, tc.want)
			pkitest.AssertUnchanged(t, f.pki, before)
		})
	}
}

// runBounded runs the binary with at most 1 GiB of address space and
// hangTimeout to finish; then SIGTERM, and SIGKILL if that is ignored.
// The test fails if it had to stop the command.
func runBounded(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -v 1048576 && exec "$0" "$@"`, binary(t)}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(hangTimeout):
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			t.Fatalf("pkienroll %s blocked for %s (stopped by SIGTERM)", strings.Join(args, " "), hangTimeout)
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("pkienroll %s blocked for %s and ignored SIGTERM", strings.Join(args, " "), hangTimeout)
		}
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestServeReloadsOnSIGHUP: the documented ExecReload (SIGHUP) makes a
// running server read --cert/--key again. The next handshake presents the
// new certificate while a connection made before goes on being served
// with the old one; a broken file or a key that does not match keeps the
// certificate served, logs one error line naming the file, and the server
// goes on. Before, SIGHUP killed the server.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	certA, keyA := issueTLSPair(t, pkiDir, dir, "a")
	certB, keyB := issueTLSPair(t, pkiDir, dir, "b")
	certC, _ := issueTLSPair(t, pkiDir, dir, "c")
	cert, key := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	install := func(from, to string) {
		t.Helper()
		tmp := to + ".tmp"
		if err := os.WriteFile(tmp, []byte(pkitest.ReadFile(t, from)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, to); err != nil {
			t.Fatal(err)
		}
	}
	install(certA, cert)
	install(keyA, key)
	s := startServeArgs(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--cert", cert, "--key", key)
	pool := caPool(t, pkiDir)
	serial := func(path string) string {
		t.Helper()
		c, err := pki.ReadCertificate(path)
		if err != nil {
			t.Fatal(err)
		}
		return pki.FormatSerial(c.SerialNumber)
	}

	old := dialServer(t, s.addr, pool)
	defer old.Close()
	if got, want := old.serial(), serial(certA); got != want {
		t.Fatalf("served serial %s, want %s", got, want)
	}
	old.get(t)

	install(certB, cert)
	install(keyB, key)
	execReload(t, s)
	s.waitLog(t, "reloaded server certificate", 1)
	if got, want := dialServer(t, s.addr, pool).serial(), serial(certB); got != want {
		t.Errorf("after SIGHUP the server presents serial %s, want %s", got, want)
	}
	// The connection made before is still served, with its certificate.
	old.get(t)
	if got, want := old.serial(), serial(certA); got != want {
		t.Errorf("the old connection changed certificate: %s, want %s", got, want)
	}

	for i, tc := range []struct {
		name       string
		cert, key  string
		wantInLine string
	}{
		{"broken certificate", "", keyB, cert},
		{"key of another certificate", certC, keyB, key},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cert == "" {
				writeFile(t, cert, "not a certificate\n")
			} else {
				install(tc.cert, cert)
			}
			install(tc.key, key)
			execReload(t, s)
			line := s.waitLog(t, "reload failed", i+1)
			if !strings.Contains(line, tc.wantInLine) {
				t.Errorf("the error line does not name %s: %s", tc.wantInLine, line)
			}
			if got, want := dialServer(t, s.addr, pool).serial(), serial(certB); got != want {
				t.Errorf("after a failed reload the server presents serial %s, want %s", got, want)
			}
		})
	}
	old.get(t)
	if strings.Contains(s.logText(), "PRIVATE KEY") {
		t.Errorf("the log shows a key:\n%s", s.logText())
	}
}

// TestServeReloadsOwnCertificate: without --cert, SIGHUP looks at
// certs/est-server.cer again and, not due, reuses it: no index line.
func TestServeReloadsOwnCertificate(t *testing.T) {
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	s := startServe(t, pkiDir)
	pool := caPool(t, pkiDir)
	first := dialServer(t, s.addr, pool).serial()
	before := pkitest.Snapshot(t, pkiDir)
	execReload(t, s)
	line := s.waitLog(t, "reloaded server certificate", 1)
	if !strings.Contains(line, "serial="+first) {
		t.Errorf("reload log line: %s, want serial %s", line, first)
	}
	if got := dialServer(t, s.addr, pool).serial(); got != first {
		t.Errorf("after SIGHUP serial %s, want %s reused", got, first)
	}
	pkitest.AssertUnchanged(t, pkiDir, before)
	if n := strings.Count(s.logText(), "issued server certificate"); n != 1 {
		t.Errorf("%d server certificates issued, want 1:\n%s", n, s.logText())
	}
}

// execReload runs the ExecReload= of the shipped pkienroll-serve.service
// for s, as systemctl reload does.
func execReload(t *testing.T, s *estServer) {
	t.Helper()
	unit := pkitest.ReadFile(t, filepath.Join(unitDir, "pkienroll-serve.service"))
	m := regexp.MustCompile(`(?m)^ExecReload=(.*)$`).FindStringSubmatch(unit)
	if m == nil {
		t.Fatal("pkienroll-serve.service has no ExecReload=")
	}
	cmd := exec.Command("sh", "-c", m[1])
	cmd.Env = append(os.Environ(), "MAINPID="+strconv.Itoa(s.cmd.Process.Pid))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ExecReload=%s: %v\n%s", m[1], err, out)
	}
}

// waitLog waits until the server's log has n lines containing text and
// returns the last; it fails the test when the server exits first.
func (s *estServer) waitLog(t *testing.T, text string, n int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var found []string
		for _, l := range strings.Split(s.logText(), "\n") {
			if strings.Contains(l, text) {
				found = append(found, l)
			}
		}
		if len(found) >= n {
			return found[n-1]
		}
		select {
		case err := <-s.done:
			s.stopped = true
			t.Fatalf("pkienroll serve exited (%v) before logging %q:\n%s", err, text, s.logText())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within 30s:\n%s", text, s.logText())
		}
	}
}

// tlsConn is one kept-alive connection to the server.
type tlsConn struct {
	*tls.Conn
	r *bufio.Reader
}

func dialServer(t *testing.T, addr string, pool *x509.CertPool) *tlsConn {
	t.Helper()
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("handshake with %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &tlsConn{Conn: c, r: bufio.NewReader(c)}
}

func (c *tlsConn) serial() string {
	return pki.FormatSerial(c.ConnectionState().PeerCertificates[0].SerialNumber)
}

// get asks for cacerts on the connection and wants 200.
func (c *tlsConn) get(t *testing.T) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET /.well-known/est/cacerts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatalf("request on the kept connection: %v", err)
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatalf("answer on the kept connection: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cacerts on the kept connection: %s", resp.Status)
	}
}

func caPool(t *testing.T, pkiDir string) *x509.CertPool {
	t.Helper()
	ca, err := pki.ReadCertificate(filepath.Join(pkiDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool
}

// issueTLSPair issues a certificate for 127.0.0.1 named name from the
// store and writes it and its key (PEM) into dir.
func issueTLSPair(t *testing.T, pkiDir, dir, name string) (cert, key string) {
	t.Helper()
	store, err := pki.OpenStore(pkiDir)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		t.Fatal(err)
	}
	subject, err := dn.DeriveFrom(ca, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	san, err := pki.ParseSANs("IP:127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.CreateRequest(k, pki.RequestTemplate{Subject: subject, SANs: san})
	if err != nil {
		t.Fatal(err)
	}
	is, err := store.Sign(context.Background(), pki.SignRequest{Name: "tls-" + name, Subject: subject, SANs: san, Days: 30, CSR: csr})
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	writeFile(t, cert, string(pki.EncodeCertificatePEM(is.Certificate.Raw)))
	if err := pki.WriteKey(key, k, pki.KeyEncoding{}, false); err != nil {
		t.Fatal(err)
	}
	return cert, key
}
