package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// storeTopFiles are the files at the top of a PKI directory that belong to
// the CA: what pkienroll, the engine's scripts and `openssl ca` keep there
// (SerialPath, DatabasePath and its .attr, CRLNumberPath, TrustStorePath,
// openssl's .old copies of them, and openssl.conf). The CAs' certificates,
// their cert.conf and cacert.conf and the engine's templates are matched
// by rule in CheckOutput.
var storeTopFiles = []string{
	"serial.txt", "serial.txt.old", "database.txt", "database.txt.old",
	"database.txt.attr", "database.txt.attr.old", "crlnumber.txt", "crlnumber.txt.old",
	".truststore", ".truststore.old", "openssl.conf",
}

// storeSubdirs are the directories of a PKI directory whose every file is
// the store's: private/, keys/, the certificate and request directories,
// and est/, where serve keeps its tokens.
func (s *Store) storeSubdirs() []string {
	return []string{s.path("private"), s.path("keys"), s.path(s.opts.certDir), s.path(s.opts.reqDir), s.path("est")}
}

// CheckOutput refuses, with an error wrapping ErrStoreFile, an output file
// a user named that is one of the PKI directory's own files, whether it
// exists yet or not: anything in private/, keys/, the certificate and
// request directories or est/ (at any depth); at the top, serial.txt,
// database.txt and its .attr, crlnumber.txt, the Java trust store
// .truststore, openssl's .old copies of them, openssl.conf and every other
// .conf or .template (the engine's cert.conf, cacert.conf, qemu-cert.conf,
// cert.template, ...), the CA certificate and any NAME.pem beside a
// private/NAME.pem (another CA of the directory), and pkienroll's
// temporary files. Every command that writes a file the user names while
// a PKI directory is in play checks it first, even with --force: a backup
// does not make a CA key overwritten with a CRL any less broken.
// Directories are compared as absolute paths after resolving symbolic
// links, so another spelling of the same directory (a link, a relative
// path where the store was opened with an absolute one, or the reverse)
// is caught too.
func (s *Store) CheckOutput(path string) error {
	return s.checkOutput(path, false)
}

// CheckExtractOutput is CheckOutput for a key or certificate taken out of
// a bundle (pkcs12 extract): keys/ may take it, as engine-setup has
// pki-pkcs12-extract.sh write keys/NAME.key.nopass there, but not over a
// bundle, keys/NAME.p12.
func (s *Store) CheckExtractOutput(path string) error {
	return s.checkOutput(path, true)
}

// checkOutput is CheckOutput; extract lets keys/ take files other than
// bundles.
func (s *Store) checkOutput(path string, extract bool) error {
	dir, err := realDir(filepath.Dir(path))
	if err != nil {
		return nil // a missing directory is reported where the file is written
	}
	refuse := func(what string) error {
		return fmt.Errorf("refusing to write %s: it is %s: %w", path, what, ErrStoreFile)
	}
	for _, sub := range s.storeSubdirs() {
		r, err := realDir(sub)
		if err != nil || (dir != r && !strings.HasPrefix(dir, r+string(filepath.Separator))) {
			continue
		}
		if extract && sub == s.path("keys") {
			if dir == r && strings.HasSuffix(path, ".p12") {
				return refuse("a bundle of the pki directory's keys/")
			}
			continue
		}
		return refuse("in the pki directory's " + filepath.Base(sub) + "/")
	}
	if top, err := realDir(s.dir); err != nil || top != dir {
		return nil
	}
	base := filepath.Base(path)
	for _, name := range storeTopFiles {
		if base == name {
			return refuse("the pki directory's " + name)
		}
	}
	switch {
	case strings.HasSuffix(base, ".conf"), strings.HasSuffix(base, ".template"):
		return refuse("the pki directory's configuration " + base)
	case strings.HasPrefix(base, atomicfile.TempPrefix):
		return refuse("a temporary file of the pki directory")
	case base == filepath.Base(s.CACertPath()):
		return refuse("the CA certificate")
	}
	// Any CA of the directory (the scripts' --ca-file): NAME.pem beside
	// private/NAME.pem.
	if strings.HasSuffix(base, ".pem") {
		if _, err := os.Lstat(s.path("private", base)); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return refuse("the certificate of the CA private/" + base)
		}
	}
	return nil
}

// realDir is dir with its symbolic links resolved, made absolute, so that
// two spellings of one directory compare equal: EvalSymlinks keeps a
// relative path relative.
func realDir(dir string) (string, error) {
	r, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	return filepath.Abs(r)
}
