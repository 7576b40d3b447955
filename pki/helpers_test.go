package pki_test

import (
	"bytes"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// storeDatabaseLines returns database.txt as lines, each with its newline; it
// fails the test when the file does not end with a newline.
func storeDatabaseLines(t testing.TB, s *pki.Store) []string {
	t.Helper()
	data := pkitest.ReadFile(t, s.DatabasePath())
	if data == "" {
		return nil
	}
	if !strings.HasSuffix(data, "\n") {
		t.Fatalf("%s does not end with a newline: %q", s.DatabasePath(), data)
	}
	lines := strings.SplitAfter(data, "\n")
	lines = lines[:len(lines)-1] // the empty string after the last newline
	// The CA's own line, which InitStore writes first (as openssl ca
	// -selfsign does), is not one of the certificates the CA issued.
	if len(lines) > 0 && strings.Contains(lines[0], "\t1000\tunknown\t"+pkitest.EngineCASubject+"\n") {
		lines = lines[1:]
	}
	return lines
}

// indexUTCTime is how database.txt writes a date before 2050.
func indexUTCTime(t time.Time) string { return t.UTC().Format("060102150405Z") }

// opensslCertText is `openssl x509 -noout -text` of the certificate in path.
func opensslCertText(t testing.TB, path string) string {
	t.Helper()
	return pkitest.RunOpenSSL(t, "", "x509", "-noout", "-text", "-in", path)
}

// assertTextHas fails the test for every want missing from text.
func assertTextHas(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	missing := false
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
			missing = true
		}
	}
	if missing {
		t.Logf("%s:\n%s", what, text)
	}
}

// firstPEMBytes returns the DER inside the first PEM block of data.
func firstPEMBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("no PEM block in %q", pkitest.Clip(string(data)))
	}
	return block.Bytes
}

// assertSameFile fails when the files at a and b differ.
func assertSameFile(t testing.TB, a, b string) {
	t.Helper()
	da, db := pkitest.ReadFile(t, a), pkitest.ReadFile(t, b)
	if !bytes.Equal([]byte(da), []byte(db)) {
		t.Errorf("%s and %s differ", a, b)
	}
}
