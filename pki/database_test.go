package pki_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

func TestEntryRoundTrip(t *testing.T) {
	t.Parallel()
	date := func(s string) time.Time {
		t.Helper()
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name  string
		entry pki.Entry
		line  string
	}{
		{"valid",
			pki.Entry{Status: pki.StatusValid, Expiry: date("2031-11-28T05:14:53Z"), Serial: "1000", File: "unknown", Subject: "/C=US/O=Example Inc./CN=proxy.example.com"},
			"V\t311128051453Z\t\t1000\tunknown\t/C=US/O=Example Inc./CN=proxy.example.com"},
		{"revoked with reason",
			pki.Entry{Status: pki.StatusRevoked, Expiry: date("2031-11-28T05:14:53Z"), Revoked: date("2026-01-02T03:04:05Z"), Reason: "keyCompromise", Serial: "1001", File: "unknown", Subject: "/CN=a"},
			"R\t311128051453Z\t260102030405Z,keyCompromise\t1001\tunknown\t/CN=a"},
		{"revoked without reason",
			pki.Entry{Status: pki.StatusRevoked, Expiry: date("2031-11-28T05:14:53Z"), Revoked: date("2026-01-02T03:04:05Z"), Serial: "0A", File: "unknown", Subject: "/CN=a"},
			"R\t311128051453Z\t260102030405Z\t0A\tunknown\t/CN=a"},
		{"expired",
			pki.Entry{Status: pki.StatusExpired, Expiry: date("1999-12-31T23:59:59Z"), Serial: "01", File: "unknown", Subject: "/CN=old"},
			"E\t991231235959Z\t\t01\tunknown\t/CN=old"},
		{"1950 is UTCTime",
			pki.Entry{Status: pki.StatusValid, Expiry: date("1950-01-01T00:00:00Z"), Serial: "02", File: "unknown", Subject: "/CN=a"},
			"V\t500101000000Z\t\t02\tunknown\t/CN=a"},
		{"2049 is UTCTime",
			pki.Entry{Status: pki.StatusValid, Expiry: date("2049-12-31T23:59:59Z"), Serial: "03", File: "unknown", Subject: "/CN=a"},
			"V\t491231235959Z\t\t03\tunknown\t/CN=a"},
		{"2050 is GeneralizedTime",
			pki.Entry{Status: pki.StatusValid, Expiry: date("2050-01-01T00:00:00Z"), Serial: "04", File: "unknown", Subject: "/CN=a"},
			"V\t20500101000000Z\t\t04\tunknown\t/CN=a"},
		{"2125 revoked in 2051",
			pki.Entry{Status: pki.StatusRevoked, Expiry: date("2125-06-30T12:00:00Z"), Revoked: date("2051-02-03T04:05:06Z"), Reason: "superseded", Serial: "1234567890ABCDEF", File: "1234567890ABCDEF.pem", Subject: "/C=US/CN=x\\/y+UID=z"},
			"R\t21250630120000Z\t20510203040506Z,superseded\t1234567890ABCDEF\t1234567890ABCDEF.pem\t/C=US/CN=x\\/y+UID=z"},
		{"subject with blanks and tabs-free text",
			pki.Entry{Status: pki.StatusValid, Expiry: date("2031-11-28T05:14:53Z"), Serial: "1000", File: "unknown", Subject: "/O=Example Inc. (Lab)/CN=engine 1"},
			"V\t311128051453Z\t\t1000\tunknown\t/O=Example Inc. (Lab)/CN=engine 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.entry.String(); got != tc.line {
				t.Errorf("String() = %q, want %q", got, tc.line)
			}
			e, err := pki.ParseEntry(tc.line)
			if err != nil {
				t.Fatalf("ParseEntry: %v", err)
			}
			if e.Status != tc.entry.Status || !e.Expiry.Equal(tc.entry.Expiry) || !e.Revoked.Equal(tc.entry.Revoked) ||
				e.Reason != tc.entry.Reason || e.Serial != tc.entry.Serial || e.File != tc.entry.File || e.Subject != tc.entry.Subject {
				t.Errorf("ParseEntry = %+v, want %+v", e, tc.entry)
			}
			if got := e.String(); got != tc.line {
				t.Errorf("round trip %q, want %q", got, tc.line)
			}
		})
	}
	t.Run("empty file name is unknown", func(t *testing.T) {
		e := pki.Entry{Status: pki.StatusValid, Expiry: date("2031-11-28T05:14:53Z"), Serial: "1000", Subject: "/CN=a"}
		if got, want := e.String(), "V\t311128051453Z\t\t1000\tunknown\t/CN=a"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	})
	t.Run("local time is written in UTC", func(t *testing.T) {
		e := pki.Entry{Status: pki.StatusValid, Expiry: date("2031-11-28T05:14:53Z").In(time.FixedZone("X", 5*3600)), Serial: "1000", Subject: "/CN=a"}
		if got := e.String(); !strings.HasPrefix(got, "V\t311128051453Z\t") {
			t.Errorf("String() = %q, want the UTC time", got)
		}
	})
}

