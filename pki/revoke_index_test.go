package pki

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzQuickIndexLine: a line quickIndexLine vouches for is one ParseEntry
// accepts, with the same serial; revocation copies such lines unparsed.
func FuzzQuickIndexLine(f *testing.F) {
	for _, s := range []string{
		"V\t350101000000Z\t\t1000\tunknown\t/C=US/O=Example Inc./CN=proxy.example.com",
		"R\t20510101000000Z\t250601120000Z,keyCompromise\t0A1B\tunknown\t/CN=x",
		"R\t20510101000000Z\t250601120000Z,\t0a1b\tunknown\t/CN=x",
		"E\t990101000000Z\t\t01\tcert.pem\t/CN=old",
		"V\t350101000000Z\t\t1000\t\t/CN=no file name",
		"V\t350229000000Z\t\t1000\tunknown\t/CN=not a leap year",
		"V\t360229000000Z\t\t1000\tunknown\t/CN=a leap year",
		"V\t350431000000Z\t\t1000\tunknown\t/CN=x",
		"V\t351301000000Z\t\t1000\tunknown\t/CN=x",
		"V\t350101240000Z\t\t1000\tunknown\t/CN=x",
		"V\t350101006000Z\t\t1000\tunknown\t/CN=x",
		"V\t350101000060Z\t\t1000\tunknown\t/CN=x",
		"V\t350101000000Z\t\t0000\tunknown\t/CN=x",
		"V\t350101000000Z\t\t 1000\tunknown\t/CN=x",
		"V\t350101000000Z\t\t" + strings.Repeat("F", 41) + "\tunknown\t/CN=x",
		"V\t350101000000Z\t\t1000\tunknown\t/CN=x\tseventh",
		"X\t350101000000Z\t\t1000\tunknown\t/CN=x",
		"V\t350101000000Z\t",
		"V\t350101000000Z\t350101000000Z",
		"V\t350101000000Z\t350101000000Z,why",
		"R\t350101000000Z\t350101000000Z,\t1\t\t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		serial, ok := quickIndexLine([]byte(line))
		if !ok {
			return
		}
		e, err := ParseEntry(line)
		if err != nil {
			t.Fatalf("quickIndexLine vouches for %q, which ParseEntry refuses: %v", line, err)
		}
		if e.Serial != string(serial) {
			t.Fatalf("quickIndexLine(%q) found serial %q, ParseEntry %q", line, serial, e.Serial)
		}
	})
}

// TestQuickIndexTimeAgrees: every date quickIndexTime vouches for, in a
// sweep over the edges of every field in both lengths, parseIndexTime
// accepts; and it vouches for every day of every month of a common year,
// so that it spares revocation the parse of nearly every line.
func TestQuickIndexTimeAgrees(t *testing.T) {
	t.Parallel()
	vouched := 0
	for _, year := range []string{"25", "49", "50", "99", "00", "2024", "2025", "2050", "1900", "2100", "0000"} {
		for month := 0; month <= 13; month++ {
			for day := 0; day <= 32; day++ {
				for _, hms := range []string{"000000", "235959", "240000", "236000", "235960", "999999"} {
					s := fmt.Sprintf("%s%02d%02d%sZ", year, month, day, hms)
					if quickIndexTime([]byte(s)) != len(s) {
						continue
					}
					vouched++
					if _, err := parseIndexTime(s); err != nil {
						t.Errorf("quickIndexTime vouches for %s, which parseIndexTime refuses: %v", s, err)
					}
				}
			}
		}
	}
	for d := time.Date(2025, 1, 1, 12, 30, 45, 0, time.UTC); d.Year() == 2025; d = d.AddDate(0, 0, 1) {
		for _, s := range []string{formatIndexTime(d), formatIndexTime(d.AddDate(100, 0, 0))} {
			if quickIndexTime([]byte(s)) != len(s) {
				t.Errorf("quickIndexTime does not vouch for %s (%v): revocation would parse such lines", s, d)
			}
		}
	}
	if vouched == 0 {
		t.Error("the sweep vouched for nothing")
	}
}

// indexLine is an index line as the signer writes it.
func indexLine(status Status, serial, subject string) string {
	e := Entry{Status: status, Expiry: time.Date(2035, 1, 2, 3, 4, 5, 0, time.UTC), Serial: serial, File: "unknown", Subject: subject}
	if status == StatusRevoked {
		e.Revoked = time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
		e.Reason = "superseded"
	}
	return e.String()
}

