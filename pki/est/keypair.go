package est

import (
	"crypto/tls"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// LoadKeyPair reads a server's TLS certificate (PEM, leaf first, then
// any intermediates; or one DER certificate) and its key (PEM, without
// passphrase) as every other pkienroll reader does: a FIFO, a device or a
// file larger than the readers' bound is refused at once instead of
// blocking or filling the memory, as tls.LoadX509KeyPair's unbounded
// reads would. A key that is not the leaf's is pki.ErrKeyMismatch.
func LoadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	certs, err := pki.ReadCertificates(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := pki.ReadKey(keyFile, nil)
	if err != nil {
		return tls.Certificate{}, err
	}
	if !pki.KeyMatches(certs[0].PublicKey, key) {
		return tls.Certificate{}, fmt.Errorf("%s is not the key of %s: %w", keyFile, certFile, pki.ErrKeyMismatch)
	}
	c := tls.Certificate{PrivateKey: key, Leaf: certs[0]}
	for _, cert := range certs {
		c.Certificate = append(c.Certificate, cert.Raw)
	}
	return c, nil
}
