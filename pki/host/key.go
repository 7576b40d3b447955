package host

import (
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki"
)

// KeyGen makes a new private key; nil means pki.GenerateKey(pki.DefaultKeyBits).
type KeyGen func() (crypto.Signer, error)

// LoadOrMakeKey is the one rule for a service's key. With reuse, a key
// already at f.Key is read and used (it must have no passphrase: the
// service starts unattended), as engine-setup keeps a proxy's key so that
// a renewed certificate is for the same key. Otherwise, or when there is
// no key yet, gen makes a new one: created says so, and Install must then
// write it (an existing file is replaced only with Options.Force).
func (f Files) LoadOrMakeKey(reuse bool, gen KeyGen) (key crypto.Signer, created bool, err error) {
	if f.Key == "" {
		return nil, false, fmt.Errorf("key: %w", ErrNoPath)
	}
	if reuse {
		switch _, err := os.Lstat(f.Key); {
		case err == nil:
			if key, err = pki.ReadKey(f.Key, nil); err != nil {
				return nil, false, fmt.Errorf("%w (the service needs a key without passphrase)", err)
			}
			return key, false, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, false, fmt.Errorf("check %s: %w", f.Key, safefile.UnwrapPathError(err))
		}
	}
	if gen == nil {
		gen = defaultKey
	}
	if key, err = gen(); err != nil {
		return nil, false, fmt.Errorf("make key for %s: %w", f.Key, err)
	}
	return key, true, nil
}

func defaultKey() (crypto.Signer, error) { return pki.GenerateKey(pki.DefaultKeyBits) }
