package inspect

import "errors"

// ErrNotInspectable reports input that Bytes and File cannot describe: not
// PEM or DER, a PEM block of a type they do not know, a truncated or
// malformed block.
var ErrNotInspectable = errors.New("not a certificate, request, CRL or key")
