//go:build !(openssl && cgo)

package opensslsign

import (
	"crypto"
	"fmt"
)

// Built reports whether this binary was built with the OpenSSL signer
// (build tag "openssl" and cgo). It is false in this build.
const Built = false

// New reports ErrUnavailable: this build has no OpenSSL signer, and the
// caller signs with key itself.
func New(key crypto.Signer) (crypto.Signer, error) {
	return nil, fmt.Errorf("opensslsign: built without the openssl tag or cgo: %w", ErrUnavailable)
}

// Status names the signer New gives RSA keys: "go" in this build.
func Status() string { return "go" }
