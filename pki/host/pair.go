package host

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// ErrPairUnchecked reports a bundle whose certificate comes with a key
// Install cannot read (KeyPEM encrypted, without Key): it cannot tell
// whether the two belong together.
var ErrPairUnchecked = errors.New("the key is encrypted and Bundle.Key is not set: cannot check that it is the certificate's")

// checkPair refuses a bundle whose key and certificate do not belong
// together (pki.ErrKeyMismatch), which the service (Squid, websockify)
// would refuse at its start. The key checked is the one written: KeyPEM
// when it is set and in the clear, else Key. A bundle without both a key
// and a certificate has no pair to check.
func (f Files) checkPair(b Bundle) error {
	if b.Cert == nil || (b.Key == nil && b.KeyPEM == nil) {
		return nil
	}
	key, err := bundleKey(b)
	if err != nil {
		return fmt.Errorf("install key %s with certificate %s: %w", f.Key, f.Cert, err)
	}
	if !pki.KeyMatches(b.Cert.PublicKey, key) {
		return fmt.Errorf("install key %s with certificate %s: %w", f.Key, f.Cert, pki.ErrKeyMismatch)
	}
	return nil
}

// bundleKey is the key Install writes for b, for checkPair.
func bundleKey(b Bundle) (crypto.Signer, error) {
	if b.KeyPEM == nil {
		return b.Key, nil
	}
	key, err := pki.ParseKey(b.KeyPEM, nil)
	switch {
	case err == nil:
		return key, nil
	case errors.Is(err, pki.ErrPassword) && b.Key != nil:
		// Encrypted: Key is what the caller encoded.
		return b.Key, nil
	case errors.Is(err, pki.ErrPassword):
		return nil, ErrPairUnchecked
	}
	return nil, err
}
