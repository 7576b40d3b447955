package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
)

// Text spoofing: a RIGHT-TO-LEFT OVERRIDE reverses what follows it on the
// reader's screen, a ZERO WIDTH SPACE and a LEFT-TO-RIGHT ISOLATE are not
// seen at all. None is a control character.
const (
	bidiCN = "a\u202e\u200bb"
	bidiO  = "O\u2066x"
	// bidiSlash is the subject as text output shows it.
	bidiSlash = `/O=O\xE2\x81\xA6x/CN=a\xE2\x80\xAE\xE2\x80\x8Bb`
)

// bidiCert writes a self-signed certificate whose subject holds bidi and
// zero-width characters, signed with the fixture's key.
func bidiCert(t *testing.T, f *fixture) string {
	t.Helper()
	return writeSelfSigned(t, f, "bidi.pem", &x509.Certificate{
		SerialNumber: big.NewInt(0x4243), Subject: pkix.Name{Organization: []string{bidiO}, CommonName: bidiCN},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
	})
}

// TestBidiEscapes: inspect, verify, subject, list and metrics show bidi
// overrides and invisible characters escaped, as they show control
// characters; JSON output writes them as \u escapes and decodes to the
// exact value; the metrics stay valid for promtool. The certificate is
// still read and verified: this is about printing.
func TestBidiEscapes(t *testing.T) {
	f := newFixture(t)
	cert := bidiCert(t, f)

	t.Run("inspect", func(t *testing.T) {
		out := mustRun(t, "inspect", cert)
		assertPrintable(t, "inspect", out)
		if !strings.Contains(out, "Subject:             "+bidiSlash+"\n") {
			t.Errorf("inspect does not show %s:\n%s", bidiSlash, out)
		}
		js := mustRun(t, "inspect", "--json", cert)
		assertPrintable(t, "inspect --json", js)
		var got struct {
			Objects []struct{ Subject string }
		}
		if err := json.Unmarshal([]byte(js), &got); err != nil || len(got.Objects) != 1 || got.Objects[0].Subject != "/O="+bidiO+"/CN="+bidiCN {
			t.Errorf("inspect --json does not decode to the exact subject (%v):\n%s", err, js)
		}
	})
	t.Run("verify", func(t *testing.T) {
		out := mustRun(t, "verify", "--ca", cert, "--cert", cert)
		assertPrintable(t, "verify", out)
		r := runCLI(t, "verify", "--ca", f.caPEM, "--cert", cert)
		if r.code != exitCheckFailed {
			t.Errorf("verify against another CA: exit %d:\n%s", r.code, r)
		}
		assertPrintable(t, "verify stdout", r.stdout)
		assertPrintable(t, "verify stderr", r.stderr)
		if !strings.Contains(r.stderr, "issuer "+bidiSlash) {
			t.Errorf("verify does not name the issuer %s:\n%s", bidiSlash, r.stderr)
		}
	})
	t.Run("subject", func(t *testing.T) {
		if out := mustRun(t, "subject", "--cert", cert); out != bidiSlash+"\n" {
			t.Errorf("subject --cert = %q, want %q", out, bidiSlash)
		}
		rfc := mustRun(t, "subject", "--cert", cert, "--format", "rfc4514")
		if want := `CN=a\E2\80\AE\E2\80\8Bb,O=O\E2\81\A6x` + "\n"; rfc != want {
			t.Errorf("subject --format rfc4514 = %q, want %q", rfc, want)
		}
		js := mustRun(t, "subject", "--cert", cert, "--format", "json")
		assertPrintable(t, "subject --format json", js)
		var name [][]struct{ Value string }
		if err := json.Unmarshal([]byte(js), &name); err != nil || len(name) != 2 || name[0][0].Value != bidiO || name[1][0].Value != bidiCN {
			t.Errorf("subject --format json does not decode to the exact values (%v): %s", err, js)
		}
		// The escaped RFC 4514 form reads back as the same name, which a
		// subject given on the command line may not hold: it would reach
		// a request or a certificate.
		r := runCLI(t, "subject", "--subject", strings.TrimSpace(rfc), "--format", "json")
		if r.code != exitUsage || !strings.Contains(r.stderr, "U+2066, an invisible or direction-changing character") {
			t.Errorf("subject --subject %s:\n%s", rfc, r)
		}
		assertPrintable(t, "subject --subject stderr", r.stderr)
		r = runCLI(t, "subject", "--cert", f.caPEM, "--cn", "Proxy \u202eevil")
		if r.code != exitError || !strings.Contains(r.stderr, "U+202E, an invisible or direction-changing character") {
			t.Errorf("subject --cn with U+202E:\n%s", r)
		}
		assertPrintable(t, "subject --cn stderr", r.stderr)
	})
	t.Run("list", func(t *testing.T) {
		db := filepath.Join(f.pki, "database.txt")
		exp := time.Now().Add(48 * time.Hour).UTC().Format("060102150405Z")
		writeFile(t, db, pkitest.ReadFile(t, db)+"V\t"+exp+"\t\t1001\tunknown\t/CN="+bidiCN+"\n")
		out := mustRun(t, "list", "--pki-dir", f.pki)
		assertPrintable(t, "list", out)
		if !strings.Contains(out, `/CN=a\xE2\x80\xAE\xE2\x80\x8Bb`) {
			t.Errorf("list does not show the escaped subject:\n%s", out)
		}
		js := mustRun(t, "list", "--json", "--pki-dir", f.pki)
		assertPrintable(t, "list --json", js)
		if !strings.Contains(js, `/CN=a\u202e\u200bb`) {
			t.Errorf("list --json does not escape the subject:\n%s", js)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		pkitest.WriteFile(t, filepath.Join(f.pki, "certs", "bidi.cer"), []byte(pkitest.ReadFile(t, cert)), 0o644)
		r := runCLI(t, "metrics", "--pki-dir", f.pki)
		if r.code != 0 {
			t.Fatalf("metrics: %s", r)
		}
		assertPrintable(t, "metrics", r.stdout)
		found := false
		for _, m := range parseMetrics(t, r.stdout)["x509_cert_not_after"].GetMetric() {
			if l := labels(m); l["filename"] == "bidi.cer" {
				found = true
				if l["subject_CN"] != `a\xE2\x80\xAE\xE2\x80\x8Bb` || l["issuer_O"] != `O\xE2\x81\xA6x` {
					t.Errorf("labels of bidi.cer: %v", l)
				}
			}
		}
		if !found {
			t.Errorf("no x509_cert_not_after for bidi.cer:\n%s", r.stdout)
		}
		promtool := testenv.LookPath(t, "promtool", "prometheus")
		check := exec.Command(promtool, "check", "metrics")
		check.Stdin = strings.NewReader(r.stdout)
		if out, err := check.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, r.stdout)
		}
	})
	t.Run("ca check", func(t *testing.T) {
		g := newFixture(t)
		dir := g.path("pki\u202egro")
		if err := os.Rename(g.pki, dir); err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, "ca", "check", "--pki-dir", dir)
		assertPrintable(t, "ca check", out)
		if !strings.Contains(out, `pki\xE2\x80\xAEgro`) {
			t.Errorf("ca check does not name the directory escaped: %q", out)
		}
	})
}
