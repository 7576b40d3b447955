// Package opensslsign signs with the CA's RSA key through the platform's
// OpenSSL libcrypto, which computes an RSA-2048 signature in about a third
// of the time Go's crypto/rsa takes on the same core.
//
// The OpenSSL signer is compiled only into builds with the build tag
// "openssl" and cgo enabled (`make build-openssl`); it loads libcrypto with
// dlopen at the first use, so such a binary still runs, with Go's signer,
// where libcrypto is missing. Without the tag (the default, static build)
// New always reports ErrUnavailable and callers keep Go's signer, and this
// package imports no cgo at all.
//
// The environment variable PKIENROLL_SIGNER chooses: "go" keeps Go's
// signer in an openssl build (for comparison, and as an escape hatch);
// "openssl", "auto" or unset use OpenSSL where it loads. Any other value
// keeps Go's signer, and Status says why.
package opensslsign

import (
	"errors"
	"os"
)

// EnvVar is the environment variable that chooses the signer: "go" for
// Go's crypto/rsa, "openssl" or "auto" (or unset) for OpenSSL's where
// this build has it and libcrypto loads.
const EnvVar = "PKIENROLL_SIGNER"

// ErrUnavailable is what New returns when it cannot give an OpenSSL
// signer: the build lacks it, libcrypto did not load, EnvVar asks for Go,
// or the key is not one it handles (only RSA keys of two primes are).
var ErrUnavailable = errors.New("OpenSSL signer not available")

// choice reads EnvVar: use is false, with the reason, when it asks for
// Go's signer or holds a value that is neither "go" nor "openssl"/"auto".
func choice() (use bool, reason string) {
	switch v := os.Getenv(EnvVar); v {
	case "", "auto", "openssl":
		return true, ""
	case "go":
		return false, EnvVar + "=go"
	default:
		return false, EnvVar + "=" + quote(v) + " is not go, openssl or auto"
	}
}

// quote bounds and quotes an environment value for a one-line message.
func quote(v string) string {
	const limit = 40
	if len(v) > limit {
		v = v[:limit] + "..."
	}
	out := make([]byte, 0, len(v)+2)
	out = append(out, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			out = append(out, '?')
			continue
		}
		out = append(out, c)
	}
	return string(append(out, '"'))
}

// Wanted reports whether New would try OpenSSL now: the build has it and
// EnvVar does not ask for Go's signer. It does not load libcrypto.
func Wanted() bool {
	use, _ := choice()
	return Built && use
}
