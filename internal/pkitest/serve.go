package pkitest

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// ServeTLS serves h over HTTPS on a loopback port with the certificate and
// key in certFile and keyFile (httptest's own certificate when certFile is
// empty) until the test ends, and returns the port. Handshake errors are
// not logged: refused handshakes are the point of some tests, and Squid
// checks a peer with a connection it closes at once.
func ServeTLS(t testing.TB, h http.Handler, certFile, keyFile string) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

// StartProcess starts cmd, made by exec.CommandContext with a context that
// cancel ends, and returns stop, which kills the process, waits for it and
// calls cancel, and exited, which gets cmd.Wait's error when the process
// ends (a receiver that takes it must send it back, for stop). The test's
// cleanup calls stop as well, so that no process outlives its test.
func StartProcess(t testing.TB, cmd *exec.Cmd, cancel context.CancelFunc) (stop func(), exited chan error) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Kill()
			<-exited
			cancel()
		})
	}
	t.Cleanup(stop)
	return stop, exited
}

// WaitListening waits until addr takes a TCP connection, for 30 seconds at
// the most, from the process name that StartProcess started (exited is its
// channel). The test fails when the process ends first or the time is up,
// with what said returns (the process's output, its log).
func WaitListening(t testing.TB, name, addr string, exited chan error, said func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited: %v\n%s", name, err, said())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s after 30s\n%s", name, addr, said())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
