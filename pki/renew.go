package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// RenewCA gives the CA certificate a new validity of days (DefaultCADays
// when zero), as `pki-create-ca.sh --renew` does: the same key, subject
// (byte for byte), serial and extensions, in the same order. Certificates
// issued before name the CA by its key identifier and, when their authority
// key identifier says so (the engine's templates do), by its issuer and
// serial too; keeping all three is what lets every one of them verify under
// the renewed CA, with `openssl verify` as with pkienroll.
//
// The old ca.pem is kept as ca.pem.YYYYMMDDHHMMSS. ca.pem is replaced
// first, then certs/ca.der: ca.pem names the CA, and Check rewrites a
// certs/ca.der that a crash left behind it. database.txt is not touched
// (the scripts leave the CA's line as it was, too). It returns the new CA
// certificate.
func (s *Store) RenewCA(ctx context.Context, days int) (*x509.Certificate, error) {
	days, err := checkDays(days, DefaultCADays)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	old := ca.cert
	notBefore, notAfter := validity(s.opts.now(), days)
	// Every extension goes in ExtraExtensions, so crypto/x509 adds none of
	// its own and writes them as they were.
	tmpl := &x509.Certificate{
		SerialNumber:       new(big.Int).Set(old.SerialNumber),
		RawSubject:         old.RawSubject,
		NotBefore:          notBefore,
		NotAfter:           notAfter,
		ExtraExtensions:    old.Extensions,
		SignatureAlgorithm: signatureAlgorithm(ca.key.Public()),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, ca.key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("renew CA: sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	// ca.der is staged under a random name first: a checker that takes the
	// lock on the new ca.pem the moment it is in place leaves such files
	// alone (see removeStaleTempFiles).
	derFile, err := atomicfile.Stage(s.CADERPath(), der, modePublic)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	defer derFile.Abort()
	pemFile, err := atomicfile.StageLocked(s.CACertPath(), EncodeCertificatePEM(der), modePublic, true)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	defer pemFile.Abort()
	backup, err := atomicfile.Backup(s.CACertPath(), s.opts.now())
	if err == nil {
		err = pemFile.Rename()
	}
	if err != nil {
		// ca.pem is the old one still: its backup link would be a stray
		// copy that no renewal made.
		if backup != "" {
			_ = os.Remove(backup)
			_ = atomicfile.SyncDir(filepath.Dir(backup))
		}
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(s.CACertPath())); err != nil {
		return nil, fmt.Errorf("renew CA: write %s: %w", s.CACertPath(), err)
	}
	if err := derFile.Commit(); err != nil {
		return nil, fmt.Errorf("renew CA: %s is renewed, %w: %w", s.CACertPath(), err, ErrUnfinished)
	}
	return cert, nil
}
