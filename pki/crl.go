package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
)

// DefaultCRLDays is how long a CRL stays current when no other period is
// asked for, as openssl's default_crl_days is usually set.
const DefaultCRLDays = 30

// initialCRLNumber is the first CRL number, as `echo 01 > crlnumber` sets it
// up for openssl.
const initialCRLNumber = 1

// CRLNumberPath is the file holding the next CRL number, named as openssl
// configurations name it beside serial.txt (crlnumber = $dir/crlnumber.txt).
func (s *Store) CRLNumberPath() string { return s.path("crlnumber.txt") }

// GenerateCRL signs a CRL listing every revoked certificate of the index,
// valid from now for days (DefaultCRLDays when zero), numbered from the
// directory's crlnumber file, which it advances. It returns the CRL in DER,
// for the caller to publish; PublishCRL also writes it, under the lock.
// The CRL is what `openssl ca -gencrl` would make from the same index, and
// `openssl crl -verify` and `openssl verify -crl_check` accept it.
func (s *Store) GenerateCRL(ctx context.Context, days int) ([]byte, error) {
	days, err := checkCRLDays(days, DefaultCRLDays)
	if err != nil {
		return nil, fmt.Errorf("crl: %w", err)
	}
	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	number, err := s.nextCRLNumber()
	if err != nil {
		return nil, err
	}
	der, err := s.signCRL(ca, number, days)
	if err != nil {
		return nil, err
	}
	if err := writeSerialFile(s.CRLNumberPath(), new(big.Int).Add(number, big.NewInt(1))); err != nil {
		return nil, fmt.Errorf("crl: %w", err)
	}
	return der, nil
}

// signCRL signs the CRL numbered number of every revoked certificate of the
// index, valid from now for days. Nothing is written. Only a lock holder may
// call it.
func (s *Store) signCRL(ca *ca, number *big.Int, days int) ([]byte, error) {
	entries, err := readRevoked(s.DatabasePath())
	if err != nil {
		return nil, err
	}
	var revoked []x509.RevocationListEntry
	for _, e := range entries {
		serial, err := parseSerial(e.Serial)
		if err != nil {
			return nil, fmt.Errorf("crl: %s: %w", s.DatabasePath(), err)
		}
		entry := x509.RevocationListEntry{SerialNumber: serial, RevocationTime: e.Revoked}
		if code, ok := reasonCode(e.Reason); ok && code != 0 {
			entry.ReasonCode = code
		}
		revoked = append(revoked, entry)
	}
	thisUpdate, nextUpdate := crlValidity(s.opts.now(), days)
	tmpl := &x509.RevocationList{
		Number:                    number,
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: revoked,
		SignatureAlgorithm:        signatureAlgorithm(ca.key.Public()),
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	if err != nil {
		return nil, fmt.Errorf("crl: sign: %w", err)
	}
	return der, nil
}

// nextCRLNumber reads crlnumber, or starts at 1 when there is none.
func (s *Store) nextCRLNumber() (*big.Int, error) {
	if _, err := os.Lstat(s.CRLNumberPath()); errors.Is(err, fs.ErrNotExist) {
		return big.NewInt(initialCRLNumber), nil
	}
	return readSerialFile(s.CRLNumberPath())
}

// encodeCRLPEM wraps a DER CRL in an "X509 CRL" PEM block.
func encodeCRLPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}
