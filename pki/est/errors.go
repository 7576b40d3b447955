package est

import "errors"

// Sentinel errors of token handling; each error the package returns wraps
// at most one of them (or one of package pki's).
var (
	// ErrUnknownToken reports a token that this directory never issued.
	ErrUnknownToken = errors.New("unknown token")
	// ErrTokenUsed reports a token that has already enrolled a certificate,
	// or that another enrollment is using right now.
	ErrTokenUsed = errors.New("token was used already")
	// ErrTokenRevoked reports a token that `token revoke` took back.
	ErrTokenRevoked = errors.New("token was revoked")
	// ErrTokenExpired reports a token past its expiry.
	ErrTokenExpired = errors.New("token expired")
	// ErrTokenSigning reports a token that an enrollment is signing with,
	// under the store's lock, so that `token revoke` cannot take it back:
	// it ends used, or active again if the signing fails.
	ErrTokenSigning = errors.New("an enrollment is signing with the token")
	// ErrNotAllowed reports a request for a name, subject or SAN that the
	// token or the current certificate does not grant.
	ErrNotAllowed = errors.New("not allowed")
)
