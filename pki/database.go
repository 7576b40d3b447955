package pki

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// Status is the first column of an openssl `ca` index line.
type Status byte

// The statuses openssl `ca` writes.
const (
	StatusValid   Status = 'V'
	StatusRevoked Status = 'R'
	StatusExpired Status = 'E'
)

// Entry is one line of database.txt, the openssl `ca` index.
type Entry struct {
	Status Status
	// Expiry is the certificate's notAfter.
	Expiry time.Time
	// Revoked is the revocation time, zero unless Status is StatusRevoked.
	Revoked time.Time
	// Reason is the optional revocation reason after the comma
	// (keyCompromise, superseded, ...).
	Reason string
	// Serial is uppercase hexadecimal with an even number of digits.
	Serial string
	// File is the certificate's file name; openssl writes "unknown", and so
	// do String and ParseEntry for an empty one.
	File string
	// Subject is the subject as X509_NAME_oneline prints it (Name.OneLine).
	Subject string
}

// String formats the entry as its index line, without the newline:
// six tab-separated fields exactly as openssl `ca` writes them.
func (e Entry) String() string {
	revoked := ""
	// A reason keeps its date even when the date is the zero time, which
	// "00010101000000Z" parses to.
	if !e.Revoked.IsZero() || e.Reason != "" {
		revoked = formatIndexTime(e.Revoked)
		if e.Reason != "" {
			revoked += "," + e.Reason
		}
	}
	file := e.File
	if file == "" {
		file = "unknown"
	}
	return strings.Join([]string{string(e.Status), formatIndexTime(e.Expiry), revoked, e.Serial, file, e.Subject}, "\t")
}