func TestParseEntryErrors(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"",
		"V\t311128051453Z\t\t1000\tunknown", // 5 fields
		"V\t311128051453Z\t\t1000\tunknown\t/CN=a\textra",   // 7 fields
		"X\t311128051453Z\t\t1000\tunknown\t/CN=a",          // status
		"VV\t311128051453Z\t\t1000\tunknown\t/CN=a",         // status
		"V\t3111280514Z\t\t1000\tunknown\t/CN=a",            // short date
		"V\t311328051453Z\t\t1000\tunknown\t/CN=a",          // month 13
		"V\t311128051453\t\t1000\tunknown\t/CN=a",           // no Z
		"R\t311128051453Z\tyesterday\t1000\tunknown\t/CN=a", // revocation date
		"V\t311128051453Z\t\t\tunknown\t/CN=a",              // no serial
		"V\t311128051453Z\t\tXYZ\tunknown\t/CN=a",           // serial not hex
		"V\t311128051453Z\t\t-10\tunknown\t/CN=a",           // negative serial
		"V\t311128051453Z\t\t00\tunknown\t/CN=a",            // zero serial
		"V 311128051453Z  1000 unknown /CN=a",               // blanks, not tabs
	} {
		if e, err := pki.ParseEntry(line); err == nil {
			t.Errorf("ParseEntry(%q) = %+v, want an error", line, e)
		}
	}
}

func TestReadDatabase(t *testing.T) {
	t.Parallel()
	const good = "V\t311128051453Z\t\t1000\tunknown\t/C=US/O=Example Inc./CN=proxy.example.com\n" +
		"R\t311128051453Z\t260102030405Z,superseded\t1001\tunknown\t/CN=b\n" +
		"V\t20510101000000Z\t\t1002\tunknown\t/CN=c\n"
	for _, tc := range []struct {
		name     string
		data     string
		want     int    // entries
		wantLine string // in the error; "" for success
	}{
		{"empty", "", 0, ""},
		{"newline only", "\n", 0, ""},
		{"three lines", good, 3, ""},
		{"bad third line", good[:strings.LastIndex(good[:len(good)-1], "\n")+1] + "V\tnot a date\t\t1002\tunknown\t/CN=c\n", 0, "line 3"},
		{"bad first line", "garbage\n" + good, 0, "line 1"},
		{"blank line in the middle", "V\t311128051453Z\t\t1000\tunknown\t/CN=a\n\nV\t311128051453Z\t\t1001\tunknown\t/CN=b\n", 0, "line 2"},
		{"torn tail is skipped", good + "V\t3111", 3, ""},
		{"whole last line without newline", strings.TrimSuffix(good, "\n"), 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "database.txt")
			pkitest.WriteFile(t, path, []byte(tc.data), 0o644)
			entries, err := pki.ReadDatabase(path)
			if tc.wantLine != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantLine) || !strings.Contains(err.Error(), path) || !errors.Is(err, pki.ErrBadStore) {
					t.Errorf("ReadDatabase: %v, want ErrBadStore naming %s and %s", err, path, tc.wantLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != tc.want {
				t.Fatalf("%d entries, want %d", len(entries), tc.want)
			}
			var b strings.Builder
			for _, e := range entries {
				b.WriteString(e.String() + "\n")
			}
			if tc.want > 0 && b.String() != good && b.String() != tc.data {
				t.Errorf("entries written back:\n%q\nwant\n%q", b.String(), tc.data)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		if _, err := pki.ReadDatabase(filepath.Join(t.TempDir(), "absent")); err == nil {
			t.Error("ReadDatabase of a missing file succeeded")
		}
	})
}

// TestReadDatabaseAfterSign: what Sign appends, ReadDatabase reads back.
func TestReadDatabaseAfterSign(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	// The CA's own line first, as InitStore writes it, then the certificate.
	if len(entries) != 2 || entries[0].Serial != "1000" {
		t.Fatalf("%d entries: %+v", len(entries), entries)
	}
	e := entries[1]
	if e.Status != pki.StatusValid || e.Serial != issued.Serial || e.File != "unknown" ||
		e.Subject != "/C=US/O=Example Inc./CN=proxy.example.com" || !e.Expiry.Equal(issued.Certificate.NotAfter) || !e.Revoked.IsZero() {
		t.Errorf("entry %+v does not describe the issued certificate", e)
	}
}

// TestSignRepairsTornTail: a line cut short by a crash is dropped before
// the next line is appended, so the index holds whole lines only; a whole
// line that only lacks its newline is kept and completed.
func TestSignRepairsTornTail(t *testing.T) {
	t.Parallel()
	const whole = "V\t311128051453Z\t\t0FFF\tunknown\t/CN=earlier.example.com\n"
	for _, tc := range []struct{ name, before, kept string }{
		{"half line", whole + "V\t3111280514", whole},
		{"only a half line", "V\t3111280514", ""},
		{"half line without tab", whole + "V", whole},
		{"long half line", whole + "V\t311128051453Z\t\t" + strings.Repeat("0", 10000), whole},
		{"half line padded with NUL bytes", whole + "V\t3111280514" + strings.Repeat("\x00", 40), whole},
		{"NUL bytes only", whole + strings.Repeat("\x00", 60), whole},
		{"whole lines", whole + whole, whole + whole},
		{"whole last line without newline", whole + strings.TrimSuffix(whole, "\n"), whole + whole},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteFile(t, s.DatabasePath(), []byte(tc.before), 0o644)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.kept + "V\t" + indexUTCTime(issued.Certificate.NotAfter) + "\t\t1001\tunknown\t" + pkitest.EngineProxySubject + "\n"
			if got := pkitest.ReadFile(t, s.DatabasePath()); got != want {
				t.Errorf("database.txt =\n%q\nwant\n%q", got, want)
			}
			if _, err := pki.ReadDatabase(s.DatabasePath()); err != nil {
				t.Errorf("ReadDatabase after repair: %v", err)
			}
			if m := pkitest.PermOf(t, s.DatabasePath()); m != 0o644 {
				t.Errorf("database.txt mode %v", m)
			}
		})
	}
}

