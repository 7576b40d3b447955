package pki

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"os"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// CRLRequest says how to publish a CRL.
type CRLRequest struct {
	// Out is the file the CRL is written to. It may not be one of the PKI
	// directory's own files (see PublishCRL).
	Out string
	// Days is how long the CRL stays current (DefaultCRLDays when zero).
	Days int
	// DER writes DER instead of PEM.
	DER bool
	// Force replaces an existing Out after keeping it as
	// FILE.YYYYMMDDHHMMSS; without it an existing Out is an ErrExists error.
	Force bool
}

// PublishedCRL describes what PublishCRL wrote.
type PublishedCRL struct {
	// Path is the CRL's file.
	Path string
	// Number is the CRL number it carries.
	Number *big.Int
	// Backup is where the CRL it replaced was kept, or empty.
	Backup string
	// DER is the CRL.
	DER []byte
	// Warnings are what of the index the CRL does not carry as it is,
	// such as a reason removeFromCRL left out (one line each).
	Warnings []string
}

// PublishCRL signs a CRL as GenerateCRL does and writes it to req.Out, all
// under the directory's lock, so that of two runs the later CRL (the higher
// number) is the one left at Out. It refuses, changing nothing:
//
//   - an Out that names a file of the PKI directory (see CheckOutput),
//     even with Force;
//   - an existing Out without Force;
//   - an existing Out holding a CRL of this CA whose number is not lower
//     than the new one (crlnumber.txt went back): a CRL never goes backwards.
//
// Every byte is written (the CRL to a temporary file beside Out, the next
// number to one beside crlnumber.txt, both synced) before anything is
// renamed, so a failure such as a full disk leaves the directory and Out as
// they were. crlnumber.txt is then renamed first and the CRL second: a
// crash between the two renames skips a CRL number, and never publishes two
// CRLs with one number.
func (s *Store) PublishCRL(ctx context.Context, req CRLRequest) (*PublishedCRL, error) {
	days, err := checkCRLDays(req.Days, DefaultCRLDays)
	if err != nil {
		return nil, fmt.Errorf("crl: %w", err)
	}
	if err := s.CheckOutput(req.Out); err != nil {
		return nil, err
	}
	// Before the lock too: an --out that cannot be written is refused at
	// once, not after waiting for the lock.
	if err := atomicfile.CheckWritable(req.Out, req.Force); err != nil {
		return nil, err
	}
	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := atomicfile.CheckWritable(req.Out, req.Force); err != nil {
		return nil, err
	}
	_, statErr := os.Lstat(req.Out)
	exists := statErr == nil
	number, err := s.nextCRLNumber()
	if err != nil {
		return nil, err
	}
	if exists {
		if err := checkCRLNotNewer(req.Out, ca, number); err != nil {
			return nil, err
		}
	}
	der, warnings, err := s.signCRL(ca, number, days)
	if err != nil {
		return nil, err
	}
	data := der
	if !req.DER {
		data = encodeCRLPEM(der)
	}
	out := &PublishedCRL{Path: req.Out, Number: number, DER: der, Warnings: warnings}
	return out, s.commitCRL(out, data, exists)
}

// commitCRL writes the CRL and advances crlnumber.txt (see PublishCRL for
// the order).
func (s *Store) commitCRL(out *PublishedCRL, data []byte, exists bool) error {
	crl, err := atomicfile.StageLocked(out.Path, data, modePublic, true)
	if err != nil {
		return fmt.Errorf("write CRL: %w", err)
	}
	defer crl.Abort()
	next := new(big.Int).Add(out.Number, big.NewInt(1))
	number, err := atomicfile.StageLocked(s.CRLNumberPath(), []byte(FormatSerial(next)+"\n"), modePublic, true)
	if err != nil {
		return fmt.Errorf("crl: %w", err)
	}
	defer number.Abort()
	if exists {
		if out.Backup, err = atomicfile.LinkBackup(out.Path, s.opts.now()); err != nil {
			return fmt.Errorf("write CRL: %w", err)
		}
	}
	if err := number.Commit(); err != nil {
		if out.Backup != "" {
			_ = os.Remove(out.Backup)
			out.Backup = ""
		}
		return fmt.Errorf("crl: %w", err)
	}
	if err := crl.Commit(); err != nil {
		return fmt.Errorf("write CRL: %w", err)
	}
	return nil
}

// checkCRLNotNewer refuses to replace path when it holds a CRL of this CA
// numbered number or higher. A file that is not such a CRL is left to the
// caller's rules (Force, backup).
func checkCRLNotNewer(path string, ca *ca, number *big.Int) error {
	data, err := readFileLimited(path, maxCRLFileSize, true)
	if err != nil {
		return nil // atomicfile.CheckReplace vouched for a regular file; unreadable means not ours
	}
	old, err := ParseCRL(data)
	if err != nil || old.Number == nil || !bytes.Equal(old.RawIssuer, ca.cert.RawSubject) {
		return nil
	}
	if old.CheckSignatureFrom(ca.cert) != nil {
		return nil
	}
	if old.Number.Cmp(number) >= 0 {
		return fmt.Errorf("refusing to replace %s: it holds CRL number %s, not older than the new %s (is crlnumber.txt behind?): %w",
			path, FormatSerial(old.Number), FormatSerial(number), ErrExists)
	}
	return nil
}
