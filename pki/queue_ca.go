package pki

import (
	"bytes"
	"crypto/sha256"
)

// caCache is the CA a SignQueue loaded last, with what ca.pem and the CA
// key held then. Loading the CA parses and checks its key, which costs as
// much as a signature (RSA-2048); a queue takes the lock once a batch, and
// at one client a batch is one certificate. Under the lock the two files
// are read again each time and compared with what the CA was loaded from:
// a CA renewed or a key replaced is loaded anew, as Store.lockCA would.
// Only the queue's run goroutine uses it, one at a time.
type caCache struct {
	cert   []byte
	keySum [sha256.Size]byte
	ca     *ca
}

// load returns the store's CA, loaded again unless ca.pem and the key hold
// what they held when it was last loaded. The caller holds the lock.
func (c *caCache) load(s *Store) (*ca, error) {
	cert, keySum, ok := c.read(s)
	if ok && c.ca != nil && bytes.Equal(cert, c.cert) && keySum == c.keySum {
		return c.ca, nil
	}
	c.ca = nil
	loaded, err := s.loadCA()
	if err != nil {
		return nil, err
	}
	// Kept only when the files are the ones it was loaded from.
	if again, againSum, ok := c.read(s); ok && bytes.Equal(again, cert) && againSum == keySum {
		c.cert, c.keySum, c.ca = cert, keySum, loaded
	}
	return loaded, nil
}

// read returns ca.pem's bytes and the SHA-256 of the CA key file's; false
// when either cannot be read (loadCA then says why).
func (c *caCache) read(s *Store) ([]byte, [sha256.Size]byte, bool) {
	cert, err := readFileLimited(s.CACertPath(), maxCertFileSize, false)
	if err != nil {
		return nil, [sha256.Size]byte{}, false
	}
	key, err := readFileLimited(s.CAKeyPath(), maxKeyFileSize, true)
	if err != nil {
		return nil, [sha256.Size]byte{}, false
	}
	sum := sha256.Sum256(key)
	clear(key)
	return cert, sum, true
}
