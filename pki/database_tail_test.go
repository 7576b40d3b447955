package pki_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestSignRefusesUnterminatedNonLine: a last line without its newline
// that is neither an index line nor the beginning of one (what a crash in
// the middle of an append leaves) is not cut off: signing refuses, naming
// database.txt, with the directory byte-identical, and ReadDatabase and
// `ca check` report the same. An index whose lines end in CR alone is one
// such line: cutting it would lose every record.
func TestSignRefusesUnterminatedNonLine(t *testing.T) {
	t.Parallel()
	const whole = "V\t311128051453Z\t\t0FFF\tunknown\t/CN=earlier.example.com\n"
	crOnly := strings.ReplaceAll(whole+strings.Replace(whole, "0FFF", "0FFE", 1), "\n", "\r")
	for _, tc := range []struct{ name, data string }{
		{"lines ending in CR alone", crOnly},
		{"CR-only lines after whole ones", whole + crOnly},
		{"text", whole + "garbage"},
		{"a line with a bad date", whole + "V\tnot a date\t\t1001\tunknown\t/CN=x"},
		{"seven fields", whole + strings.TrimSuffix(whole, "\n") + "\textra"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteFile(t, s.DatabasePath(), []byte(tc.data), 0o644)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			before := pkitest.Snapshot(t, s.Dir())
			_, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if !errors.Is(err, pki.ErrBadStore) || !strings.Contains(err.Error(), s.DatabasePath()) {
				t.Errorf("Sign: %v, want ErrBadStore naming %s", err, s.DatabasePath())
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
			if _, err := pki.ReadDatabase(s.DatabasePath()); !errors.Is(err, pki.ErrBadStore) {
				t.Errorf("ReadDatabase: %v, want ErrBadStore", err)
			}
			problems, err := s.Check(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), s.DatabasePath()) {
				t.Errorf("Check: %q, want database.txt reported", problems)
			}
			if got := pkitest.ReadFile(t, s.DatabasePath()); got != tc.data {
				t.Errorf("database.txt changed:\n%q", got)
			}
		})
	}
}

