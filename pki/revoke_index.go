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
	for off, lineNo := 0, 1; off < len(data); lineNo++ {
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			return x, x.scanTail(path, off, lineNo, serial)
		}
		raw := data[off : off+nl]
		line := raw
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1] // as ParseEntry drops it
			x.hasCR = true
		}
		lineSerial, ok := quickIndexLine(line)
		if !ok {
			e, err := ParseEntry(string(raw))
			if err != nil {
				return nil, fmt.Errorf("read database %s: line %d: %w: %w", path, lineNo, err, ErrBadStore)
			}
			lineSerial = []byte(e.Serial)
		}
		if !x.found && bytes.EqualFold(lineSerial, []byte(serial)) {
			e, err := ParseEntry(string(raw))
			if err != nil {
				return nil, fmt.Errorf("read database %s: line %d: %w: %w", path, lineNo, err, ErrBadStore)
			}
			x.setFound(off, off+nl, e)
		}
		off += nl + 1
	}
	return x, nil
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
// alone, a torn last line left out.
func (x *indexText) replaced(line string) []byte {
	out := make([]byte, 0, x.keep+len(line)+2)
	if !x.hasCR {
		out = append(out, x.data[:x.start]...)
		out = append(out, line...)
		out = append(out, x.data[x.end:x.keep]...)
		if x.unterminated {
			out = append(out, '\n')
		}
		return out
	}
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
// zeros. It parses nothing and allocates nothing. ok false only means
// "parse it": the line may still be valid (a 29 February, a serial with
// spaces around it).
func quickIndexLine(line []byte) (serial []byte, ok bool) {
	var f [6][]byte
	rest := line
	for i := range 5 {
		j := bytes.IndexByte(rest, '\t')
		if j < 0 {
			return nil, false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	if bytes.IndexByte(rest, '\t') >= 0 {
		return nil, false
	}
	if len(f[0]) != 1 || (f[0][0] != 'V' && f[0][0] != 'R' && f[0][0] != 'E') {
		return nil, false
	}
	if !quickIndexTime(f[1]) {
		return nil, false
	}
	if len(f[2]) > 0 {
		when, _, _ := bytes.Cut(f[2], []byte(","))
		if !quickIndexTime(when) {
			return nil, false
		}
	}
	if !quickSerial(f[3]) {
		return nil, false
	}
	return f[3], true
}

// quickIndexTime reports whether s is plainly a date parseIndexTime
// accepts: YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ, month 1-12, a day every year
// has in that month (no 29 February), hour, minute and second in range.
func quickIndexTime(s []byte) bool {
	var year int
	switch len(s) {
	case 13:
		year = 2
	case 15:
		year = 4
	default:
		return false
	}
	if s[len(s)-1] != 'Z' {
		return false
	}
	digits := s[:len(s)-1]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	two := func(i int) int { return int(digits[i]-'0')*10 + int(digits[i+1]-'0') }
	month, day := two(year), two(year+2)
	hour, minute, second := two(year+4), two(year+6), two(year+8)
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 {
		return false
	}
	return day <= [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
}

// quickSerial reports whether s is 1 to 40 hexadecimal digits, not all
// zeros: a serial parseSerial accepts as it is.
func quickSerial(s []byte) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	nonzero := false
	for _, c := range s {
		switch {
		case c == '0':
		case '1' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			nonzero = true
		default:
			return false
		}
	}
	return nonzero
}
