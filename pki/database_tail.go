package pki

import (
	"fmt"
	"strings"
)

// tailKind is what follows the last newline of the index.
type tailKind int

const (
	// tailNone: nothing, the index ends with a newline (or is empty).
	tailNone tailKind = iota
	// tailWhole: a whole entry without its newline, as a hand edit or a
	// script leaves it; the signer completes it.
	tailWhole
	// tailTorn: the beginning of an index line as String writes it, what a
	// crash in the middle of appendEntries leaves; readers skip it and the
	// signer cuts it off (it was never flushed, so no one was told of it).
	tailTorn
	// tailBad: anything else (lines ending in CR alone, text, a line with a
	// bad field); cutting it could lose records, so it is refused.
	tailBad
)

// classifyTail tells what the unterminated last line of the index is. For
// a whole entry it returns the entry; for a bad one, why it is no entry.
//
// A crash in the middle of an append leaves a prefix of the lines
// appendEntries writes: whole lines, then the beginning of one, each field
// in its format, no CR; a file system that grew the file before its data
// reached the disk may pad it with NUL bytes. So a torn line is one that,
// its NUL padding removed, could still become an index line; a line that
// already cannot (a bad date, a seventh field, a CR, lines separated by CR
// alone, which are one long "line" of too many fields) was not written by
// the signer and is refused.
func classifyTail(line string) (Entry, tailKind, error) {
	if line == "" {
		return Entry{}, tailNone, nil
	}
	padded := strings.TrimRight(line, "\x00")
	if padded == line {
		e, err := ParseEntry(line)
		if err == nil {
			return e, tailWhole, nil
		}
		if isLinePrefix(line) {
			return Entry{}, tailTorn, nil
		}
		return Entry{}, tailBad, err
	}
	if isLinePrefix(padded) {
		return Entry{}, tailTorn, nil
	}
	return Entry{}, tailBad, fmt.Errorf("%d NUL bytes after text that is not the beginning of an index line", len(line)-len(padded))
}

// unterminatedError is the error of a tailBad last line.
func unterminatedError(err error) error {
	return fmt.Errorf("no newline, and neither an index line (%v) nor the beginning of one that a crash cut short; lines ending in CR alone? Fix the index by hand: %w", err, ErrBadStore)
}

// isLinePrefix reports whether s is the beginning of an index line as
// appendEntries writes it: tab-separated fields, each but the last whole
// and valid, the last the beginning of a valid one.
func isLinePrefix(s string) bool {
	fields := strings.Split(s, "\t")
	if len(fields) > 6 {
		return false
	}
	last := len(fields) - 1
	for i, f := range fields {
		if !fieldOK(i, f, i == last) {
			return false
		}
	}
	return true
}

// fieldOK checks field i of an index line, or, when partial, that it is the
// beginning of a valid one.
func fieldOK(i int, f string, partial bool) bool {
	switch i {
	case 0: // status
		return (partial && f == "") || (len(f) == 1 && strings.Contains("VRE", f))
	case 1: // expiry
		return timePrefixOK(f, partial)
	case 2: // revocation date[,reason]
		when, reason, hasReason := strings.Cut(f, ",")
		if hasReason {
			return timePrefixOK(when, false) && printableField(reason)
		}
		return f == "" || timePrefixOK(f, partial)
	case 3: // serial
		if partial {
			return strings.Trim(f, "0123456789ABCDEFabcdef") == ""
		}
		_, err := parseSerial(f)
		return err == nil
	}
	// file name, subject
	return (partial || f != "") && printableField(f)
}

// timePrefixOK checks an index date, or the beginning of one when partial.
func timePrefixOK(f string, partial bool) bool {
	if !partial {
		_, err := parseIndexTime(f)
		return err == nil
	}
	digits := strings.TrimSuffix(f, "Z")
	if strings.Trim(digits, "0123456789") != "" || len(digits) > len("20060102150405") {
		return false
	}
	return digits == f || len(digits) == len("060102150405") || len(digits) == len("20060102150405")
}

// printableField reports whether f holds no control character: the signer
// writes none (subjects are written in X509_NAME_oneline's escaped form).
func printableField(f string) bool {
	for i := 0; i < len(f); i++ {
		if f[i] < 0x20 || f[i] == 0x7f {
			return false
		}
	}
	return true
}
