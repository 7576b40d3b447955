package pki

import (
	"crypto"
	"crypto/sha256"
	"sync"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
)

// caKeyCacheSize bounds the CA keys kept parsed: a process serves one CA,
// and a renewal with a new key adds one more.
const caKeyCacheSize = 4

// caKeyEntry is one CA key file's content, by its SHA-256, parsed, and
// wrapped in the OpenSSL signer when that was wanted and available.
type caKeyEntry struct {
	sum    [sha256.Size]byte
	wanted bool
	key    crypto.Signer
}

// caKeys keeps the CA keys loadCA parsed, so that a long-running server's
// batches do not parse the key file (and make OpenSSL's key object) again
// each time: loadCA still reads the file under the lock every time, and
// a file whose bytes changed (a CA renewal, a new key) is a new entry.
var caKeys struct {
	mu      sync.Mutex
	entries []caKeyEntry
}

// caSigner gives the signer for the CA key file's content data: the key
// parsed by ParseKey, wrapped to sign through OpenSSL's libcrypto when
// this build has it, libcrypto loads and PKIENROLL_SIGNER does not ask
// for Go's signer. Keys OpenSSL does not handle stay Go's. The signer's
// Public is the key's, so x509 checks every signature it makes.
func caSigner(data []byte) (crypto.Signer, error) {
	sum := sha256.Sum256(data)
	wanted := opensslsign.Wanted()
	caKeys.mu.Lock()
	for _, e := range caKeys.entries {
		if e.sum == sum && e.wanted == wanted {
			caKeys.mu.Unlock()
			return e.key, nil
		}
	}
	caKeys.mu.Unlock()
	key, err := ParseKey(data, nil)
	if err != nil {
		return nil, err
	}
	if wanted {
		if fast, err := opensslsign.New(key); err == nil {
			key = fast
		}
	}
	caKeys.mu.Lock()
	defer caKeys.mu.Unlock()
	if len(caKeys.entries) == caKeyCacheSize {
		caKeys.entries = caKeys.entries[1:]
	}
	caKeys.entries = append(caKeys.entries, caKeyEntry{sum: sum, wanted: wanted, key: key})
	return key, nil
}
