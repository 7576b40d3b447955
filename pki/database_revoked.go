package pki

import (
	"bytes"
	"fmt"
)

// readRevoked is ReadDatabase's revoked entries, what a CRL lists: every
// line is checked as ReadDatabase checks it, with its errors, but only the
// revoked ones (and those quickIndexLine cannot vouch for) are parsed, so
// that signing a CRL of a CA with many valid certificates does not parse
// each of their lines under the lock.
func readRevoked(path string) ([]Entry, error) {
	data, err := readIndexText(path)
	if err != nil {
		return nil, err
	}
	if string(data) == "\n" {
		return nil, nil
	}
	var revoked []Entry
	for off, lineNo := 0, 1; off < len(data); lineNo++ {
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			e, kind, err := classifyTail(string(data[off:]))
			switch {
			case kind == tailBad:
				return nil, fmt.Errorf("read database %s: line %d: %w", path, lineNo, unterminatedError(err))
			case kind == tailWhole && e.Status == StatusRevoked:
				revoked = append(revoked, e)
			}
			break
		}
		raw := data[off : off+nl]
		off += nl + 1
		line := bytes.TrimSuffix(raw, []byte("\r"))
		if _, ok := quickIndexLine(line); ok && line[0] != byte(StatusRevoked) {
			continue
		}
		e, err := ParseEntry(string(raw))
		if err != nil {
			return nil, fmt.Errorf("read database %s: line %d: %w: %w", path, lineNo, err, ErrBadStore)
		}
		if e.Status == StatusRevoked {
			revoked = append(revoked, e)
		}
	}
	return revoked, nil
}
