package pki

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

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
// the certificate's tag. It is compiled when first used, by ca check, not
// as every process starts.
var pendingFile = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(atomicfile.TempPrefix) + `(.+\.(?:p12|req))\.([0-9a-f]{16})$`)
})

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
// Temporary files of writers without the lock are left alone while they
// may be in flight; with only empty (ca check), older ones (staleUnlocked)
// are removed, or in keys/ reported.
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
			tmp := filepath.Join(dir, name)
			if !atomicfile.IsLockedTemp(name) {
				switch {
				case only != "" || !staleUnlocked(e):
				case dir == keysDir:
					report("%s is a temporary file a crash left behind; it may hold the only copy of a key: look at it and remove it", tmp)
				default:
					_ = os.Remove(tmp)
				}
				continue
			}
			m := pendingFile().FindStringSubmatch(name)
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

// engineBundlePassword is the password engine-setup gives the engine's
// own bundles (pki-enroll-pkcs12.sh --password=mypass); Check opens
// bundles with it, and learns about others from their requests.
const engineBundlePassword = "mypass"

// checkBundles reports each keys/NAME.p12 whose key is not the one of
// certs/NAME.cer: a certificate issued without the bundle (a renewal over
// EST, a request signed with sign) leaves the bundle's certificate out of
// date, and re-issuing with its key (enroll --keep-key) would orphan the
// current certificate. A bundle that does not open with the engine's
// password is judged by requests/NAME.req, which Enroll and the engine's
// pki-enroll-pkcs12.sh write with it, for the same key.
func (s *Store) checkBundles(report func(string, ...any)) {
	bundles, _ := filepath.Glob(filepath.Join(filepath.Dir(s.PKCS12Path("x")), "*.p12"))
	for _, p12 := range bundles {
		name := strings.TrimSuffix(filepath.Base(p12), ".p12")
		if atomicfile.IsTemp(filepath.Base(p12)) || ValidateName(name) != nil {
			continue
		}
		cert, err := ReadCertificate(s.CertPath(name))
		if err != nil {
			continue // a bundle without a certificate of its name: nothing to compare
		}
		const why = "the certificate was issued without the bundle (renewed over EST, say), so the bundle's certificate is out of date and enroll --keep-key refuses it; enroll %s again for a new bundle, or remove it"
		if b, err := readPKCS12(p12, engineBundlePassword, true); err == nil {
			if !KeyMatches(cert.PublicKey, b.Key) {
				report("%s holds another key than %s: "+why, p12, s.CertPath(name), name)
			}
			continue
		}
		csr, err := ReadRequest(s.RequestPath(name))
		if err == nil && !samePublicKey(csr.PublicKey, cert.PublicKey) {
			report("%s holds another key than %s, as its request %s shows (the bundle does not open with the engine's password): "+why,
				p12, s.CertPath(name), s.RequestPath(name), name)
		}
	}
}

// checkKeptKey refuses to re-issue name with key, the one of its bundle
// (enroll --keep-key), when certs/NAME.cer is for another key: the new
// certificate would replace one whose key the bundle does not hold (a
// proxy's, renewed over EST), and that proxy's certificate would be
// orphaned.
func (s *Store) checkKeptKey(name string, key crypto.Signer) error {
	path := s.CertPath(name)
	cert, err := ReadCertificate(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("keep key: %w", err)
	}
	if !KeyMatches(cert.PublicKey, key) {
		return fmt.Errorf("keep key: %s holds another key than %s (serial %s, issued without the bundle, renewed over EST say): enroll without --keep-key for a new key: %w",
			s.PKCS12Path(name), path, FormatSerial(cert.SerialNumber), ErrKeyMismatch)
	}
	return nil
}

// samePublicKey reports whether a and b are the same public key.
func samePublicKey(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}
