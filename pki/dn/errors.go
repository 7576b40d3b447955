package dn

import "errors"

// ErrInvalid reports a distinguished name that cannot be parsed or that
// openssl would refuse (unknown attribute, empty value, bad country, value
// too long, control character).
var ErrInvalid = errors.New("invalid subject")
