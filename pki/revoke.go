package pki

import (
	"context"
	"fmt"
	"strings"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// reasonNames are openssl's names for the RFC 5280 CRL reason codes,
// indexed by code (7 is unused).
var reasonNames = []string{"unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", "", "removeFromCRL",
	"privilegeWithdrawn", "AACompromise"}

// reasonRemoveFromCRL is removeFromCRL's code: RFC 5280 5.3.1 allows it
// only in delta CRLs, which pkienroll does not make.
const reasonRemoveFromCRL = 8

// firstReasonNotInOpenSSLCA is privilegeWithdrawn's code. openssl ca knows
// the reasons up to removeFromCRL only: an index line with
// privilegeWithdrawn or AACompromise makes every `openssl ca` run that
// loads the index (signing, -gencrl, -updatedb) fail with "invalid reason
// code", so revoke does not write them. crl still lists such a line, from
// an index edited by hand, with its code.
const firstReasonNotInOpenSSLCA = 9

// reasonCode is the code of an openssl reason name.
func reasonCode(name string) (int, bool) {
	for code, n := range reasonNames {
		if n != "" && n == name {
			return code, true
		}
	}
	return 0, false
}

// CRLReasonName is openssl's name for a CRL reason code (RFC 5280 5.3.1:
// keyCompromise, superseded, ...); an unknown code is named by its number.
func CRLReasonName(code int) string {
	if code >= 0 && code < len(reasonNames) && reasonNames[code] != "" {
		return reasonNames[code]
	}
	return fmt.Sprintf("reason(%d)", code)
}

// RevokeRequest names the certificate to revoke: by serial, or by the name
// it was issued under (the serial of certs/NAME.cer).
type RevokeRequest struct {
	Serial string
	Name   string
	// Reason is one of openssl's reason names (keyCompromise, superseded,
	// ...); empty means none, as `openssl ca -revoke` without -crl_reason.
	Reason string
}

// Revoke marks a certificate revoked in the index exactly as
// `openssl ca -revoke` does (status R, the revocation date and the optional
// reason), under the directory's lock, so `openssl ca -status` agrees and the
// next CRL lists it. It returns the updated entry.
func (s *Store) Revoke(ctx context.Context, req RevokeRequest) (Entry, error) {
	reason, err := CanonicalReason(req.Reason)
	if err != nil {
		return Entry{}, fmt.Errorf("revoke: %w", err)
	}
	lock, err := s.lock(ctx)
	if err != nil {
		return Entry{}, err
	}
	defer lock.Unlock()

	serial, err := s.serialToRevoke(req)
	if err != nil {
		return Entry{}, err
	}
	path := s.DatabasePath()
	data, err := readIndexText(path)
	if err != nil {
		return Entry{}, err
	}
	index, err := scanIndex(path, data, serial)
	if err != nil {
		return Entry{}, err
	}
	if !index.found {
		return Entry{}, fmt.Errorf("revoke: serial %s is not in %s: %w", serial, path, ErrNotFound)
	}
	e := index.entry
	if e.Status == StatusRevoked {
		return Entry{}, fmt.Errorf("revoke: serial %s was %w on %s", serial, ErrRevoked, e.Revoked.Format("2006-01-02"))
	}
	// A CA's own line (serial 1000 in a directory made by ca init or
	// pki-create-ca.sh, and the second CA's, qemu-ca's, further on): a CA
	// cannot revoke itself in its own CRL, nor another CA in its.
	if ca, err := ReadCertificate(s.CACertPath()); err == nil {
		if path, ok := s.directoryCAs(ca).isCA(serial); ok {
			return Entry{}, fmt.Errorf("revoke: serial %s is the CA certificate %s itself, which no CRL of the directory can revoke", serial, path)
		}
	}
	e.Status = StatusRevoked
	e.Revoked = s.opts.now().UTC().Truncate(1e9)
	e.Reason = reason
	// The whole index is written anew (temporary file, fsync, rename), as
	// openssl ca -revoke does: the line grows, and the index must never be
	// seen half-written. Only the one line is formatted; the others are
	// copied (scanIndex).
	if err := atomicfile.WriteLocked(path, index.replaced(e.String()), modePublic); err != nil {
		return Entry{}, err
	}
	return e, nil
}

func (s *Store) serialToRevoke(req RevokeRequest) (string, error) {
	switch {
	case req.Serial != "" && req.Name != "":
		return "", fmt.Errorf("revoke: give a serial or a name, not both")
	case req.Serial != "":
		n, err := parseSerial(req.Serial)
		if err != nil {
			return "", fmt.Errorf("revoke: %w", err)
		}
		return FormatSerial(n), nil
	case req.Name != "":
		if err := ValidateName(req.Name); err != nil {
			return "", fmt.Errorf("revoke: %w", err)
		}
		cert, err := ReadCertificate(s.CertPath(req.Name))
		if err != nil {
			return "", fmt.Errorf("revoke %s: %w", req.Name, err)
		}
		return FormatSerial(cert.SerialNumber), nil
	}
	return "", fmt.Errorf("revoke: give a serial or a name")
}

// CanonicalReason is openssl's spelling of a revocation reason given in
// any case; empty stays empty (no reason). It refuses a name that is not
// one of openssl's; removeFromCRL, which RFC 5280 5.3.1 allows only in
// delta CRLs (pkienroll makes full CRLs, where it is forbidden); and
// privilegeWithdrawn and AACompromise, which openssl ca cannot read back
// from the index.
func CanonicalReason(reason string) (string, error) {
	if reason == "" {
		return "", nil
	}
	for code, name := range reasonNames {
		if name == "" || !strings.EqualFold(name, reason) {
			continue
		}
		switch {
		case code == reasonRemoveFromCRL:
			return "", fmt.Errorf("revocation reason %s is for delta CRLs only (RFC 5280 5.3.1), which pkienroll does not make: give another reason, or none: %w", name, ErrBadReason)
		case code >= firstReasonNotInOpenSSLCA:
			return "", fmt.Errorf("revocation reason %s is not one openssl ca knows: in database.txt it would stop openssl ca (and the engine's scripts) from signing: give another reason, or none: %w", name, ErrBadReason)
		}
		return name, nil
	}
	return "", fmt.Errorf("revocation reason %s is not one of openssl's (unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold): %w", quoteName(reason), ErrBadReason)
}
