package pki

import (
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
	tail, tailNo, err := indexLines(path, data, func(l checkedLine) error {
		if l.parsed == nil && l.raw[0] != byte(StatusRevoked) {
			return nil // vouched for, and not revoked
		}
		e, err := l.entry(path)
		if err == nil && e.Status == StatusRevoked {
			revoked = append(revoked, e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	e, kind, err := classifyTail(string(data[tail:]))
	switch {
	case kind == tailBad:
		return nil, fmt.Errorf("read database %s: line %d: %w", path, tailNo, unterminatedError(err))
	case kind == tailWhole && e.Status == StatusRevoked:
		revoked = append(revoked, e)
	}
	return revoked, nil
}