// rewriteParsed is what Revoke did before it spliced: parse every line
// (ReadDatabase), change the first line of serial, format every line.
func rewriteParsed(t *testing.T, path, serial string, change func(*Entry)) []byte {
	t.Helper()
	entries, err := ReadDatabase(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	done := false
	for _, e := range entries {
		if !done && strings.EqualFold(e.Serial, serial) {
			change(&e)
			done = true
		}
		b.WriteString(e.String() + "\n")
	}
	if !done {
		t.Fatalf("serial %s is not in the index", serial)
	}
	return b.Bytes()
}

// TestSpliceAsRewrite: on an index of lines as the signer writes them,
// with CRLF line ends, a missing last newline, a torn last line, a
// lowercase serial, a serial twice, or the serial's text in another line's
// file name, the spliced index is byte for byte what parsing and writing
// every line gave, which openssl and ReadDatabase read.
func TestSpliceAsRewrite(t *testing.T) {
	t.Parallel()
	a := indexLine(StatusValid, "1000", "/CN=ca")
	b := indexLine(StatusRevoked, "1001", "/CN=b")
	c := indexLine(StatusValid, "1002", "/CN=c")
	d := indexLine(StatusValid, "1003", "/CN=d")
	fileNamed := strings.Replace(indexLine(StatusValid, "1004", "/CN=e"), "unknown", "1002", 1)
	torn := d[:20]
	for _, tc := range []struct {
		name, index, serial string
	}{
		{"first line", a + "\n" + b + "\n" + c + "\n", "1000"},
		{"middle line", a + "\n" + b + "\n" + c + "\n" + d + "\n", "1002"},
		{"last line", a + "\n" + b + "\n" + c + "\n", "1002"},
		{"only line", c + "\n", "1002"},
		{"no last newline", a + "\n" + b + "\n" + c, "1000"},
		{"no last newline, its line", a + "\n" + b + "\n" + c, "1002"},
		{"torn last line", a + "\n" + c + "\n" + torn, "1002"},
		{"torn last line, first", a + "\n" + c + "\n" + torn, "1000"},
		{"torn last line with NULs", a + "\n" + c + "\n" + torn + "\x00\x00", "1002"},
		{"CRLF", a + "\r\n" + b + "\r\n" + c + "\r\n" + d + "\r\n", "1002"},
		{"CRLF, no last newline", a + "\r\n" + c + "\r", "1002"},
		{"some CRLF", a + "\n" + b + "\r\n" + c + "\n", "1002"},
		{"CRLF, torn", a + "\r\n" + c + "\r\n" + torn, "1000"},
		{"lowercase serial in the index", a + "\n" + strings.Replace(c, "1002", "10aa", 1) + "\n", "10AA"},
		{"serial twice", a + "\n" + c + "\n" + b + "\n" + c + "\n", "1002"},
		{"serial as a file name first", a + "\n" + fileNamed + "\n" + c + "\n", "1002"},
		{"revoked already", a + "\n" + b + "\n", "1001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "database.txt")
			writeTestFile(t, path, tc.index)
			change := func(e *Entry) {
				e.Status, e.Revoked, e.Reason = StatusRevoked, time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC), "keyCompromise"
			}
			want := rewriteParsed(t, path, tc.serial, change)
			x, err := scanIndex(path, []byte(tc.index), tc.serial)
			if err != nil {
				t.Fatal(err)
			}
			if !x.found {
				t.Fatalf("serial %s not found", tc.serial)
			}
			e := x.entry
			change(&e)
			// In a buffer of its size, and in one with room to move
			// the lines after the serial's, as readIndex leaves it.
			for _, room := range []int{0, 512} {
				data := make([]byte, len(tc.index), len(tc.index)+room)
				copy(data, tc.index)
				x, err := scanIndex(path, data, tc.serial)
				if err != nil {
					t.Fatal(err)
				}
				if got := x.replaced(e.String()); !bytes.Equal(got, want) {
					t.Errorf("room %d: spliced index\n%q\nwant (parsed and written)\n%q", room, got, want)
				}
			}
		})
	}
}

