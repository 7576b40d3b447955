package main

// codedError is an error that exits with its own code rather than 1: a
// usage error found by a command rather than by kong (80), or a renewal
// whose hook failed (exitHookFailed).
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }

func (e *codedError) Unwrap() error { return e.err }
