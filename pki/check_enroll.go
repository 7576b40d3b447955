package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// certTag names a certificate in the temporary names of an enrollment's
// bundle and request: 16 hex digits of its SHA-256 fingerprint.
func certTag(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:8])
}

// pendingName is the temporary name under which Enroll writes path (a
// bundle or a request) for the certificate tagged tag, until that
// certificate is published: .pkienroll-tmp-NAME.p12.TAG.
func pendingName(path, tag string) string {
	return atomicfile.LockedTempName(path) + "." + tag
}

// pendingFile matches pendingName's names: the destination's base name and
// the certificate's tag.
var pendingFile = regexp.MustCompile(`^` + regexp.QuoteMeta(atomicfile.TempPrefix) + `(.+\.(?:p12|req))\.([0-9a-f]{16})$`)

// finishEnrollments finishes what a crash interrupted in Enroll, for every
// name (or only the one named only), and reports each step. Only a holder
// of the lock may call it. In keys/ and the request directory:
//
//   - a pending bundle or request whose certificate is the one in
//     certs/NAME.cer is renamed into place (the old one kept as a backup):
//     the enrollment had published the certificate and was killed before
//     the bundle followed;
//   - a pending bundle whose certificate is a backup certs/NAME.cer.* (it
//     was published, then replaced) holds the only copy of that
//     certificate's key: it is kept as a backup keys/NAME.p12.YYYYMMDDHHMMSS;
//   - any other pending file belongs to a certificate that was never
//     published (the crash came earlier) and is removed, as are other
//     temporary requests;
//   - any other temporary file in keys/ (an older pkienroll's) may hold
//     the only copy of a key: it is reported, never removed.
//
// Temporary files of writers without the lock are left alone.
func (s *Store) finishEnrollments(report func(string, ...any), only string) {
	keysDir := filepath.Dir(s.PKCS12Path("x"))
	reqDir := filepath.Dir(s.RequestPath("x"))
	for _, dir := range []string{keysDir, reqDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !atomicfile.IsLockedTemp(name) {
				continue
			}
			tmp := filepath.Join(dir, name)
			m := pendingFile.FindStringSubmatch(name)
			switch {
			case m != nil:
				s.finishPending(report, only, tmp, filepath.Join(dir, m[1]), m[2])
			case only != "":
			case dir == keysDir:
				report("%s is a temporary bundle a crash left behind; it may hold the only copy of a key: look at it and remove it", tmp)
			default:
				_ = os.Remove(tmp)
			}
		}
	}
}

// finishPending handles one pending file tmp of dest (see
// finishEnrollments).
func (s *Store) finishPending(report func(string, ...any), only, tmp, dest, tag string) {
	base := filepath.Base(dest)
	name := strings.TrimSuffix(strings.TrimSuffix(base, ".p12"), ".req")
	wantDest := s.RequestPath(name)
	if strings.HasSuffix(base, ".p12") {
		wantDest = s.PKCS12Path(name)
	}
	if ValidateName(name) != nil || wantDest != dest || (only != "" && name != only) {
		return
	}
	now := s.opts.now()
	if cert, err := ReadCertificate(s.CertPath(name)); err == nil && certTag(cert) == tag {
		if _, err := os.Lstat(dest); err == nil {
			if _, err := atomicfile.LinkBackup(dest, now); err != nil {
				report("%s: cannot finish the interrupted enrollment of %s: %v", tmp, name, err)
				return
			}
		}
		if err := os.Rename(tmp, dest); err != nil {
			report("%s: cannot finish the interrupted enrollment of %s: %v", tmp, name, safefile.UnwrapPathError(err))
			return
		}
		_ = atomicfile.SyncDir(filepath.Dir(dest))
		report("finished the interrupted enrollment of %s: %s is now the one of %s", name, dest, s.CertPath(name))
		return
	}
	if strings.HasSuffix(base, ".p12") && s.wasPublished(name, tag) {
		backup, err := atomicfile.LinkBackupOf(tmp, dest, now)
		if err != nil {
			report("%s holds the only copy of the key of a replaced certificate of %s; move it aside: %v", tmp, name, err)
			return
		}
		_ = os.Remove(tmp)
		_ = atomicfile.SyncDir(filepath.Dir(dest))
		report("%s held the only copy of the key of a replaced certificate of %s: kept as %s", tmp, name, backup)
		return
	}
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		report("%s: %v", tmp, safefile.UnwrapPathError(err))
	}
}

// wasPublished reports whether a backup certs/NAME.cer.* holds the
// certificate tagged tag.
func (s *Store) wasPublished(name, tag string) bool {
	backups, _ := filepath.Glob(s.CertPath(name) + ".[0-9]*")
	for _, b := range backups {
		if cert, err := ReadCertificate(b); err == nil && certTag(cert) == tag {
			return true
		}
	}
	return false
}
