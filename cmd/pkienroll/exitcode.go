package main

// exitHookFailed is renew's exit code when the files were renewed but the
// --exec hook failed: the certificate on disk is new, the service may
// still serve the old one (docs/cli.md, exit codes).
const exitHookFailed = 3

// hookFailed is the error of a renewal whose hook failed; run exits
// exitHookFailed for it.
type hookFailed struct{ err error }

func (e *hookFailed) Error() string { return e.err.Error() }

func (e *hookFailed) Unwrap() error { return e.err }
