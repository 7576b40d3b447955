package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestSignProxyFlow is step 5 of the procedure, with the engine script's
// spelling of the flags, checked with openssl.
func TestSignProxyFlow(t *testing.T) {
	f := newFixture(t)
	r := runCLI(t, "sign", "--pki-dir="+f.pki, "--name=proxy", "--days=3650")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("sign:\n%s", r)
	}
	checkNoSecrets(t, r.stderr)
	for _, w := range []string{"issued certificate", "name=proxy", "serial=1001"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q does not contain %q", r.stderr, w)
		}
	}
	certPath := filepath.Join(f.pki, "certs", "proxy.cer")
	if out := openssl(t, "verify", "-CAfile", f.caPEM, certPath); !strings.Contains(out, ": OK") {
		t.Errorf("openssl verify: %s", out)
	}
	subject := openssl(t, "x509", "-in", certPath, "-noout", "-subject", "-nameopt", "compat")
	if want := "subject=" + proxySubject + "\n"; subject != want {
		t.Errorf("certificate subject %q, want %q", subject, want)
	}
	text := openssl(t, "x509", "-in", certPath, "-noout", "-text")
	for _, w := range []string{
		"Serial Number: 4097 (0x1001)",
		"CA:FALSE",
		"Digital Signature, Key Encipherment",
		"TLS Web Server Authentication, TLS Web Client Authentication",
		"DNS:" + proxyCN,
		"sha256WithRSAEncryption",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("certificate does not show %q:\n%s", w, text)
		}
	}
	cert := pkitest.ReadCert(t, certPath)
	// 3650 days, the backdated day included, notBefore through notAfter
	// inclusive (RFC 5280 4.1.2.5).
	if got := cert.NotAfter.Sub(cert.NotBefore); got != 3650*24*time.Hour-time.Second {
		t.Errorf("validity %v, want 3650 days less a second", got)
	}
	if got := pkitest.ReadFile(t, filepath.Join(f.pki, "certs", "1001.pem")); got != pkitest.ReadFile(t, certPath) {
		t.Error("certs/1001.pem differs from certs/proxy.cer")
	}
	if got := pkitest.ReadFile(t, filepath.Join(f.pki, "serial.txt")); got != "1002\n" {
		t.Errorf("serial.txt %q, want 1002", got)
	}
	fields := strings.Split(strings.Join(issuedLines(t, f.pki), "\n"), "\t")
	want := []string{"V", cert.NotAfter.UTC().Format("060102150405Z"), "", "1001", "unknown", proxySubject}
	if fmt.Sprint(fields) != fmt.Sprint(want) {
		t.Errorf("database.txt fields %q, want %q", fields, want)
	}
	for _, p := range []string{certPath, filepath.Join(f.pki, "certs", "1001.pem"), filepath.Join(f.pki, "database.txt"), filepath.Join(f.pki, "serial.txt")} {
		if m := fileMode(t, p); m != 0o644 {
			t.Errorf("%s: mode %v, want 0644", p, m)
		}
	}

	// Signing again replaces the certificate, keeps the old one and uses
	// the next serial.
	old := pkitest.ReadFile(t, certPath)
	r = runCLI(t, "sign", "--pki-dir", f.pki, "--name", "proxy")
	if r.code != 0 {
		t.Fatalf("second sign:\n%s", r)
	}
	if !strings.Contains(r.stderr, "kept previous certificate") || !strings.Contains(r.stderr, "serial=1002") {
		t.Errorf("second sign stderr: %q", r.stderr)
	}
	if b := backups(t, certPath); len(b) != 1 || pkitest.ReadFile(t, b[0]) != old {
		t.Errorf("backups of certs/proxy.cer: %q, want one holding the first certificate", b)
	}
	if got := pkitest.ReadFile(t, filepath.Join(f.pki, "serial.txt")); got != "1003\n" {
		t.Errorf("serial.txt %q, want 1003", got)
	}
}

