package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
)

// RenewCA gives the CA certificate a new validity of days (DefaultCADays
// when zero), as `pki-create-ca.sh --renew` does: same key, same subject
// (byte for byte), same subject key identifier, a new serial. The old
// ca.pem is kept as ca.pem.YYYYMMDDHHMMSS. Certificates issued before keep
// verifying, since their issuer name and authority key identifier still
// match. It returns the new CA certificate.
func (s *Store) RenewCA(ctx context.Context, days int) (*x509.Certificate, error) {
	days, err := checkDays(days, DefaultCADays)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	old := ca.cert
	notBefore, notAfter := validity(s.opts.now(), days)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            old.RawSubject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            old.MaxPathLen,
		MaxPathLenZero:        old.MaxPathLenZero,
		KeyUsage:              old.KeyUsage,
		SubjectKeyId:          old.SubjectKeyId,
		AuthorityKeyId:        old.SubjectKeyId,
		SignatureAlgorithm:    signatureAlgorithm(ca.key.Public()),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, ca.key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("renew CA: sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	// The DER copy first: ca.pem, the lock file, is what names the CA.
	if err := writeFileLocked(s.CADERPath(), der, modePublic); err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	if _, err := backupFile(s.CACertPath(), s.opts.now()); err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	if err := writeFileLocked(s.CACertPath(), EncodeCertificatePEM(der), modePublic); err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	return cert, nil
}