// TestDatabaseCRLF: an index saved with CRLF line ends (an editor on
// another system) reads without '\r' in the subjects; signing appends a
// line ending in '\n', as openssl ca does, and openssl ca still reads
// every line (-status, -gencrl) of the mixed file.
func TestDatabaseCRLF(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	dir := s.Dir()
	cfg := engineOpenSSLConfig(t, dir)
	pkitest.WriteFile(t, filepath.Join(dir, "crlnumber.txt"), []byte("1000\n"), 0o644)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
		t.Fatal(err)
	}
	lf := pkitest.ReadFile(t, s.DatabasePath())
	pkitest.WriteFile(t, s.DatabasePath(), []byte(strings.ReplaceAll(lf, "\n", "\r\n")), 0o644)

	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Subject != pkitest.EngineCASubject || entries[1].Subject != pkitest.EngineProxySubject {
		t.Fatalf("CRLF index read as %q, want the CA's entry and one with subject %s", entries, pkitest.EngineProxySubject)
	}

	pkitest.WriteRequest(t, s, "proxy2", "/C=US/O=Example Inc./CN=proxy2.example.com")
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy2"}); err != nil {
		t.Fatalf("sign on a CRLF index: %v", err)
	}
	got := pkitest.ReadFile(t, s.DatabasePath())
	if want := strings.ReplaceAll(lf, "\n", "\r\n"); !strings.HasPrefix(got, want) || strings.Count(got, "\r") != 2 || !strings.HasSuffix(got, "proxy2.example.com\n") {
		t.Errorf("index after signing = %q, want the CRLF line kept and a new line ending in \\n", got)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range list {
		if strings.ContainsRune(is.Subject, '\r') {
			t.Errorf("List subject %q keeps the \\r", is.Subject)
		}
	}
	for _, serial := range []string{"1000", "1001", "1002"} {
		if status := opensslCAStatus(t, dir, cfg, serial); status != "Valid (V)" {
			t.Errorf("openssl ca -status %s on the mixed index: %q", serial, status)
		}
	}
	crl := filepath.Join(t.TempDir(), "crl.pem")
	pkitest.RunOpenSSL(t, dir, "ca", "-config", cfg, "-gencrl", "-out", crl)

	// openssl ca -revoke takes the '\r' for part of the subject and refuses
	// the certificate; pkienroll revoke rewrites the index with '\n' line
	// ends, after which openssl ca revokes the other certificate too.
	if out, err := pkitest.TryOpenSSL(t, dir, "ca", "-config", cfg, "-revoke", "certs/1001.pem"); err == nil {
		t.Fatalf("openssl ca -revoke accepts a CRLF line, which docs/cli.md says it does not:\n%s", out)
	}
	if _, err := s.Revoke(t.Context(), pki.RevokeRequest{Serial: "1002"}); err != nil {
		t.Fatalf("revoke on a CRLF index: %v", err)
	}
	if got := pkitest.ReadFile(t, s.DatabasePath()); strings.Contains(got, "\r") {
		t.Errorf("index after pkienroll revoke keeps a \r: %q", got)
	}
	pkitest.RunOpenSSL(t, dir, "ca", "-config", cfg, "-revoke", "certs/1001.pem")
	if status := opensslCAStatus(t, dir, cfg, "1001"); status != "Revoked (R)" {
		t.Errorf("openssl ca -status 1001 after revoking: %q", status)
	}
}