func TestSignOptions(t *testing.T) {
	f := newFixture(t)
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy",
		"--subject", "CN=other.example.com,O=Other,C=DE",
		"--ku", "digitalSignature", "--eku", "clientAuth,1.3.6.1.5.5.7.3.1",
		"--san", "DNS:other.example.com,IP:192.0.2.10",
		"--aia-url", "http://engine.example.com/ca.pem")
	certPath := filepath.Join(f.pki, "certs", "proxy.cer")
	subject := openssl(t, "x509", "-in", certPath, "-noout", "-subject", "-nameopt", "compat")
	if want := "subject=/C=DE/O=Other/CN=other.example.com\n"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	text := openssl(t, "x509", "-in", certPath, "-noout", "-text")
	for _, w := range []string{
		"X509v3 Key Usage: critical\n                Digital Signature\n",
		"TLS Web Client Authentication, TLS Web Server Authentication",
		"DNS:other.example.com, IP Address:192.0.2.10",
		"CA Issuers - URI:http://engine.example.com/ca.pem",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("certificate does not show %q:\n%s", w, text)
		}
	}
	if !strings.Contains(pkitest.ReadFile(t, filepath.Join(f.pki, "database.txt")), "\t/C=DE/O=Other/CN=other.example.com\n") {
		t.Error("database.txt does not hold the replaced subject")
	}
}

// TestSignSeveral signs three requests under one lock, with --name
// repeated and comma-separated.
func TestSignSeveral(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"a", "b", "c"} {
		if err := pkitest.CopyFile(f.req, filepath.Join(f.pki, "requests", n+".req")); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "a,b", "--name", "c")
	for i, n := range []string{"a", "b", "c"} {
		cert := pkitest.ReadCert(t, filepath.Join(f.pki, "certs", n+".cer"))
		if got, want := fmt.Sprintf("%X", cert.SerialNumber), fmt.Sprintf("%X", 0x1001+i); got != want {
			t.Errorf("%s: serial %s, want %s", n, got, want)
		}
	}
	if got := pkitest.ReadFile(t, filepath.Join(f.pki, "serial.txt")); got != "1004\n" {
		t.Errorf("serial.txt %q, want 1004", got)
	}
}

