package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki"
)

// estServer is `pkienroll serve` running as a real process.
type estServer struct {
	cmd     *exec.Cmd
	addr    string
	mu      sync.Mutex
	log     bytes.Buffer
	done    chan error
	stopped bool
}

// startServe starts the built binary serving pkiDir on a free port of
// 127.0.0.1, and waits until it listens. The test's cleanup stops it.
func startServe(t *testing.T, pkiDir string) *estServer {
	t.Helper()
	return startServeArgs(t, "serve", "--pki-dir", pkiDir, "--listen", "127.0.0.1:0", "--host", "127.0.0.1")
}

// startServeArgs is startServe with the command line given; the log may
// be text or, with --log-format json, JSON.
func startServeArgs(t *testing.T, args ...string) *estServer {
	t.Helper()
	s := &estServer{done: make(chan error, 1)}
	s.cmd = exec.Command(binary(t), args...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		addr := regexp.MustCompile(`serving EST addr=(\S+)`)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			var line struct{ Msg, Addr string }
			if m := addr.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
			} else if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving EST" {
				listening <- line.Addr
			}
		}
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() { s.stop(t) })
	select {
	case s.addr = <-listening:
	case err := <-s.done:
		t.Fatalf("pkienroll serve exited: %v\n%s", err, s.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("pkienroll serve did not start:\n%s", s.logText())
	}
	return s
}

func (s *estServer) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// stop sends SIGTERM and wants a clean exit 0.
func (s *estServer) stop(t *testing.T) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("pkienroll serve after SIGTERM: %v\n%s", err, s.logText())
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Errorf("pkienroll serve did not stop on SIGTERM:\n%s", s.logText())
	}
}

func (s *estServer) url(op string) string {
	return "https://" + s.addr + "/.well-known/est/" + op
}