// TestSpliceKeepsOtherLinesBytes: a line the signer would write otherwise
// (no file name, a four-digit year before 2050), which the rewrite used to
// normalise, is copied as it was, and reads as the same entry.
func TestSpliceKeepsOtherLinesBytes(t *testing.T) {
	t.Parallel()
	odd := "V\t20350102030405Z\t\t1000\t\t/CN=odd"
	c := indexLine(StatusValid, "1002", "/CN=c")
	index := odd + "\n" + c + "\n"
	path := filepath.Join(t.TempDir(), "database.txt")
	writeTestFile(t, path, index)
	before, err := ReadDatabase(path)
	if err != nil {
		t.Fatal(err)
	}
	x, err := scanIndex(path, []byte(index), "1002")
	if err != nil || !x.found {
		t.Fatalf("scan: found %v, %v", x != nil && x.found, err)
	}
	e := x.entry
	e.Status, e.Revoked = StatusRevoked, time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	got := x.replaced(e.String())
	if want := odd + "\n" + e.String() + "\n"; string(got) != want {
		t.Errorf("spliced index\n%q\nwant\n%q", got, want)
	}
	writeTestFile(t, path, string(got))
	after, err := ReadDatabase(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 2 || after[0] != before[0] || after[1] != e {
		t.Errorf("read back %+v, want %+v and %+v", after, before[0], e)
	}
}

// TestScanIndexErrorsAsReadDatabase: a bad line anywhere, or a bad
// unterminated last line, is refused with ReadDatabase's own error (line
// number, ErrBadStore), also when the serial's line comes first and is
// good.
func TestScanIndexErrorsAsReadDatabase(t *testing.T) {
	t.Parallel()
	good := indexLine(StatusValid, "1001", "/CN=a") + "\n"
	for _, bad := range []string{
		"X\t350101000000Z\t\t1002\tunknown\t/CN=bad status\n",
		"V\t350101000000Z\t\t1002\tunknown\n",
		"V\t351341000000Z\t\t1002\tunknown\t/CN=bad expiry\n",
		"V\t350101000000Z\t\tXYZ\tunknown\t/CN=bad serial\n",
		"V\t350101000000Z\tyesterday\t1002\tunknown\t/CN=bad revocation\n",
		"\n",
		"V\t350101000000Z\t\t1002\tunknown\t/CN=cr alone\rV\t350101000000Z\t\t1003\tunknown\t/CN=x",
	} {
		for _, index := range []string{good + bad, bad + good, good + bad + good} {
			path := filepath.Join(t.TempDir(), "database.txt")
			writeTestFile(t, path, index)
			_, want := ReadDatabase(path)
			if want == nil {
				t.Fatalf("ReadDatabase accepts %q", index)
			}
			_, err := scanIndex(path, []byte(index), "1001")
			if err == nil || err.Error() != want.Error() {
				t.Errorf("scanIndex(%q) = %v, want %v", index, err, want)
			}
		}
	}
}

// writeTestFile writes text to path or fails the test.
func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkScanIndex is the CPU a revocation spends on the index at 5 000
// lines: checking every line and finding the serial's (scanIndex), and
// the splice (replaced), with a copy of the text standing in for its read.
func BenchmarkScanIndex(b *testing.B) {
	var sb strings.Builder
	for i := range 5000 {
		sb.WriteString(indexLine(StatusValid, fmt.Sprintf("%X", 0x1001+i), fmt.Sprintf("/C=US/O=Example Inc./CN=host%d.example.com", i)) + "\n")
	}
	data := []byte(sb.String())
	buf := make([]byte, 0, len(data)+512)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		buf = append(buf[:0], data...) // replaced moves lines within it
		x, err := scanIndex("database.txt", buf, "1FFF")
		if err != nil || !x.found {
			b.Fatal(x, err)
		}
		_ = x.replaced(x.entry.String())
	}
}

// TestReadRevokedAsReadDatabase: readRevoked is ReadDatabase's revoked
// entries, in order, on every index of TestSpliceAsRewrite's kinds, and
// fails with ReadDatabase's error on a bad line.
func TestReadRevokedAsReadDatabase(t *testing.T) {
	t.Parallel()
	a := indexLine(StatusValid, "1000", "/CN=ca")
	b := indexLine(StatusRevoked, "1001", "/CN=b")
	c := indexLine(StatusValid, "1002", "/CN=c")
	r := indexLine(StatusRevoked, "1003", "/CN=d")
	odd := "R\t20350102030405Z\t20240229000000Z\t 1004\t\t/CN=odd"
	for _, index := range []string{
		"", "\n", a + "\n", a + "\n" + b + "\n" + c + "\n" + r + "\n",
		b + "\r\n" + c + "\r\n" + r, b + "\n" + r[:30], b + "\n" + odd + "\n" + r + "\r",
		a + "\n" + "V\t351341000000Z\t\t1002\tunknown\t/CN=bad expiry\n" + b + "\n",
		b + "\n" + "R\t350101000000Z\tnever\t1002\tunknown\t/CN=bad revocation\n",
		b + "\n" + "V\t350101000000Z\t\t1002\tunknown\t/CN=cr alone\rV\t350101000000Z\t\t1003\tunknown\t/CN=x",
	} {
		path := filepath.Join(t.TempDir(), "database.txt")
		writeTestFile(t, path, index)
		all, werr := ReadDatabase(path)
		var want []Entry
		for _, e := range all {
			if e.Status == StatusRevoked {
				want = append(want, e)
			}
		}
		got, err := readRevoked(path)
		if fmt.Sprint(err) != fmt.Sprint(werr) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("readRevoked(%q) = %v, %v; want %v, %v", index, got, err, want, werr)
		}
	}
}