// TestSignRefusesSerialBehindIndex: a serial.txt not past the serial of
// the index's last line (restored from a backup, edited) would give two
// certificates one serial, which RFC 5280 forbids and openssl ca refuses.
// Signing refuses, naming serial.txt and the index, with the directory
// byte-identical, even where the serial's certs/SERIAL.pem is gone; so
// does a second CA's init in the directory, which takes its serial from
// the same serial.txt.
func TestSignRefusesSerialBehindIndex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, serial, removeCopy string }{
		{"the last line's serial", "1001\n", "1001"},
		{"below it, the CA's own", "1000\n", "1000"},
		{"far below", "01\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			signNames(t, s, "first") // 1001
			if tc.removeCopy != "" {
				if err := os.Remove(s.SerialCertPath(tc.removeCopy)); err != nil {
					t.Fatal(err)
				}
			}
			pkitest.WriteFile(t, s.SerialPath(), []byte(tc.serial), 0o644)
			pkitest.WriteRequest(t, s, "second", pkitest.EngineProxySubject)
			before := pkitest.Snapshot(t, s.Dir())
			_, err := s.Sign(t.Context(), pki.SignRequest{Name: "second"})
			if !errors.Is(err, pki.ErrBadStore) || !strings.Contains(err.Error(), s.SerialPath()) || !strings.Contains(err.Error(), s.DatabasePath()) {
				t.Errorf("Sign: %v, want ErrBadStore naming %s and %s", err, s.SerialPath(), s.DatabasePath())
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
			_, err = pki.InitStore(s.Dir(), pki.InitRequest{Subject: pkitest.Name(t, "/CN=qemu")}, pki.WithCAName("qemu-ca"), pkitest.SharedCAKeyGenerator(t))
			if !errors.Is(err, pki.ErrBadStore) {
				t.Errorf("InitStore of a second CA: %v, want ErrBadStore", err)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestSignRefusesBadLastLine: a whole last line that is no index line
// (text, a blank line) makes the index unreadable to openssl ca and to
// every reader of ours; a signer appending after it would bury it.
// Signing refuses, naming database.txt, with the directory byte-identical.
// A last line ending in CRLF is an index line, and signing goes on.
func TestSignRefusesBadLastLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, tail string
		ok         bool
	}{
		{"text", "garbage\n", false},
		{"a blank line", "\n", false},
		{"five fields", "V\t311128051453Z\t\t0FFF\tunknown\n", false},
		{"CRLF", "V\t311128051453Z\t\t0FFF\tunknown\t/CN=earlier.example.com\r\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteFile(t, s.DatabasePath(), []byte(pkitest.ReadFile(t, s.DatabasePath())+tc.tail), 0o644)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			before := pkitest.Snapshot(t, s.Dir())
			_, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if tc.ok {
				if err != nil {
					t.Errorf("Sign: %v", err)
				}
				return
			}
			if !errors.Is(err, pki.ErrBadStore) || !strings.Contains(err.Error(), s.DatabasePath()) {
				t.Errorf("Sign: %v, want ErrBadStore naming %s", err, s.DatabasePath())
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestSignFailedAppendLeavesNoLine: a full disk that takes part of a
// batch's index lines fails the batch, and the lines written are cut
// back: none is left to be read as issued, by openssl ca or by the next
// signer, who would have completed a line cut in its subject. The next
// batch signs as usual after the serials the failed one used.
func TestSignFailedAppendLeavesNoLine(t *testing.T) {
	s := pkitest.NewStore(t)
	names := []string{"a", "b", "c", "d"}
	for _, n := range names {
		pkitest.WriteRequest(t, s, n, "/C=US/O=Example Inc./OU="+strings.Repeat("x", 60)+"/CN="+n+".example.com")
	}
	index := pkitest.ReadFile(t, s.DatabasePath())
	restore := pki.FailIndexWrites()
	_, err := s.SignBatch(t.Context(), reqsFor(names...))
	restore()
	if err == nil || errors.Is(err, pki.ErrAfterCommit) || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("SignBatch on a full disk: %v, want a failure before the commit point", err)
	}
	if got := pkitest.ReadFile(t, s.DatabasePath()); got != index {
		t.Fatalf("database.txt after the failed append:\n%q\nwant it as before:\n%q", got, index)
	}
	for _, n := range names {
		if _, err := os.Lstat(s.CertPath(n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v, want no certificate handed out", s.CertPath(n), err)
		}
	}
	issued, err := s.SignBatch(t.Context(), reqsFor(names...))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1+len(names) || entries[1].Serial != issued[0].Serial {
		t.Errorf("index after signing again: %+v, want the CA's line and the new batch's", entries)
	}
}

// TestSignCutsLineTornInSubject: a crash that cut the last index line
// inside its subject leaves what reads as a whole line with a shorter
// subject; its certificate, certs/SERIAL.pem, has the whole one. The next
// signer cuts that line off instead of completing it with the wrong
// subject; a whole last line without its newline, whose subject is its
// certificate's, is still completed.
func TestSignCutsLineTornInSubject(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cut  func(line string) string
		kept bool
	}{
		{"cut in the subject", func(l string) string { return l[:len(l)-len("example.com\n")] }, false},
		{"only the newline lost", func(l string) string { return strings.TrimSuffix(l, "\n") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			signNames(t, s, "first")
			before := pkitest.ReadFile(t, s.DatabasePath())
			i := strings.LastIndex(strings.TrimSuffix(before, "\n"), "\n") + 1
			pkitest.WriteFile(t, s.DatabasePath(), []byte(before[:i]+tc.cut(before[i:])), 0o644)
			signNames(t, s, "second")
			entries, err := pki.ReadDatabase(s.DatabasePath())
			if err != nil {
				t.Fatal(err)
			}
			var serials []string
			for _, e := range entries {
				serials = append(serials, e.Serial)
				if e.Serial == "1001" && e.Subject != "/C=US/O=Example Inc./CN=first.example.com" {
					t.Errorf("line of 1001 kept with subject %q", e.Subject)
				}
			}
			want := "1000 1002"
			if tc.kept {
				want = "1000 1001 1002"
			}
			if got := strings.Join(serials, " "); got != want {
				t.Errorf("serials in the index: %s, want %s", got, want)
			}
		})
	}
}

// reqsFor is a SignRequest for each name, its request in requests/.
func reqsFor(names ...string) []pki.SignRequest {
	reqs := make([]pki.SignRequest, len(names))
	for i, n := range names {
		reqs[i] = pki.SignRequest{Name: n}
	}
	return reqs
}
