package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
)

// engineConfig is the openssl `ca` configuration of an engine PKI
// directory; @PKI_DIR@ stands for the directory.
const engineConfig = "../../testdata/engine/openssl.cnf"

// engineSignScript signs as the engine's pki-enroll-request.sh does: under
// `flock -e -w` on the CA certificate, `openssl ca` appends to the same
// index and advances the same serial file as pkienroll.
const engineSignScript = `set -eu
flock -e -w 20 "$1/ca.pem" openssl ca -batch -notext -preserveDN -config "$2" -in "$3" -out "$4" 2>"$4.log"
`

// TestConcurrentSignersWithOpenSSLCA runs pkienroll processes and
// engine-script processes (flock + openssl ca) signing into one PKI directory
// at the same time: no serial is issued twice, no index line is lost,
// serial.txt accounts for every signature, every certs/SERIAL.pem exists,
// and `pkienroll ca check` finds the directory sound.
func TestConcurrentSignersWithOpenSSLCA(t *testing.T) {
	pkitest.OpenSSL(t)
	testenv.LookPath(t, "flock", "util-linux")
	testenv.LookPath(t, "bash", "bash")
	bin := binary(t)
	f := newFixture(t)
	cfg := f.path("openssl.cnf") // outside the PKI directory
	writeFile(t, cfg, strings.ReplaceAll(pkitest.ReadFile(t, engineConfig), "@PKI_DIR@", f.pki))

	const workers, rounds = 4, 3 // of each kind
	const total = 2 * workers * rounds
	for w := range workers {
		for r := range rounds {
			if err := pkitest.CopyFile(f.req, filepath.Join(f.pki, "requests", fmt.Sprintf("p%d-%d.req", w, r))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Mkdir(f.path("engine-out"), 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { // pkienroll
			<-start
			for r := range rounds {
				cmd := exec.CommandContext(ctx, bin, "-q", "sign", "--pki-dir", f.pki, "--name", fmt.Sprintf("p%d-%d", w, r), "--timeout", "30")
				if out, err := cmd.CombinedOutput(); err != nil {
					fail("pkienroll sign p%d-%d: %v\n%s", w, r, err, out)
				}
			}
		})
		wg.Go(func() { // the engine's script
			<-start
			for r := range rounds {
				out := f.path("engine-out", fmt.Sprintf("e%d-%d.cer", w, r))
				cmd := exec.CommandContext(ctx, "bash", "-c", engineSignScript, "engine-sign", f.pki, cfg, f.req, out)
				if combined, err := cmd.CombinedOutput(); err != nil {
					log, _ := os.ReadFile(out + ".log")
					fail("engine script e%d-%d: %v\n%s%s", w, r, err, combined, log)
				}
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d signatures by %d processes in %v", total, 2*workers, time.Since(began))
	if ctx.Err() != nil {
		t.Fatalf("signers still running after 60s: %v", ctx.Err())
	}
	for _, msg := range failures {
		t.Error(msg)
	}
	if len(failures) > 0 {
		t.FailNow()
	}

	// The index: one whole line per signature, no serial twice, each with
	// its certs/SERIAL.pem holding that serial.
	lines := issuedLines(t, f.pki)
	if len(lines) != total {
		t.Errorf("database.txt has %d lines, want %d:\n%s", len(lines), total, strings.Join(lines, "\n"))
	}
	seen := map[string]bool{}
	for i, line := range lines {
		fields := strings.Split(line, "\t")
		if len(fields) != 6 || fields[0] != "V" {
			t.Errorf("database.txt line %d is not a whole valid entry: %q", i+1, line)
			continue
		}
		serial := fields[3]
		if seen[serial] {
			t.Errorf("serial %s appears twice in database.txt", serial)
		}
		seen[serial] = true
		cert := pkitest.ReadCert(t, filepath.Join(f.pki, "certs", serial+".pem"))
		if got := fmt.Sprintf("%X", cert.SerialNumber); got != strings.TrimLeft(serial, "0") {
			t.Errorf("certs/%s.pem holds serial %s", serial, got)
		}
	}
	if got, want := pkitest.ReadFile(t, filepath.Join(f.pki, "serial.txt")), fmt.Sprintf("%X\n", 0x1001+total); got != want {
		t.Errorf("serial.txt = %q, want %q (1001 + %d signatures)", got, want, total)
	}
	// Every certificate handed out is in the index.
	for w := range workers {
		for r := range rounds {
			for _, path := range []string{
				filepath.Join(f.pki, "certs", fmt.Sprintf("p%d-%d.cer", w, r)),
				f.path("engine-out", fmt.Sprintf("e%d-%d.cer", w, r)),
			} {
				if s := fmt.Sprintf("%X", pkitest.ReadCert(t, path).SerialNumber); !seen[s] {
					t.Errorf("%s has serial %s, which database.txt does not list", path, s)
				}
			}
		}
	}
	if r := runCLI(t, "ca", "check", "--pki-dir", f.pki); r.code != exitOK {
		t.Errorf("ca check after the concurrent signers:\n%s", r)
	}
	// openssl agrees with the index pkienroll and openssl wrote together.
	out, _ := exec.Command("openssl", "ca", "-config", cfg, "-status", "1001").CombinedOutput()
	if !strings.Contains(string(out), "1001=Valid") {
		t.Errorf("openssl ca -status 1001:\n%s", out)
	}
}

// issuedLines are the lines of dir's database.txt but the CA's own, which
// `ca init` writes first (serial 1000, as pki-create-ca.sh does).
func issuedLines(t *testing.T, dir string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(pkitest.ReadFile(t, filepath.Join(dir, "database.txt")), "\n"), "\n")
	if len(lines) > 0 && strings.Contains(lines[0], "\t1000\tunknown\t") {
		lines = lines[1:]
	}
	return lines
}
