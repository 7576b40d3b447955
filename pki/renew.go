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
	"github.com/pkienroll/pkienroll/internal/flock"
)

// RenewedCA is what RenewCA did.
type RenewedCA struct {
	// Certificate is the renewed CA certificate.
	Certificate *x509.Certificate
	// Backup is where the old ca.pem was kept (ca.pem.YYYYMMDDHHMMSS).
	Backup string
	// Warnings are things worth telling the user that did not stop the
	// renewal: a CA that now ends before certificates it issued (as Sign
	// warns of a certificate that outlives its CA), a .truststore that
	// could not be kept in step.
	Warnings []string
}

// RenewCA gives the CA certificate a new validity of days (DefaultCADays
// when zero), as `pki-create-ca.sh --renew` does: the same key, subject
// (byte for byte), serial and extensions, in the same order. Certificates
// issued before name the CA by its key identifier and, when their authority
// key identifier says so (the engine's templates do), by its issuer and
// serial too; keeping all three is what lets every one of them verify under
// the renewed CA, with `openssl verify` as with pkienroll.
//
// The old ca.pem is kept as ca.pem.YYYYMMDDHHMMSS. ca.pem is replaced
// first, then certs/ca.der (in PEM, as the scripts write it): ca.pem names
// the CA, and Check rewrites a certs/ca.der that a crash left behind it.
// Then the CA's entry of the Java trust store .truststore is replaced, as
// the script re-imports it, the other CAs' entries kept; a .truststore
// pkienroll cannot rewrite (see ErrTrustStore) is left as it is, with a
// warning. database.txt is not touched (the scripts leave the CA's line as
// it was, too). It takes the directory's lock, which writers of
// .truststore share, before the CA's.
func (s *Store) RenewCA(ctx context.Context, days int) (*RenewedCA, error) {
	days, err := checkDays(days, DefaultCADays)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	dirLock, err := flock.Exclusive(ctx, s.dir, s.opts.lockTimeout)
	if err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	defer dirLock.Unlock()
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
	out := &RenewedCA{Certificate: cert}
	if w := s.outlivedBy(cert); w != "" {
		out.Warnings = append(out.Warnings, w)
	}
	trustStore, err := s.renderTrustStore(cert)
	if err != nil {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%v: left as it is, with the CA certificate as it was before this renewal; import the new one with keytool -importcert -alias %s",
			err, trustStoreAlias(s.opts.caName)))
	}
	// certs/ca.der is replaced after ca.pem: what would refuse it (a
	// directory, a symbolic link there) refuses the renewal before ca.pem
	// changes.
	if _, err := atomicfile.CheckReplace(s.CADERPath(), true); err != nil {
		return nil, fmt.Errorf("renew CA: %w", err)
	}
	// ca.der is staged under a random name first: a checker that takes the
	// lock on the new ca.pem the moment it is in place leaves such files
	// alone (see removeStaleTempFiles).
	derFile, err := atomicfile.Stage(s.CADERPath(), EncodeCertificatePEM(der), modePublic)
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
	out.Backup = backup
	if err := atomicfile.SyncDir(filepath.Dir(s.CACertPath())); err != nil {
		return nil, fmt.Errorf("renew CA: write %s: %w", s.CACertPath(), err)
	}
	if err := derFile.Commit(); err != nil {
		return nil, fmt.Errorf("renew CA: %s is renewed, %w: %w", s.CACertPath(), err, ErrUnfinished)
	}
	if trustStore != nil {
		if err := s.writeTrustStore(trustStore); err != nil {
			return nil, fmt.Errorf("renew CA: %s is renewed, %w: %w", s.CACertPath(), err, ErrUnfinished)
		}
	}
	return out, nil
}

// outlivedBy is a warning when the renewed CA ca ends before a valid
// certificate it issued, naming the one that ends last; "" otherwise.
// Only the index lines that end after ca are read from certs/.
func (s *Store) outlivedBy(ca *x509.Certificate) string {
	entries, err := ReadDatabase(s.DatabasePath())
	if err != nil {
		return "" // Check reports an unreadable index
	}
	var latest *x509.Certificate
	var line Entry
	for _, e := range entries {
		if e.Status != StatusValid || !e.Expiry.After(ca.NotAfter) || (latest != nil && !e.Expiry.After(latest.NotAfter)) {
			continue
		}
		cert, err := ReadCertificate(s.SerialCertPath(e.Serial))
		if err != nil || string(cert.RawIssuer) == string(cert.RawSubject) || // a CA's own line
			string(cert.RawIssuer) != string(ca.RawSubject) || cert.CheckSignatureFrom(ca) != nil {
			continue
		}
		latest, line = cert, e
	}
	if latest == nil {
		return ""
	}
	return fmt.Sprintf("renewed CA certificate expires %s, before certificates it issued: the last of them, serial %s, expires %s; clients will reject each from the CA's end: renew with more --days",
		ca.NotAfter.Format("2006-01-02"), line.Serial, latest.NotAfter.Format("2006-01-02"))
}
