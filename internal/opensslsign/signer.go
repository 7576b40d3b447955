//go:build openssl && cgo

package opensslsign

import (
	"crypto"
	"crypto/rsa"
	"fmt"
	"io"
	"math/big"

	"github.com/golang-fips/openssl/v2"
	"github.com/golang-fips/openssl/v2/bbig"
)

// signer is an RSA private key held twice: as an OpenSSL EVP_PKEY that
// signs, and as Go's key that gives the public half and signs what
// OpenSSL is not asked to (hashes other than SHA-256/384/512, unhashed
// input). It is safe for concurrent use: each signature takes its own
// EVP_PKEY_CTX, and the key objects are only read.
type signer struct {
	goKey *rsa.PrivateKey
	key   *openssl.PrivateKeyRSA
}

// New gives a crypto.Signer that signs with key through OpenSSL's
// libcrypto, loading libcrypto at the first call. It reports
// ErrUnavailable, and the caller keeps key, when EnvVar asks for Go's
// signer, when libcrypto does not load, or when key is not an RSA key of
// two primes. The result's Public is key's public key, so x509's check of
// each signature against it still holds.
func New(key crypto.Signer) (crypto.Signer, error) {
	if use, reason := choice(); !use {
		return nil, fmt.Errorf("opensslsign: %s: %w", reason, ErrUnavailable)
	}
	priv, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("opensslsign: %T is not an RSA key: %w", key, ErrUnavailable)
	}
	if len(priv.Primes) != 2 {
		return nil, fmt.Errorf("opensslsign: an RSA key of %d primes: %w", len(priv.Primes), ErrUnavailable)
	}
	if _, err := load(); err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrUnavailable)
	}
	p, q := priv.Primes[0], priv.Primes[1]
	one := big.NewInt(1)
	// The CRT values computed here rather than taken from Precomputed,
	// which a key parsed by hand may lack (and Precompute would write).
	dp := new(big.Int).Mod(priv.D, new(big.Int).Sub(p, one))
	dq := new(big.Int).Mod(priv.D, new(big.Int).Sub(q, one))
	qinv := new(big.Int).ModInverse(q, p)
	if qinv == nil {
		return nil, fmt.Errorf("opensslsign: the RSA key's primes are not coprime: %w", ErrUnavailable)
	}
	k, err := openssl.NewPrivateKeyRSA(bbig.Enc(priv.N), bbig.Enc(big.NewInt(int64(priv.E))), bbig.Enc(priv.D),
		bbig.Enc(p), bbig.Enc(q), bbig.Enc(dp), bbig.Enc(dq), bbig.Enc(qinv))
	if err != nil {
		return nil, fmt.Errorf("opensslsign: make the OpenSSL key: %w", err)
	}
	return &signer{goKey: priv, key: k}, nil
}

// Public is the public half of the key New was given.
func (s *signer) Public() crypto.PublicKey { return s.goKey.Public() }

// Sign signs digest, which opts.HashFunc() made: PKCS#1 v1.5 unless opts
// is *rsa.PSSOptions. SHA-256, SHA-384 and SHA-512 are signed by OpenSSL;
// anything else by Go's crypto/rsa with the same key, as rsa.PrivateKey's
// Sign would. rand is not used by OpenSSL, which blinds with its own.
func (s *signer) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := opts.HashFunc()
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return s.goKey.Sign(rand, digest, opts)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("opensslsign: a %s digest of %d bytes, not %d", h, len(digest), h.Size())
	}
	if pss, ok := opts.(*rsa.PSSOptions); ok {
		sig, err := openssl.SignRSAPSS(s.key, h, digest, pss.SaltLength)
		if err != nil {
			return nil, fmt.Errorf("opensslsign: RSA-PSS %s signature: %w", h, err)
		}
		return sig, nil
	}
	sig, err := openssl.SignRSAPKCS1v15(s.key, h, digest)
	if err != nil {
		return nil, fmt.Errorf("opensslsign: RSA PKCS#1 v1.5 %s signature: %w", h, err)
	}
	return sig, nil
}
