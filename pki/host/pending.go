package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// PendingPath is the marker of a service that has not taken its renewed
// files yet (its reload failed, or the run was killed during it): beside
// the certificate, FILE.hook-pending, where every later run for the same
// certificate finds it; "" when f names no certificate.
func (f Files) PendingPath() string {
	if f.Cert == "" {
		return ""
	}
	return f.Cert + ".hook-pending"
}

// Pending says whether the marker exists.
func (f Files) Pending() bool {
	if f.Cert == "" {
		return false
	}
	_, err := os.Lstat(f.PendingPath())
	return err == nil
}

// MarkPending writes note (what the admin who finds it should know) as
// the marker, replacing an older one without backup, mode 0600. Files
// that name no certificate have no place for it (ErrNoPath).
func (f Files) MarkPending(note []byte) error {
	if f.Cert == "" {
		return fmt.Errorf("mark the service pending: %w", ErrNoPath)
	}
	return atomicfile.WriteFiles(atomicfile.Options{Force: true, NoBackup: true},
		atomicfile.OutputFile{Path: f.PendingPath(), Data: note, Mode: 0o600})
}

// ClearPending removes the marker once the service took its files; no
// marker is not an error.
func (f Files) ClearPending() error {
	if f.Cert == "" {
		return nil
	}
	if err := os.Remove(f.PendingPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", f.PendingPath(), safefile.UnwrapPathError(err))
	}
	return nil
}
