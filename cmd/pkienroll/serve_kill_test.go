package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestServeSIGKILLUnderLoad: a server killed with SIGKILL while clients
// enroll at once leaves a store that `ca check` calls clean, and every
// certificate a client received is in the index. Under -tags openssl
// (scripts/test.sh) the server is the OpenSSL flavour, signing through
// libcrypto.
func TestServeSIGKILLUnderLoad(t *testing.T) {
	const clients = 40
	if opensslsign.Built {
		out, err := exec.Command(binary(t), "version").Output()
		if err != nil || !strings.Contains(string(out), "\nsignature: openssl (") {
			t.Fatalf("%s version: %v\n%s\nwant the OpenSSL signer", binary(t), err, out)
		}
	}
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir,
			"--name", fmt.Sprintf("p%02d", i), "--cn", fmt.Sprintf("p%02d.example.com", i)))
	}
	// The clients are hosts of their own, all on 127.0.0.1 here.
	s := startServeArgs(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--host", "127.0.0.1", "--max-per-client", fmt.Sprint(clients))
	ca, err := pki.ReadCertificate(filepath.Join(pkiDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := est.Bootstrap(ctx, "https://"+s.addr, est.Fingerprint(ca))
	if err != nil {
		t.Fatal(err)
	}
	csrs := make([][]byte, clients)
	for i := range csrs {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := dn.Parse(fmt.Sprintf("/CN=p%02d.example.com", i))
		if csrs[i], err = pki.CreateRequest(key, pki.RequestTemplate{Subject: subject}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var received []string
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Go(func() {
			<-start
			if cert, err := c.Enroll(ctx, tokens[i], csrs[i]); err == nil {
				mu.Lock()
				received = append(received, pki.FormatSerial(cert.SerialNumber))
				mu.Unlock()
			}
		})
	}
	close(start)
	// Kill once the first certificates are out, with the rest in flight.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.stopped = true
	<-s.done
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("the kill came when %d of %d enrollments had finished", len(received), clients)
	// The only thing ca check finds is tokens the kill left claimed,
	// which it settles; then it finds nothing.
	r := runCLI(t, "ca", "check", "--pki-dir", pkiDir)
	t.Logf("ca check settled %d claimed tokens", strings.Count(r.stderr, "was claimed by"))
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if r.code != 0 && !strings.Contains(line, "was claimed by an enrollment the server did not finish") {
			t.Errorf("ca check after SIGKILL:\n%s", r)
			break
		}
	}
	if r := runCLI(t, "ca", "check", "--pki-dir", pkiDir); r.code != 0 {
		t.Errorf("second ca check after SIGKILL:\n%s", r)
	}
	entries, err := pki.ReadDatabase(filepath.Join(pkiDir, "database.txt"))
	if err != nil {
		t.Fatal(err)
	}
	inIndex := map[string]bool{}
	byCN := map[string]bool{}
	for _, e := range entries[1:] { // the CA's own line first
		inIndex[e.Serial] = true
		byCN[e.Subject[strings.LastIndex(e.Subject, "=")+1:]] = true
	}
	for _, serial := range received {
		if !inIndex[serial] {
			t.Errorf("certificate %s was handed out but is not in the index", serial)
		}
	}
	// One certificate per used token, none for a token given back.
	toks, err := est.OpenTokens(pkiDir).List()
	if err != nil {
		t.Fatal(err)
	}
	used, issued := 0, 0
	for _, tok := range toks {
		if byCN[tok.CN()] {
			issued++ // the index also holds the server's own certificate
		}
		switch {
		case tok.State == est.TokenUsed:
			used++
			if tok.Serial != "" && !inIndex[tok.Serial] {
				t.Errorf("token %s records serial %s, which is not in the index", tok.ID[:12], tok.Serial)
			}
		case tok.State != est.TokenActive:
			t.Errorf("token %s is %s after ca check", tok.ID[:12], tok.State)
		case byCN[tok.CN()]:
			t.Errorf("token %s is active again, but the index holds a certificate for %s", tok.ID[:12], tok.CN())
		}
	}
	if used != issued {
		t.Errorf("%d tokens used, %d certificates for them in the index", used, issued)
	}
}