// TestSignLayoutFlags signs with the request and certificate directories
// moved, as the engine script's --req-dir and --cert-dir allow.
func TestSignLayoutFlags(t *testing.T) {
	f := newFixture(t)
	for _, d := range []string{"incoming", "issued"} {
		if err := os.Mkdir(filepath.Join(f.pki, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := pkitest.CopyFile(f.req, filepath.Join(f.pki, "incoming", "p.req")); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--ca-file", "ca", "--req-dir", "incoming", "--cert-dir", "issued", "--name", "p")
	openssl(t, "verify", "-CAfile", f.caPEM, filepath.Join(f.pki, "issued", "p.cer"))
	pkitest.ReadCert(t, filepath.Join(f.pki, "issued", "1001.pem"))
}

// TestSignPKIDirFromEnvironment leaves out --pki-dir: $PKIENROLL_PKI_DIR
// names the directory.
func TestSignPKIDirFromEnvironment(t *testing.T) {
	f := newFixture(t)
	t.Setenv("PKIENROLL_PKI_DIR", f.pki)
	mustRun(t, "-q", "sign", "--name", "proxy")
	openssl(t, "verify", "-CAfile", f.caPEM, filepath.Join(f.pki, "certs", "proxy.cer"))
	// --pki-dir still wins over the variable.
	other := newFixture(t)
	mustRun(t, "-q", "sign", "--pki-dir", other.pki, "--name", "proxy")
	pkitest.ReadCert(t, filepath.Join(other.pki, "certs", "proxy.cer"))
	if got := pkitest.ReadFile(t, filepath.Join(f.pki, "serial.txt")); got != "1002\n" {
		t.Errorf("serial.txt of $PKIENROLL_PKI_DIR %q, want 1002 (one certificate)", got)
	}
}

// holdLock takes the signing lock on the fixture's ca.pem, as a running
// pki-enroll-request.sh or another pkienroll holds it, until the test ends.
func holdLock(t *testing.T, f *fixture) { pkitest.HoldLock(t, f.caPEM) }

func TestSignLockTimeout(t *testing.T) {
	f := newFixture(t)
	holdLock(t, f)
	before := pkitest.Snapshot(t, f.dir)
	start := time.Now()
	r := runCLI(t, "sign", "--pki-dir", f.pki, "--name", "proxy", "--timeout", "0.3")
	elapsed := time.Since(start)
	if r.code != exitError || !strings.Contains(r.stderr, "busy") || !strings.Contains(r.stderr, "ca.pem") {
		t.Errorf("sign with the lock held:\n%s", r)
	}
	if elapsed < 300*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("gave up after %v, want about 0.3s", elapsed)
	}
	pkitest.AssertUnchanged(t, f.dir, before)
}

// TestSignInterrupted cancels the signal context while sign waits for the
// lock: exit 130, nothing written.
func TestSignInterrupted(t *testing.T) {
	f := newFixture(t)
	holdLock(t, f)
	before := pkitest.Snapshot(t, f.dir)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	r := runCLICtx(t, ctx, "sign", "--pki-dir", f.pki, "--name", "proxy", "--timeout", "20")
	if r.code != exitInterrupted || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("interrupted sign:\n%s", r)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %v to notice the interrupt", elapsed)
	}
	pkitest.AssertUnchanged(t, f.dir, before)
}

// TestSignConcurrentProcesses starts ten signers at once on one directory,
// each with its own request: all must succeed with distinct serials, and
// the index and serial file must account for every one.
func TestSignConcurrentProcesses(t *testing.T) {
	bin := binary(t)
	f := newFixture(t)
	const n = 10
	for i := range n {
		if err := pkitest.CopyFile(f.req, filepath.Join(f.pki, "requests", fmt.Sprintf("proxy%d.req", i))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	outs := make([][]byte, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(bin, "-q", "sign", "--pki-dir", f.pki, "--name", fmt.Sprintf("proxy%d", i), "--timeout", "30")
			<-start
			outs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	close(start)
	wg.Wait()
	serials := map[string]string{}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("signer %d: %v\n%s", i, errs[i], outs[i])
			continue
		}
		cert := pkitest.ReadCert(t, filepath.Join(f.pki, "certs", fmt.Sprintf("proxy%d.cer", i)))
		s := fmt.Sprintf("%X", cert.SerialNumber)
		if prev, ok := serials[s]; ok {
			t.Errorf("serial %s issued to both %s and proxy%d", s, prev, i)
		}
		serials[s] = fmt.Sprintf("proxy%d", i)
		if got := pkitest.ReadFile(t, filepath.Join(f.pki, "certs", s+".pem")); got != pkitest.ReadFile(t, filepath.Join(f.pki, "certs", fmt.Sprintf("proxy%d.cer", i))) {
			t.Errorf("certs/%s.pem differs from proxy%d.cer", s, i)
		}
	}
	db := issuedLines(t, f.pki)
	if len(db) != n {
		t.Errorf("database.txt has %d lines, want %d:\n%s", len(db), n, strings.Join(db, "\n"))
	}
	for _, line := range db {
		fields := strings.Split(line, "\t")
		if len(fields) != 6 || serials[fields[3]] == "" {
			t.Errorf("database.txt line %q names no certificate issued here", line)
		}
	}
	if got, want := pkitest.ReadFile(t, filepath.Join(f.pki, "serial.txt")), fmt.Sprintf("%X\n", 0x1001+n); got != want {
		t.Errorf("serial.txt %q, want %q", got, want)
	}
}

// writeForgedRequest writes requests/NAME.req with the proxy request's
// content but the signature of another key (the CA's) over another body:
// what a request altered in transit looks like.
func writeForgedRequest(t *testing.T, f *fixture, name string) {
	t.Helper()
	block, _ := pem.Decode([]byte(pkitest.ReadFile(t, f.req)))
	var csr struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(block.Bytes, &csr); err != nil {
		t.Fatal(err)
	}
	keyBlock, _ := pem.Decode([]byte(pkitest.ReadFile(t, filepath.Join(f.pki, "private", "ca.pem"))))
	caKey, err := x509.ParsePKCS8PrivateKey(keyBlock.Bytes)
	if err != nil {
		if caKey, err = x509.ParsePKCS1PrivateKey(keyBlock.Bytes); err != nil {
			t.Fatal(err)
		}
	}
	otherDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: proxyCN},
	}, caKey)
	if err != nil {
		t.Fatal(err)
	}
	var other struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(otherDER, &other); err != nil {
		t.Fatal(err)
	}
	csr.Sig = other.Sig
	der, err := asn1.Marshal(csr)
	if err != nil {
		t.Fatal(err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	writeFile(t, filepath.Join(f.pki, "requests", name+".req"), string(data))
}

func TestSignBadInput(t *testing.T) {
	sign := func(extra ...string) func(f *fixture) []string {
		return flags(append([]string{"sign", "--pki-dir", "{pki}"}, extra...)...)
	}
	writeReq := func(name, data string) func(t *testing.T, f *fixture) {
		return func(t *testing.T, f *fixture) { writeFile(t, filepath.Join(f.pki, "requests", name+".req"), data) }
	}
	checkBadInput(t, []badCase{
		{name: "name with slash", args: sign("--name", "../x"), code: exitError,
			want: []string{`"../x"`, "not a plain file name"}},
		{name: "name with blank", args: sign("--name", "a b"), code: exitError,
			want: []string{`"a b"`, "not a plain file name"}},
		{name: "name empty", args: sign("--name", ""), code: exitUsage,
			want: []string{"--name", "empty"}},
		{name: "name empty in list", args: sign("--name", ","), code: exitUsage,
			want: []string{"--name", "empty"}},
		{name: "name twice", args: sign("--name", "proxy,proxy"), code: exitError,
			want: []string{"proxy", "twice"}},
		{name: "one bad name of two", args: sign("--name", "proxy", "--name", "../x"), code: exitError,
			want: []string{`"../x"`, "not a plain file name"}},
		{name: "days 0", args: sign("--name", "proxy", "--days", "0"), code: exitUsage,
			want: []string{"--days 0", "2..36500"}},
		{name: "days 36501", args: sign("--name", "proxy", "--days", "36501"), code: exitUsage,
			want: []string{"--days 36501", "2..36500"}},
		{name: "days abc", args: sign("--name", "proxy", "--days", "abc"), code: exitUsage,
			want: []string{"--days", `"abc"`}},
		{name: "timeout negative", args: sign("--name", "proxy", "--timeout=-1"), code: exitUsage,
			want: []string{"--timeout", "negative"}},
		{name: "timeout abc", args: sign("--name", "proxy", "--timeout", "abc"), code: exitUsage,
			want: []string{"--timeout", `"abc"`}},
		{name: "name missing", args: sign(), code: exitUsage,
			want: []string{"missing --name"}},
		{name: "request missing", args: sign("--name", "nope"), code: exitError,
			want: []string{"requests/nope.req", "no such file"}},
		{name: "batch with a missing request", args: sign("--name", "proxy,nope"), code: exitError,
			want: []string{"requests/nope.req", "no such file"}},
		{name: "request garbage", setup: writeReq("garbage", "garbage\n"), args: sign("--name", "garbage"), code: exitError,
			want: []string{"requests/garbage.req", "invalid certificate request"}},
		{name: "request empty", setup: writeReq("empty", ""), args: sign("--name", "empty"), code: exitError,
			want: []string{"requests/empty.req", "invalid certificate request"}},
		{name: "request is a certificate", setup: func(t *testing.T, f *fixture) {
			if err := pkitest.CopyFile(f.caPEM, filepath.Join(f.pki, "requests", "cert.req")); err != nil {
				t.Fatal(err)
			}
		}, args: sign("--name", "cert"), code: exitError,
			want: []string{"requests/cert.req", `"CERTIFICATE"`}},
		{name: "request signed by another key", setup: func(t *testing.T, f *fixture) { writeForgedRequest(t, f, "forged") },
			args: sign("--name", "forged"), code: exitError,
			want: []string{"requests/forged.req", "signature does not verify"}},
		{name: "request with weak key", setup: func(t *testing.T, f *fixture) {
			key := f.path("weak.key")
			openssl(t, "genrsa", "-out", key, "1024")
			openssl(t, "req", "-new", "-key", key, "-subj", proxySubject, "-out", filepath.Join(f.pki, "requests", "weak.req"))
		}, args: sign("--name", "weak"), code: exitError,
			want: []string{"requests/weak.req", "1024", "too small"}},
		{name: "ku nonsense", args: sign("--name", "proxy", "--ku", "digitalSignature,nonsense"), code: exitError,
			want: []string{"--ku", `"nonsense"`}},
		{name: "eku nonsense", args: sign("--name", "proxy", "--eku", "nonsense"), code: exitError,
			want: []string{"--eku", `"nonsense"`}},
		{name: "san bad", args: sign("--name", "proxy", "--san", "IP:999.1.1.1"), code: exitError,
			want: []string{"--san", "999.1.1.1"}},
		{name: "subject bad", args: sign("--name", "proxy", "--subject", "/C=USA/CN=x"), code: exitUsage,
			want: []string{"--subject", `"USA"`}},
		{name: "pki-dir missing", args: flags("sign", "--pki-dir", "{dir}/nope", "--name", "proxy"), code: exitError,
			want: []string{"nope", "no such directory"}},
		{name: "pki-dir without CA", args: flags("sign", "--pki-dir", "{dir}", "--name", "proxy"), code: exitError,
			want: []string{"ca.pem", "ca init"}},
		{name: "ca-file missing", args: sign("--name", "proxy", "--ca-file", "second"), code: exitError,
			want: []string{"second.pem"}},
		{name: "cert-dir missing", args: sign("--name", "proxy", "--cert-dir", "issued"), code: exitError,
			want: []string{"issued/"}},
		{name: "lock held", setup: holdLock, args: sign("--name", "proxy", "--timeout", "0.3"), code: exitError,
			want: []string{"ca.pem", "busy"}},
		{name: "certificate exists as a directory", setup: func(t *testing.T, f *fixture) {
			if err := os.Mkdir(filepath.Join(f.pki, "certs", "proxy.cer"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, args: sign("--name", "proxy"), code: exitError,
			want: []string{"certs/proxy.cer"}},
	})
}

// TestProxyFlowFromScratch is the whole procedure as docs/cli.md shows
// it: a CA, the proxy's key and request derived from the CA, and the
// engine script's signing call; openssl must accept the result.
func TestProxyFlowFromScratch(t *testing.T) {
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	caPEM := filepath.Join(pkiDir, "ca.pem")
	key, req := filepath.Join(dir, "proxy.key"), filepath.Join(dir, "proxy.req")
	mustRun(t, "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	if got := mustRun(t, "subject", "--cert", caPEM, "--cn", proxyCN); got != proxySubject+"\n" {
		t.Errorf("subject --cert --cn printed %q, want %q", got, proxySubject+"\n")
	}
	mustRun(t, "request", "--ca-cert", caPEM, "--cn", proxyCN, "--keyout", key, "--out", req)
	openssl(t, "req", "-verify", "-in", req, "-noout")
	openssl(t, "pkey", "-check", "-in", key, "-noout")
	if got := openssl(t, "req", "-noout", "-subject", "-nameopt", "compat", "-in", req); got != "subject="+proxySubject+"\n" {
		t.Errorf("openssl reads the request's subject as %q, want %q", got, proxySubject)
	}
	if err := pkitest.CopyFile(req, filepath.Join(pkiDir, "requests", "proxy.req")); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "sign", "--pki-dir="+pkiDir, "--name=proxy", "--days=3650")
	certPath := filepath.Join(pkiDir, "certs", "proxy.cer")
	if out := openssl(t, "verify", "-CAfile", caPEM, certPath); out != certPath+": OK\n" {
		t.Errorf("openssl verify: %q", out)
	}
	// The certificate is for the proxy's key.
	if openssl(t, "x509", "-in", certPath, "-noout", "-pubkey") != openssl(t, "pkey", "-in", key, "-pubout") {
		t.Error("certs/proxy.cer does not hold the public key of proxy.key")
	}
}

// TestLogging checks where output goes: results on stdout or in files,
// logs on stderr, -q for errors only, -v for debug.
func TestLogging(t *testing.T) {
	f := newFixture(t)
	r := runCLI(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("-q sign: want no output:\n%s", r)
	}
	r = runCLI(t, "sign", "--pki-dir", f.pki, "--name", "proxy")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "INFO") || strings.Contains(r.stderr, "DEBU") {
		t.Errorf("sign: want INFO lines on stderr only:\n%s", r)
	}
	r = runCLI(t, "-v", "sign", "--pki-dir", f.pki, "--name", "proxy")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "DEBU") {
		t.Errorf("-v sign: want DEBUG lines on stderr:\n%s", r)
	}
	r = runCLI(t, "-v", "subject", "--cert", f.caPEM)
	if r.code != 0 || r.stdout != caSubject+"\n" || r.stderr != "" {
		t.Errorf("-v subject: want the subject on stdout and nothing on stderr:\n%s", r)
	}
	// -q keeps the error line.
	r = runCLI(t, "-q", "sign", "--pki-dir", f.pki, "--name", "nope")
	if r.code != exitError || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("-q sign of a missing request: want the error line:\n%s", r)
	}
}