// ParseEntry reads one index line (without its newline). A trailing '\r',
// left by an editor that saved the index with CRLF line ends, is not part
// of the subject and is dropped.
func ParseEntry(line string) (Entry, error) {
	line = strings.TrimSuffix(line, "\r")
	f := strings.Split(line, "\t")
	if len(f) != 6 {
		return Entry{}, fmt.Errorf("want 6 tab-separated fields, have %d", len(f))
	}
	if len(f[0]) != 1 || !strings.Contains("VRE", f[0]) {
		return Entry{}, fmt.Errorf("status %s is not V, R or E", quoteField(f[0], 1))
	}
	e := Entry{Status: Status(f[0][0]), Serial: f[3], File: f[4], Subject: f[5]}
	if e.File == "" {
		e.File = "unknown" // as String writes it
	}
	var err error
	if e.Expiry, err = parseIndexTime(f[1]); err != nil {
		return Entry{}, fmt.Errorf("expiry: %w", err)
	}
	if f[2] != "" {
		when, reason, _ := strings.Cut(f[2], ",")
		if e.Revoked, err = parseIndexTime(when); err != nil {
			return Entry{}, fmt.Errorf("revocation date: %w", err)
		}
		e.Reason = reason
	}
	if _, err := parseSerial(e.Serial); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// formatIndexTime writes UTCTime before 2050 and GeneralizedTime from 2050,
// as RFC 5280 encodes the certificate's own dates and openssl copies them.
func formatIndexTime(t time.Time) string {
	t = t.UTC()
	if t.Year() >= 1950 && t.Year() < 2050 {
		return t.Format("060102150405Z")
	}
	return t.Format("20060102150405Z")
}

func parseIndexTime(s string) (time.Time, error) {
	switch len(s) {
	case len("060102150405Z"):
		t, err := time.Parse("060102150405Z", s)
		if err == nil && t.Year() >= 2050 {
			t = t.AddDate(-100, 0, 0) // UTCTime's YY 50..99 are 1950..1999
		}
		return t, err
	case len("20060102150405Z"):
		return time.Parse("20060102150405Z", s)
	}
	return time.Time{}, fmt.Errorf("%s is not YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ", quoteField(s, len("20060102150405Z")))
}

// quoteField quotes a field of a store file for an error message when it is
// no longer than the longest valid value, limit bytes; a longer one is only
// measured. A corrupt or hostile serial.txt or index (a key copied over it,
// a line of binary) must not end up on the terminal or in a log.
func quoteField(s string, limit int) string {
	if len(s) > limit {
		return fmt.Sprintf("(%d bytes)", len(s))
	}
	return strconv.Quote(s)
}

// maxDatabaseSize bounds database.txt when read whole (listing, revoking);
// a million certificates fit.
const maxDatabaseSize = 256 << 20

// ReadDatabase reads every entry of the index at path. Line numbers in
// errors count from 1. A last line without its newline is read when it is
// a whole entry, and skipped when it is the beginning of one, what a crash
// in the middle of an append leaves (the next signer cuts it off); anything
// else there (lines ending in CR alone, text) is an error, as it is for the
// signer (see classifyTail).
func ReadDatabase(path string) ([]Entry, error) {
	data, err := readIndexText(path)
	if err != nil {
		return nil, err
	}
	text := string(data)
	if text == "\n" {
		return nil, nil
	}
	lines := strings.Split(text, "\n")
	last := len(lines) - 1
	var entries []Entry
	for i, line := range lines {
		if i == last {
			switch e, kind, err := classifyTail(line); kind {
			case tailWhole:
				entries = append(entries, e)
			case tailBad:
				return nil, fmt.Errorf("read database %s: line %d: %w", path, i+1, unterminatedError(err))
			}
			break
		}
		e, err := ParseEntry(line)
		if err != nil {
			return nil, fmt.Errorf("read database %s: line %d: %w: %w", path, i+1, err, ErrBadStore)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// appendEntries adds entries to the end of the index open in f, in one
// write, and syncs it.
//
// This is the one file we do not replace through a temporary file: rewriting
// the whole index per certificate is what makes `openssl ca` slower with
// every certificate issued. Appending costs the same at any size. A crash in
// the middle of the write can leave a torn last line; every append (always
// under the store's lock) first cuts such a tail back to the last newline,
// so the index only ever holds whole lines.
//
// New lines end in '\n' alone, also in an index saved with CRLF line ends:
// `openssl ca` does the same (it takes the '\r' for the end of the subject
// and writes its own lines with '\n'), and goes on reading the result. The
// old lines are left as they are.
//
// certDir is where each serial's certificate is (certs/), for
// repairTornTail. A write or a flush that fails (a full disk takes part of
// the lines) is undone: the index is cut back to where the append started,
// so that no line of a batch reported failed is left to be read as issued.
func appendEntries(f *os.File, entries []Entry, certDir string) error {
	var buf bytes.Buffer
	for _, e := range entries {
		buf.WriteString(e.String())
		buf.WriteByte('\n')
	}
	end, err := repairTornTail(f, certDir)
	if err != nil {
		return err
	}
	if _, err := writeIndexAt(f, buf.Bytes(), end); err != nil {
		return cutBack(f, end, safefile.UnwrapPathError(err))
	}
	if err := f.Sync(); err != nil {
		return cutBack(f, end, safefile.UnwrapPathError(err))
	}
	return nil
}

// writeIndexAt writes the appended lines; a variable for the test that
// makes it fail half-way, as a full disk does.
var writeIndexAt = (*os.File).WriteAt

// cutBack undoes an append that failed with cause: f is cut back to end,
// where the append started, and flushed. Cutting takes no free space. When
// it fails too, some of the lines may be left, and the error says so.
func cutBack(f *os.File, end int64, cause error) error {
	if err := truncateSync(f, end); err != nil {
		return fmt.Errorf("%w; cutting the index back to its last whole line failed too (%w): some of the new lines may be left, run pkienroll ca check: %w", cause, err, ErrBadStore)
	}
	return cause
}

// repairTornTail makes f end with a whole line, and returns the size it
// then has: an unterminated last line that is a whole entry (written by
// hand without a newline) gets its newline; the beginning of one (a write
// a crash cut short) is cut off. A crash can cut a line inside its
// subject, the last field, so that it reads as a whole entry with a
// shorter subject: a line whose subject is the beginning of its
// certificate's (certDir/SERIAL.pem) is such a line, and cut off too.
// Anything else is refused with f unchanged (see classifyTail); commit has
// refused it already (lastIndexEntry), before anything changed.
func repairTornTail(f *os.File, certDir string) (int64, error) {
	t, err := indexTail(f)
	if err != nil {
		return 0, err
	}
	if t.kind == tailWhole && subjectCutShort(t.entry, certDir) {
		t.kind = tailTorn
	}
	switch t.kind {
	case tailNone:
		return t.size, nil
	case tailWhole:
		if _, err := f.WriteAt([]byte("\n"), t.size); err != nil {
			return 0, safefile.UnwrapPathError(err)
		}
		return t.size + 1, nil
	case tailTorn:
		return t.lineStart, truncateSync(f, t.lineStart)
	}
	_, err = t.lastEntry(f)
	return 0, err
}

// subjectCutShort reports whether e's subject is a strict beginning of the
// subject of its certificate in certDir, which a line cut inside its last
// field has. Without a readable certificate it reports false: the line is
// taken as written.
func subjectCutShort(e Entry, certDir string) bool {
	n, err := parseSerial(e.Serial)
	if err != nil || certDir == "" {
		return false
	}
	cert, err := ReadCertificate(filepath.Join(certDir, FormatSerial(n)+".pem"))
	if err != nil {
		return false
	}
	subject, err := dn.ParseDER(cert.RawSubject)
	if err != nil {
		return false
	}
	full := subject.OneLine()
	return len(e.Subject) < len(full) && strings.HasPrefix(full, e.Subject)
}

// lastIndexEntry checks the end of the index open in f before a signer
// appends to it, and returns its last entry (nil when it has none). It
// refuses, changing nothing, a last line without its newline that is
// neither an entry nor the beginning of one (see classifyTail), and a
// last whole line that is no entry: openssl ca refuses to load an index
// with such a line, and lines appended after it would be as unreadable.
// Only the end of the index is read, so that signing costs the same
// whatever its size; pkienroll ca check reads every line.
func lastIndexEntry(f *os.File) (*Entry, error) {
	t, err := indexTail(f)
	if err != nil {
		return nil, err
	}
	return t.lastEntry(f)
}

// lastEntry is lastIndexEntry of the index open in f, whose end is t.
func (t indexEnd) lastEntry(f *os.File) (*Entry, error) {
	switch t.kind {
	case tailBad:
		return nil, fmt.Errorf("database %s: last line: %w", f.Name(), unterminatedError(t.why))
	case tailWhole:
		return &t.entry, nil
	}
	lineStart := t.lineStart
	if lineStart == 0 {
		return nil, nil // empty
	}
	// The last whole line ends with the newline at lineStart-1.
	start, err := lastLineStart(f, lineStart-1)
	if err != nil {
		return nil, err
	}
	line := make([]byte, lineStart-1-start)
	if _, err := f.ReadAt(line, start); err != nil && !errors.Is(err, io.EOF) {
		return nil, safefile.UnwrapPathError(err)
	}
	if start == 0 && len(line) == 0 {
		return nil, nil // "\n", ReadDatabase's empty index
	}
	e, err := ParseEntry(string(line))
	if err != nil {
		return nil, fmt.Errorf("database %s: last line: %w: %w", f.Name(), err, ErrBadStore)
	}
	return &e, nil
}

// indexEnd is the unterminated last line of an index, from lineStart to
// size, as classifyTail tells it: its entry when kind is tailWhole, why it
// is none when kind is tailBad.
type indexEnd struct {
	lineStart, size int64
	kind            tailKind
	entry           Entry
	why             error
}

// indexTail finds and classifies the unterminated last line of the index
// open in f.
func indexTail(f *os.File) (indexEnd, error) {
	fi, err := f.Stat()
	if err != nil {
		return indexEnd{}, safefile.UnwrapPathError(err)
	}
	t := indexEnd{size: fi.Size()}
	if t.lineStart, err = lastLineStart(f, t.size); err != nil {
		return indexEnd{}, err
	}
	if t.lineStart == t.size {
		return t, nil // tailNone
	}
	tail := make([]byte, t.size-t.lineStart)
	if _, err := f.ReadAt(tail, t.lineStart); err != nil && !errors.Is(err, io.EOF) {
		return indexEnd{}, safefile.UnwrapPathError(err)
	}
	t.entry, t.kind, t.why = classifyTail(string(tail))
	return t, nil
}

// lastLineStart is the offset just after the last newline of f (0 when it
// has none), found by reading backwards from size in small chunks.
func lastLineStart(f *os.File, size int64) (int64, error) {
	const chunk = 4096
	buf := make([]byte, chunk)
	for end := size; end > 0; {
		start := max(end-chunk, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, safefile.UnwrapPathError(err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

func truncateSync(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return safefile.UnwrapPathError(err)
	}
	return safefile.UnwrapPathError(f.Sync())
}

// readIndexText reads the index at path whole, in one read sized to the
// file (readIndex), with what capacity the read left after it.
func readIndexText(path string) ([]byte, error) {
	var buf bytes.Buffer
	if err := readIndex(path, &buf); err != nil {
		return nil, fmt.Errorf("read database %s: %w", path, err)
	}
	return buf.Bytes(), nil
}
