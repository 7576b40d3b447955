package pki

import "crypto"

// LoadCA is loadCA for the tests and benchmarks: the CA certificate and
// key read, parsed and checked as every signing batch does under the
// lock; it gives the signer the CA key signs with.
func (s *Store) LoadCA() (crypto.Signer, error) {
	ca, err := s.loadCA()
	if err != nil {
		return nil, err
	}
	return ca.key, nil
}