// bash runs script with `set -eu -o pipefail` in dir and returns its
// stdout; it fails the test when the script fails.
func bash(t *testing.T, dir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", "set -eu -o pipefail\n"+script)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s\n%v\nstdout: %s\nstderr: %s", script, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestServeWithCurlAndOpenSSL is an RFC 7030 enrollment done with curl and
// openssl alone against `pkienroll serve`: cacerts, simpleenroll with a
// token made before a restart, simplereenroll with the client certificate,
// and the refusals a shell user meets, each one line.
func TestServeWithCurlAndOpenSSL(t *testing.T) {
	pkitest.OpenSSL(t)
	testenv.LookPath(t, "curl", "curl")
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com", "--days", "90"))

	// A restart loses no token: the token above was made before the first
	// start, and is used after the second.
	first := startServe(t, pkiDir)
	if !strings.Contains(first.logText(), "issued server certificate") {
		t.Errorf("first start issued no server certificate:\n%s", first.logText())
	}
	first.stop(t)
	s := startServe(t, pkiDir)
	if strings.Contains(s.logText(), "issued server certificate") {
		t.Errorf("second start issued another server certificate:\n%s", s.logText())
	}
	ca := filepath.Join(pkiDir, "ca.pem")
	env := fmt.Sprintf("CA=%s; TOKEN=%s\n", shellQuote(ca), shellQuote(token))

	bash(t, dir, env+"curl -sS --fail-with-body --cacert \"$CA\" "+s.url("cacerts")+
		" | base64 -d | openssl pkcs7 -inform DER -print_certs -out cacerts.pem")
	if got, want := pemCerts(t, filepath.Join(dir, "cacerts.pem")), pemCerts(t, ca); got != want {
		t.Errorf("cacerts is not ca.pem")
	}

	bash(t, dir, env+`openssl req -new -newkey rsa:2048 -nodes -keyout proxy.key -subj /CN=proxy.example.com -outform DER -out proxy.der 2>/dev/null
base64 proxy.der > proxy.b64
openssl req -new -newkey rsa:2048 -nodes -keyout other.key -subj /CN=proxy.example.com -outform DER 2>/dev/null | base64 > other.b64
curl -sS --fail-with-body --cacert "$CA" -u "proxy:$TOKEN" -H 'Content-Type: application/pkcs10' --data-binary @proxy.b64 `+s.url("simpleenroll")+` \
  | base64 -d | openssl pkcs7 -inform DER -print_certs -out proxy.pem
openssl verify -CAfile "$CA" proxy.pem`)
	subject := bash(t, dir, "openssl x509 -in proxy.pem -noout -subject -nameopt compat")
	if strings.TrimSpace(subject) != "subject=/C=US/O=Example Inc./CN=proxy.example.com" {
		t.Errorf("enrolled subject: %s", subject)
	}

	// The same token again, and a renewal without a client certificate:
	// refused with a status and one line.
	refusals := []struct{ name, args, status, line string }{
		{"reused token", `-u "proxy:$TOKEN" --data-binary @other.b64 ` + s.url("simpleenroll"), "403", "token was used already"},
		{"no client certificate", `--data-binary @proxy.b64 ` + s.url("simplereenroll"), "401", "no TLS client certificate"},
	}
	for _, r := range refusals {
		before := pkitest.Snapshot(t, pkiDir)
		out := bash(t, dir, env+`curl -sS --cacert "$CA" -H 'Content-Type: application/pkcs10' -w '%{http_code}' `+r.args)
		if !strings.HasPrefix(out, r.line) || !strings.HasSuffix(out, "\n"+r.status) || strings.Count(out, "\n") != 1 {
			t.Errorf("%s: got %q, want one line %q and status %s", r.name, out, r.line, r.status)
		}
		pkitest.AssertUnchanged(t, pkiDir, before)
	}

	bash(t, dir, env+`openssl req -new -key proxy.key -subj "/C=US/O=Example Inc./CN=proxy.example.com" -addext subjectAltName=DNS:proxy.example.com -outform DER 2>/dev/null | base64 > renew.b64
curl -sS --fail-with-body --cacert "$CA" --cert proxy.pem --key proxy.key -H 'Content-Type: application/pkcs10' --data-binary @renew.b64 `+s.url("simplereenroll")+` \
  | base64 -d | openssl pkcs7 -inform DER -print_certs -out renewed.pem
openssl verify -CAfile "$CA" renewed.pem`)
	serials := bash(t, dir, "openssl x509 -in proxy.pem -noout -serial; openssl x509 -in renewed.pem -noout -serial")
	if lines := strings.Fields(serials); len(lines) != 2 || lines[0] == lines[1] {
		t.Errorf("serials of enrolled and renewed: %q", serials)
	}
	// In the index like any other: openssl ca -status reads it.
	entries, err := pki.ReadDatabase(filepath.Join(pkiDir, "database.txt"))
	if err != nil || len(entries) != 4 {
		t.Fatalf("index: %d lines (%v), want the CA's, the server's, the enrolled and the renewed", len(entries), err)
	}
	s.stop(t)
	log := s.logText()
	for _, want := range []string{"op=cacerts", "op=simpleenroll", "op=simplereenroll", "request refused", "token was used already", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("server log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, token) || strings.Contains(log, "PRIVATE KEY") {
		t.Errorf("server log shows a token or key:\n%s", log)
	}
	if r := runCLI(t, "ca", "check", "--pki-dir", pkiDir); r.code != 0 {
		t.Errorf("ca check after the network flow:\n%s", r)
	}
}

// TestServeWithEstclient: globalsign/est's estclient (no one here wrote
// it) fetches the CA, enrolls with a token and re-enrolls with its
// certificate.
func TestServeWithEstclient(t *testing.T) {
	pkitest.OpenSSL(t)
	estclient, err := exec.LookPath("estclient")
	if err != nil {
		testenv.Missing(t, "estclient is not installed (scripts/test-deps.sh builds github.com/globalsign/est/cmd/estclient@v1.0.6 into /usr/local/bin)")
	}
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com",
		"--san", "DNS:proxy.example.com,DNS:spice.example.com", "--days", "90"))
	s := startServe(t, pkiDir)
	env := fmt.Sprintf("CA=%s; TOKEN=%s; EST=%s; SERVER=%s\n", shellQuote(filepath.Join(pkiDir, "ca.pem")), shellQuote(token), shellQuote(estclient), s.addr)
	bash(t, dir, env+`"$EST" cacerts -server "$SERVER" -explicit "$CA" -out cacerts.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out proxy.key 2>/dev/null
"$EST" enroll -server "$SERVER" -explicit "$CA" -key proxy.key -cn proxy.example.com -dnsnames proxy.example.com,spice.example.com -user proxy -pass "$TOKEN" -out proxy.pem
openssl verify -CAfile "$CA" proxy.pem
"$EST" reenroll -server "$SERVER" -explicit "$CA" -certs proxy.pem -key proxy.key -out renewed.pem
openssl verify -CAfile "$CA" renewed.pem`)
	if pemCerts(t, filepath.Join(dir, "cacerts.pem")) != pemCerts(t, filepath.Join(pkiDir, "ca.pem")) {
		t.Error("estclient's cacerts is not ca.pem")
	}
	out := bash(t, dir, "for f in proxy.pem renewed.pem; do openssl x509 -in $f -noout -serial -subject -nameopt compat -ext subjectAltName; done")
	if strings.Count(out, "subject=/C=US/O=Example Inc./CN=proxy.example.com") != 2 || strings.Count(out, "DNS:proxy.example.com, DNS:spice.example.com") != 2 {
		t.Errorf("enrolled and renewed certificates:\n%s", out)
	}
	// A second enrollment with the same token is refused; estclient fails.
	cmd := exec.Command("bash", "-c", env+`"$EST" enroll -server "$SERVER" -explicit "$CA" -key proxy.key -cn proxy.example.com -user proxy -pass "$TOKEN" -out again.pem`)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), "token was used already") {
		t.Errorf("estclient enrolling twice with one token: %v\n%s", err, msg)
	}
	entries, err := pki.ReadDatabase(filepath.Join(pkiDir, "database.txt"))
	if err != nil || len(entries) != 4 {
		t.Errorf("index: %d lines (%v), want 4 (the CA's, the server's, enrolled, re-enrolled)", len(entries), err)
	}
}

