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
	der, _, err := s.signCRL(ca, number, days)
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
// call it. The warnings name what of the index the CRL does not carry as
// it is (see crlReason).
func (s *Store) signCRL(ca *ca, number *big.Int, days int) ([]byte, []string, error) {
	entries, err := readRevoked(s.DatabasePath())
	if err != nil {
		return nil, nil, err
	}
	var revoked []x509.RevocationListEntry
	var warnings []string
	for _, e := range entries {
		serial, err := parseSerial(e.Serial)
		if err != nil {
			return nil, nil, fmt.Errorf("crl: %s: %w", s.DatabasePath(), err)
		}
		reason, exts := indexReason(e.Reason)
		code, warning := crlReason(reason)
		if warning != "" {
			warnings = append(warnings, fmt.Sprintf("%s: serial %s %s", s.DatabasePath(), e.Serial, warning))
		}
		revoked = append(revoked, x509.RevocationListEntry{SerialNumber: serial, RevocationTime: e.Revoked, ReasonCode: code, ExtraExtensions: exts})
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
		return nil, nil, fmt.Errorf("crl: sign: %w", err)
	}
	return der, warnings, nil
}

// crlReason is the reason code a full CRL carries for an index line's
// reason (its openssl name; see indexReason for openssl's pseudo-reasons):
// none (0) for no reason and for unspecified, which RFC 5280 5.3.1 wants
// left out, and none, with a warning, for removeFromCRL, which it allows
// only in delta CRLs. `openssl ca -revoke -crl_reason removeFromCRL`
// writes such a line and `openssl ca -gencrl` copies it into a full CRL;
// the line's status is R all the same (`openssl ca -status` says revoked),
// so the certificate stays listed, without the reason.
func crlReason(reason string) (code int, warning string) {
	code, ok := reasonCode(reason)
	switch {
	case !ok:
		return 0, ""
	case code == reasonRemoveFromCRL:
		return 0, "has the reason removeFromCRL, which only a delta CRL may carry (RFC 5280 5.3.1): listed without a reason"
	}
	return code, ""
}

// nextCRLNumber reads crlnumber, or starts at 1 when there is none. A
// number a CRL cannot carry (RFC 5280 5.2.3: at most 20 octets, as a
// serial) is refused here, naming the file, rather than by the signer.
func (s *Store) nextCRLNumber() (*big.Int, error) {
	path := s.CRLNumberPath()
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return big.NewInt(initialCRLNumber), nil
	}
	n, err := readSerialFile(path)
	if err != nil {
		return nil, err
	}
	if n.BitLen() > maxSerialBits {
		return nil, fmt.Errorf("read CRL number %s: it is larger than a CRL number may be (RFC 5280 5.2.3: 20 octets, at most 7F followed by 38 F): %w",
			path, ErrBadStore)
	}
	return n, nil
}

// encodeCRLPEM wraps a DER CRL in an "X509 CRL" PEM block.
func encodeCRLPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}
