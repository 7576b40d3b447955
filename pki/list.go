package pki

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// Issuance is one certificate of the index, with what the directory tells
// about it beyond the index line.
type Issuance struct {
	Entry
	// Names are the NAMEs whose certs/NAME.cer is this certificate (the
	// current one for that name); empty when none is.
	Names []string
}

// EffectiveStatus is the status at now: a valid entry past its expiry is
// expired even before `openssl ca -updatedb` marks it E.
func (i Issuance) EffectiveStatus(now time.Time) Status {
	if i.Status == StatusValid && !now.Before(i.Expiry) {
		return StatusExpired
	}
	return i.Status
}

// String names a status as list prints it: valid, revoked or expired.
func (st Status) String() string {
	switch st {
	case StatusValid:
		return "valid"
	case StatusRevoked:
		return "revoked"
	case StatusExpired:
		return "expired"
	}
	return fmt.Sprintf("status(%c)", byte(st))
}

// List returns every certificate of the index in index order, each with
// the names it is issued under. It reads without the lock: the index only
// ever grows by whole lines, and a revocation replaces it atomically.
func (s *Store) List() ([]Issuance, error) {
	entries, err := ReadDatabase(s.DatabasePath())
	if err != nil {
		return nil, err
	}
	names, err := s.namesBySerial()
	if err != nil {
		return nil, err
	}
	out := make([]Issuance, len(entries))
	for i, e := range entries {
		out[i] = Issuance{Entry: e, Names: names[e.Serial]}
	}
	return out, nil
}

// namesBySerial maps serials to the NAMEs of certs/NAME.cer files.
func (s *Store) namesBySerial() (map[string][]string, error) {
	paths, err := filepath.Glob(filepath.Join(s.path(s.opts.certDir), "*.cer"))
	if err != nil {
		return nil, err
	}
	names := make(map[string][]string)
	for _, p := range paths {
		base := filepath.Base(p)
		if atomicfile.IsTemp(base) {
			continue
		}
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		cert, err := ReadCertificate(p)
		if err != nil {
			continue // Check reports broken files; a listing shows what it can
		}
		serial := FormatSerial(cert.SerialNumber)
		names[serial] = append(names[serial], strings.TrimSuffix(base, ".cer"))
	}
	for _, n := range names {
		sort.Strings(n)
	}
	return names, nil
}