// pemCerts is the certificates of a PEM file, re-encoded, to compare files
// that differ in the text around the PEM blocks.
func pemCerts(t *testing.T, path string) string {
	t.Helper()
	certs, err := pki.ReadCertificates(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range certs {
		b.Write(pki.EncodeCertificatePEM(c.Raw))
	}
	return b.String()
}

// TestServeStopsGracefully: SIGTERM while an enrollment waits for the
// PKI directory's lock lets that enrollment finish (and be recorded)
// before the server exits 0.
func TestServeStopsGracefully(t *testing.T) {
	pkitest.OpenSSL(t)
	testenv.LookPath(t, "curl", "curl")
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	token := strings.TrimSpace(mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com"))
	s := startServe(t, pkiDir)
	bash(t, dir, `openssl req -new -newkey rsa:2048 -nodes -keyout proxy.key -subj /CN=proxy.example.com -outform DER 2>/dev/null | base64 > proxy.b64`)

	lock, err := os.Open(filepath.Join(pkiDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	curl := exec.Command("curl", "-sS", "--cacert", filepath.Join(pkiDir, "ca.pem"), "-u", "proxy:"+token,
		"-H", "Content-Type: application/pkcs10", "--data-binary", "@proxy.b64", "-o", "proxy.p7", "-w", "%{http_code}", s.url("simpleenroll"))
	curl.Dir = dir
	var out bytes.Buffer
	curl.Stdout = &out
	if err := curl.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the enrollment holds its token (it then waits for the lock).
	deadline := time.Now().Add(20 * time.Second)
	for {
		claimed, _ := filepath.Glob(filepath.Join(pkiDir, "est", "tokens", "*.claimed"))
		if len(claimed) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the enrollment never claimed its token:\n%s", s.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(s.logText(), "stopped") {
		t.Fatalf("the server stopped with an enrollment in flight:\n%s", s.logText())
	}
	lock.Close() // the signature can proceed
	if err := curl.Wait(); err != nil || out.String() != "200" {
		t.Fatalf("enrollment in flight at SIGTERM: %v, status %q\n%s", err, out.String(), s.logText())
	}
	s.stop(t)
	if !strings.Contains(s.logText(), "stopped") {
		t.Errorf("no 'stopped' in the log:\n%s", s.logText())
	}
	entries, err := pki.ReadDatabase(filepath.Join(pkiDir, "database.txt"))
	if err != nil || len(entries) != 3 {
		t.Errorf("index: %d lines (%v), want the CA's, the server's and the proxy's", len(entries), err)
	}
	if r := runCLI(t, "ca", "check", "--pki-dir", pkiDir); r.code != 0 {
		t.Errorf("ca check:\n%s", r)
	}
}