// TestRevokeListCRL follows a certificate past signing: list it, revoke
// it, publish a CRL that openssl accepts and that makes openssl refuse the
// certificate, renew the CA and still verify the others.
func TestRevokeListCRL(t *testing.T) {
	f := newFixture(t)
	if err := pkitest.CopyFile(f.req, filepath.Join(f.pki, "requests", "spice.req")); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy,spice")

	var rows []struct {
		Serial, Status, Expires, Revoked, Reason, Subject string
		Names                                             []string
	}
	if err := json.Unmarshal([]byte(mustRun(t, "list", "--pki-dir", f.pki, "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 3 && rows[0].Serial == "1000" { // the CA's own line
		rows = rows[1:]
	}
	if len(rows) != 2 || rows[0].Serial != "1001" || rows[1].Serial != "1002" || rows[1].Status != "valid" ||
		fmt.Sprint(rows[1].Names) != "[spice]" || rows[1].Subject != proxySubject {
		t.Errorf("list --json: %+v", rows)
	}

	mustRun(t, "-q", "revoke", "--pki-dir", f.pki, "--name", "spice", "--reason", "superseded")
	rows = nil
	if err := json.Unmarshal([]byte(mustRun(t, "list", "--pki-dir", f.pki, "--json", "--status", "revoked")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Serial != "1002" || rows[0].Reason != "superseded" || rows[0].Revoked == "" {
		t.Errorf("list --status revoked --json: %+v", rows)
	}
	if table := mustRun(t, "list", "--pki-dir", f.pki); !strings.HasPrefix(table, "SERIAL") || !strings.Contains(table, "revoked") {
		t.Errorf("list table:\n%s", table)
	}

	crl := f.path("crl.pem")
	mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", crl)
	if out := openssl(t, "crl", "-in", crl, "-CAfile", f.caPEM, "-noout"); !strings.Contains(out, "verify OK") {
		t.Errorf("openssl crl: %s", out)
	}
	if text := openssl(t, "crl", "-in", crl, "-noout", "-text"); !strings.Contains(text, "Serial Number: 1002") || !strings.Contains(text, "Superseded") {
		t.Errorf("CRL does not list 1002 as superseded:\n%s", text)
	}
	spice, proxy := filepath.Join(f.pki, "certs", "spice.cer"), filepath.Join(f.pki, "certs", "proxy.cer")
	opensslFails(t, "verify", "-crl_check", "-CRLfile", crl, "-CAfile", f.caPEM, spice)
	openssl(t, "verify", "-crl_check", "-CRLfile", crl, "-CAfile", f.caPEM, proxy)

	oldCA := pkitest.ReadFile(t, f.caPEM)
	mustRun(t, "-q", "ca", "renew", "--pki-dir", f.pki, "--days", "3650")
	if b := backups(t, f.caPEM); len(b) != 1 || pkitest.ReadFile(t, b[0]) != oldCA {
		t.Errorf("backups of ca.pem: %q, want one holding the old CA", b)
	}
	openssl(t, "verify", "-CAfile", f.caPEM, proxy)
}

func TestRevokeCRLBadInput(t *testing.T) {
	revoked := func(t *testing.T, f *fixture) {
		mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
		mustRun(t, "-q", "revoke", "--pki-dir", f.pki, "--name", "proxy")
	}
	checkBadInput(t, []badCase{
		{name: "revoke twice", setup: revoked, args: flags("revoke", "--pki-dir", "{pki}", "--serial", "1001"), code: exitError,
			want: []string{"1001", "revoked already"}},
		{name: "revoke unknown name", args: flags("revoke", "--pki-dir", "{pki}", "--name", "nope"), code: exitError,
			want: []string{"certs/nope.cer", "no such file"}},
		{name: "revoke bad reason", setup: revoked, args: flags("revoke", "--pki-dir", "{pki}", "--serial", "1001", "--reason", "bogus"), code: exitUsage,
			want: []string{`"bogus"`, "--reason"}},
		{name: "revoke name and serial", args: flags("revoke", "--pki-dir", "{pki}", "--name", "proxy", "--serial", "1001"), code: exitUsage,
			want: []string{"--name", "--serial"}},
		{name: "crl days 0", args: flags("crl", "--pki-dir", "{pki}", "--out", "{dir}/crl.pem", "--days", "0"), code: exitUsage,
			want: []string{"--days 0", "1..36500"}},
		{name: "crl out directory missing", args: flags("crl", "--pki-dir", "{pki}", "--out", "{dir}/nodir/crl.pem"), code: exitError,
			want: []string{"nodir/crl.pem", "does not exist"}},
		{name: "list expiring bad", args: flags("list", "--pki-dir", "{pki}", "--expiring", "soon"), code: exitUsage,
			want: []string{"--expiring", `"soon"`}},
		{name: "list status bad", args: flags("list", "--pki-dir", "{pki}", "--status", "dead"), code: exitUsage,
			want: []string{"--status", `"dead"`}},
	})
}
