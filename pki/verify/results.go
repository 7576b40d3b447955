package verify

import (
	"errors"
	"strings"

	"github.com/pkienroll/pkienroll/pki"
)

// ErrFailed reports a certificate that failed at least one check.
var ErrFailed = errors.New("certificate failed verification")

// Results are the outcomes of Certificate's checks, in the order it makes
// them.
type Results []Result

// Failed returns the checks that did not pass.
func (rs Results) Failed() Results {
	var failed Results
	for _, r := range rs {
		if !r.OK {
			failed = append(failed, r)
		}
	}
	return failed
}

// Err returns nil when every check passed, else an *Error naming each
// failed check and why, in one line.
func (rs Results) Err() error {
	if failed := rs.Failed(); len(failed) > 0 {
		return &Error{Failed: failed}
	}
	return nil
}

// Error is the error of Results.Err: the checks that failed.
type Error struct {
	Failed Results
}

// Error lists the failed checks, "key: key does not match the certificate;
// host: ...".
func (e *Error) Error() string {
	parts := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		parts[i] = string(r.Check) + ": " + r.Detail
	}
	return strings.Join(parts, "; ")
}

// Is makes errors.Is see ErrFailed, and pki.ErrKeyMismatch when the key
// check failed.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrFailed:
		return true
	case pki.ErrKeyMismatch:
		return e.has(Key)
	}
	return false
}

// has reports whether check is among the failed ones.
func (e *Error) has(check Check) bool {
	for _, r := range e.Failed {
		if r.Check == check {
			return true
		}
	}
	return false
}
