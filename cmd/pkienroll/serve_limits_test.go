package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// TestServeLimitFlags: a bound that would refuse everything is one line
// naming the flag, before anything starts.
func TestServeLimitFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--max-concurrent", "0"},
		{"--max-per-client", "0"},
		{"--max-conns", "0"},
		{"--max-conns-per-addr", "-1"},
		{"--body-timeout", "0"},
		{"--max-failures", "-1"},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := runCLI(t, "serve", "--pki-dir", t.TempDir(), "--listen", "127.0.0.1:0", args[0]+"="+args[1])
			if r.code != 1 || !strings.Contains(r.stderr, args[0]+" "+args[1]+": want") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s", r)
			}
		})
	}
}

// TestServeBoundsConnectionsPerAddress: `pkienroll serve` closes the
// connections of an address past --max-conns-per-addr as they arrive, and
// another address is served meanwhile.
func TestServeBoundsConnectionsPerAddress(t *testing.T) {
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	s := startServeArgs(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--host", "127.0.0.1", "--max-conns-per-addr", "2")
	ca, err := pki.ReadCertificate(filepath.Join(pkiDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	cacerts := func(from string) error {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
		conn, err := tls.DialWithDialer(d, "tcp", s.addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
		if err != nil {
			return err
		}
		t.Cleanup(func() { conn.Close() })
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "GET /.well-known/est/cacerts HTTP/1.1\r\nHost: est\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("cacerts: %s", resp.Status)
		}
		return nil // kept open and idle
	}
	for i := range 2 {
		if err := cacerts("127.0.0.1"); err != nil {
			t.Fatalf("connection %d within the bound: %v", i+1, err)
		}
	}
	if err := cacerts("127.0.0.1"); err == nil {
		t.Error("a third connection of the address was served, want it closed")
	}
	if err := cacerts("127.0.0.2"); err != nil {
		t.Errorf("another address: %v", err)
	}
}

// TestServeNumbersAreDecimal: serve's number flags read decimal digits
// only, as a person writes them: kong's int mapper read 010 as 8, 0x10 as
// 16 and 1_000 as 1000. Anything else is a usage error naming the flag.
func TestServeNumbersAreDecimal(t *testing.T) {
	for _, v := range []string{"0x10", "0b11", "1_000", "+5", "1e3", "99999999999999999999"} {
		t.Run(v, func(t *testing.T) {
			r := runCLI(t, "serve", "--pki-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--body-timeout="+v)
			if r.code != exitUsage || !strings.Contains(r.stderr, `--body-timeout: "`+v+`" is not a whole number`) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s", r)
			}
		})
	}
	// 010 is ten: the bound's own check names it as such.
	r := runCLI(t, "serve", "--pki-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--max-failures=-010")
	if r.code != 1 || !strings.Contains(r.stderr, "--max-failures -10: want") {
		t.Errorf("%s", r)
	}
}
