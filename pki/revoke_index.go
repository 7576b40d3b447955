package pki

import (
	"bytes"
	"fmt"
)

// indexText is the index's text, read whole, with every line checked as
// ReadDatabase checks it and one serial's line found, so that a revocation
// can change that line and copy the others' bytes: parsing and formatting
// every line was most of a revocation's time at 5 000 lines
// (docs/performance.md), and openssl's TXT_DB, too, writes back the fields
// it read.
type indexText struct {
	data []byte
	// keep is how much of data is kept: all of it, or up to a torn last
	// line, which readers skip and a rewrite drops (it was never issued).
	keep int
	// unterminated: data[:keep] ends in a whole entry without its newline,
	// which the rewrite completes.
	unterminated bool
	// hasCR: some line ends in "\r\n" (an index saved with CRLF line ends);
	// the rewrite ends every line in '\n' alone, as it always has (see
	// docs/cli.md).
	hasCR bool
	// start and end delimit the serial's line, without its '\n'; found
	// is false when no line has the serial.
	start, end int
	found      bool
	// entry is the serial's line, parsed.
	entry Entry
}

// scanIndex checks every line of the index text data (read from path) as
// ReadDatabase does, with its errors, and finds the first line whose serial
// is serial, ignoring case, as Revoke always has. Most lines are checked by
// quickIndexLine, without parsing; a line it cannot vouch for is parsed by
// ParseEntry, whose verdict stands.
func scanIndex(path string, data []byte, serial string) (*indexText, error) {
	x := &indexText{data: data, keep: len(data)}
	if string(data) == "\n" { // ReadDatabase's empty index
		return x, nil
	}
	tail, tailNo, err := indexLines(path, data, func(l checkedLine) error {
		if bytes.HasSuffix(l.raw, []byte("\r")) {
			x.hasCR = true
		}
		if x.found || !bytes.EqualFold(l.serial, []byte(serial)) {
			return nil
		}
		e, err := l.entry(path)
		if err == nil {
			x.setFound(l.off, l.off+len(l.raw), e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return x, x.scanTail(path, tail, tailNo, serial)
}

// checkedLine is one newline-terminated line of the index text, checked.
type checkedLine struct {
	// off is where the line starts in the text, no its number (from 1).
	off, no int
	// raw is the line without its '\n' ('\r' and all), serial its serial.
	raw, serial []byte
	// parsed is the line's entry when quickIndexLine could not vouch for
	// it and ParseEntry read it.
	parsed *Entry
}

// entry is the line's entry, parsed now if it was not.
func (l checkedLine) entry(path string) (Entry, error) {
	if l.parsed != nil {
		return *l.parsed, nil
	}
	return parseIndexLine(path, l.no, l.raw)
}

// parseIndexLine is ParseEntry of line no of path's index, with its error
// as ReadDatabase words it.
func parseIndexLine(path string, no int, raw []byte) (Entry, error) {
	e, err := ParseEntry(string(raw))
	if err != nil {
		return Entry{}, fmt.Errorf("read database %s: line %d: %w: %w", path, no, err, ErrBadStore)
	}
	return e, nil
}

// indexLines walks the index text data (read from path) line by line as
// ReadDatabase reads it: each newline-terminated line is checked by
// quickIndexLine or, where it cannot vouch for the line, by ParseEntry,
// whose error ends the walk; fn gets every line that passes. It returns
// the offset and number of what follows the last newline (tail ==
// len(data) when nothing does), for the caller's classifyTail.
func indexLines(path string, data []byte, fn func(checkedLine) error) (tail, tailNo int, err error) {
	off, no := 0, 1
	for ; off < len(data); no++ {
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			break
		}
		l := checkedLine{off: off, no: no, raw: data[off : off+nl]}
		var ok bool
		if l.serial, ok = quickIndexLine(bytes.TrimSuffix(l.raw, []byte("\r"))); !ok {
			e, err := parseIndexLine(path, no, l.raw)
			if err != nil {
				return 0, 0, err
			}
			l.parsed, l.serial = &e, []byte(e.Serial)
		}
		if err := fn(l); err != nil {
			return 0, 0, err
		}
		off += nl + 1
	}
	return off, no, nil
}

// scanTail classifies the unterminated last line, from off, as
// ReadDatabase does: a whole entry is kept (and completed), the beginning
// of one that a crash cut short is dropped, anything else is refused.
func (x *indexText) scanTail(path string, off, lineNo int, serial string) error {
	e, kind, err := classifyTail(string(x.data[off:]))
	switch kind {
	case tailTorn:
		x.keep = off
	case tailBad:
		return fmt.Errorf("read database %s: line %d: %w", path, lineNo, unterminatedError(err))
	case tailWhole:
		x.unterminated = true
		if x.data[len(x.data)-1] == '\r' {
			x.hasCR = true
		}
		if !x.found && bytes.EqualFold([]byte(e.Serial), []byte(serial)) {
			x.setFound(off, len(x.data), e)
		}
	}
	return nil
}

// setFound records data[start:end] as the serial's line, e.
func (x *indexText) setFound(start, end int, e Entry) {
	x.start, x.end, x.found, x.entry = start, end, true, e
}

// replaced is the index text with the serial's line replaced by line (no
// line end): every other line's bytes as read, each line ending in '\n'
// alone, a torn last line left out. Without CR line ends it moves the
// lines after the serial's within data's array when it has room (as
// readIndex leaves it), instead of copying the whole text: x is spent
// after.
func (x *indexText) replaced(line string) []byte {
	if !x.hasCR {
		size := x.start + len(line) + x.keep - x.end
		if x.unterminated {
			size++
		}
		var out []byte
		if size <= cap(x.data) {
			out = x.data[:size]
		} else {
			out = make([]byte, size)
			copy(out, x.data[:x.start])
		}
		copy(out[x.start+len(line):], x.data[x.end:x.keep]) // first: the line may overlap them
		copy(out[x.start:], line)
		if x.unterminated {
			out[size-1] = '\n'
		}
		return out
	}
	out := make([]byte, 0, x.keep+len(line)+2)
	for off := 0; off < x.keep; {
		nl := bytes.IndexByte(x.data[off:x.keep], '\n')
		next := off + nl + 1
		if nl < 0 {
			nl, next = x.keep-off, x.keep
		}
		if off == x.start {
			out = append(out, line...)
		} else {
			out = append(out, bytes.TrimSuffix(x.data[off:off+nl], []byte("\r"))...)
		}
		out = append(out, '\n')
		off = next
	}
	return out
}

// quickIndexLine returns the serial of line (without its line end) when it
// is plainly an index line ParseEntry accepts: six tab-separated fields, a
// status of V, R or E, dates of 12 or 14 digits and a Z within the plain
// ranges of a calendar, and a serial of 1 to 40 hexadecimal digits, not all
// zeros. It parses nothing and allocates nothing: one pass over the line.
// ok false only means "parse it": the line may still be valid (a 29
// February, a serial with spaces around it).
func quickIndexLine(line []byte) (serial []byte, ok bool) {
	if len(line) < 2 || line[1] != '\t' || (line[0] != 'V' && line[0] != 'R' && line[0] != 'E') {
		return nil, false
	}
	rest := line[2:]
	n := quickIndexTime(rest)
	if n == 0 || len(rest) <= n || rest[n] != '\t' {
		return nil, false
	}
	rest = rest[n+1:]
	if len(rest) == 0 {
		return nil, false
	}
	if rest[0] != '\t' { // revocation date[,reason]
		if n = quickIndexTime(rest); n == 0 || len(rest) <= n {
			return nil, false
		}
		if rest[n] == ',' {
			if n = bytes.IndexByte(rest, '\t'); n < 0 {
				return nil, false
			}
		}
		if rest[n] != '\t' {
			return nil, false
		}
		rest = rest[n:]
	}
	rest = rest[1:]
	n = quickSerial(rest)
	if n == 0 || len(rest) <= n || rest[n] != '\t' {
		return nil, false
	}
	// The file name and the subject: one tab between them, none after.
	if bytes.Count(rest[n+1:], []byte("\t")) != 1 {
		return nil, false
	}
	return rest[:n], true
}

// daysIn are the days of each month of a common year.
var daysIn = [13]byte{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// quickIndexTime is the length of the date that s starts with when it is
// plainly one parseIndexTime accepts (YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ,
// month 1-12, a day every year has in that month, so no 29 February, and
// hour, minute and second in range), and 0 otherwise.
func quickIndexTime(s []byte) int {
	n := 0
	switch {
	case len(s) >= 13 && s[12] == 'Z':
		n = 13
	case len(s) >= 15 && s[14] == 'Z':
		n = 15
	default:
		return 0
	}
	// The last 12 digits of either form: MMDDHHMMSS after the year.
	p := (*[12]byte)(s[n-13 : n-1])
	for _, c := range p {
		if c-'0' > 9 {
			return 0
		}
	}
	if n == 15 && (s[0]-'0' > 9 || s[1]-'0' > 9) {
		return 0
	}
	month := (p[2]-'0')*10 + p[3] - '0'
	day := (p[4]-'0')*10 + p[5] - '0'
	if month < 1 || month > 12 || day < 1 || day > daysIn[month] ||
		(p[6]-'0')*10+p[7]-'0' > 23 || (p[8]-'0')*10+p[9]-'0' > 59 || (p[10]-'0')*10+p[11]-'0' > 59 {
		return 0
	}
	return n
}

// quickSerial is the length of the serial that s starts with, up to a tab
// or its end, when it is 1 to 40 hexadecimal digits, not all zeros (one
// parseSerial accepts as it is), and 0 otherwise.
func quickSerial(s []byte) int {
	nonzero := false
	for i, c := range s {
		switch {
		case c == '\t':
			if !nonzero || i > 40 {
				return 0
			}
			return i
		case c == '0':
		case '1' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			nonzero = true
		default:
			return 0
		}
	}
	if !nonzero || len(s) > 40 {
		return 0
	}
	return len(s)
}
