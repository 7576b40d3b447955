package pki

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
)

// Check verifies the invariants that signing promises to keep even across
// crashes, and returns one line per breach (nil when the store is sound):
// every index line is whole and parses, no serial appears twice, serial.txt
// is past every issued serial, every index line has its certs/SERIAL.pem
// that the CA signed, and every certs/*.cer is a whole certificate. It takes
// the directory's lock so that it never sees a signer's work half done.
// It also reports a PKI directory or CA key that others can write or read,
// and removes the temporary files a crashed writer left behind (which, under
// the lock, no writer is using).
func (s *Store) Check(ctx context.Context) ([]string, error) {
	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	s.checkModes(report)
	s.removeStaleTempFiles(report)
	s.removeInitLeftover(report)
	s.mendCADER(ca, report)
	s.checkBundles(report)

	next, err := readSerialFile(s.SerialPath())
	if err != nil {
		report("%v", err)
	}
	entries, err := ReadDatabase(s.DatabasePath())
	if err != nil {
		report("%v", err)
	}
	// A directory with a second CA (qemu-ca) holds in certs/ and the index
	// what each CA issued: each certificate is checked against the CA
	// that issued it.
	issuers := s.directoryCAs(ca.cert)
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if seen[e.Serial] {
			report("serial %s appears twice in %s", e.Serial, s.DatabasePath())
		}
		seen[e.Serial] = true
		serial, _ := parseSerial(e.Serial) // ReadDatabase checked it
		if next != nil && serial.Cmp(next) >= 0 {
			report("serial %s is issued but %s says %s is next", e.Serial, s.SerialPath(), FormatSerial(next))
		}
		path := s.SerialCertPath(e.Serial)
		cert, err := ReadCertificate(path)
		if err != nil {
			report("serial %s: %v", e.Serial, err)
			continue
		}
		if FormatSerial(cert.SerialNumber) != e.Serial {
			report("%s holds serial %s", path, FormatSerial(cert.SerialNumber))
		}
		if !issuers.signed(cert) {
			report("%s is not signed by %s", path, issuers)
		}
	}
	certs, err := filepath.Glob(filepath.Join(s.path(s.opts.certDir), "*.cer"))
	if err != nil {
		return nil, err
	}
	for _, path := range certs {
		if atomicfile.IsTemp(filepath.Base(path)) {
			continue // a crashed signer's; the next signer of that name reuses it
		}
		if _, err := ReadCertificate(path); err != nil {
			report("%v", err)
		}
	}
	return problems, nil
}

// checkModes reports files and directories whose modes let other users
// read the CA key or change what the CA issues. The engine's own layout
// passes: private/ 0750 and the key 0640, readable by the group of the
// engine's service account, which runs pki-enroll-request.sh and so must
// read the key. What fails is access for others, write access for the
// group where only the owner should write, a key or private/ whose group
// is not the directory's (the group that may read the key is the one the
// package gave the directory), and symbolic links where the CA's files
// should be.
func (s *Store) checkModes(report func(string, ...any)) {
	var dirGID uint32
	var haveDir bool
	if st, err := lstatOwner(s.dir); err == nil {
		dirGID, haveDir = st.Gid, true
	}
	checks := []struct {
		path    string
		forbid  os.FileMode
		problem string
		// groupRead: the group may read, so the group must be the directory's.
		groupRead bool
	}{
		{s.dir, 0o022, "is writable by group or others", false},
		{s.path("private"), 0o027, "is writable by its group or accessible to others", true},
		{s.CAKeyPath(), 0o037, "(the CA key) is writable by its group or readable or writable by others", true},
		{s.CACertPath(), 0o022, "is writable by group or others", false},
		{s.path(s.opts.certDir), 0o022, "is writable by group or others", false},
		{s.SerialPath(), 0o022, "is writable by group or others", false},
		{s.DatabasePath(), 0o022, "is writable by group or others", false},
	}
	for _, c := range checks {
		fi, err := os.Lstat(c.path)
		if err != nil {
			continue // a missing file is reported where it is read
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			report("%s is a symbolic link (the CA's files and directories must be the directory's own)", c.path)
			continue
		}
		mode := fi.Mode().Perm()
		if mode&c.forbid != 0 {
			report("%s %s (mode %04o)", c.path, c.problem, mode)
			continue
		}
		if !c.groupRead || mode&0o070 == 0 || !haveDir {
			continue
		}
		if st, err := lstatOwner(c.path); err == nil && st.Gid != dirGID {
			report("%s is open to group %d, which is not the group of %s (%d)", c.path, st.Gid, s.dir, dirGID)
		}
	}
}

// lstatOwner is the owner and group of path.
func lstatOwner(path string) (*syscall.Stat_t, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// mendCADER rewrites certs/ca.der from ca.pem when it holds another
// certificate or none (a renewal killed between the two leaves it behind),
// or holds the CA certificate in DER, as an older pkienroll wrote it:
// the engine's scripts write it in PEM, and engine-setup, which tells an
// administrator who lost ca.pem to restore it from certs/ca.der, reads
// ca.pem as PEM.
func (s *Store) mendCADER(ca *ca, report func(string, ...any)) {
	path := s.CADERPath()
	if _, err := os.Lstat(path); err != nil {
		return // a directory openssl alone made may have none
	}
	why := "did not hold the CA certificate of " + s.CACertPath() + " (an interrupted renewal)"
	if cert, err := ReadCertificate(path); err == nil && cert.Equal(ca.cert) {
		data, err := readFileLimited(path, maxCertFileSize, false)
		if err != nil || bytes.Contains(data, []byte("-----BEGIN CERTIFICATE-----")) {
			return
		}
		why = "held the CA certificate in DER, which engine-setup cannot read back as ca.pem"
	}
	if err := atomicfile.WriteLocked(path, EncodeCertificatePEM(ca.cert.Raw), modePublic); err != nil {
		report("%s %s and cannot be rewritten: %v", path, why, err)
		return
	}
	report("%s %s: rewritten in PEM, as the engine's scripts write it", path, why)
}

// removeInitLeftover removes the staging directory of an init that was
// killed after publishing the CA (the CA certificate exists, so the init
// was complete).
func (s *Store) removeInitLeftover(report func(string, ...any)) {
	staging := s.initStagingDir()
	if _, err := os.Lstat(staging); err != nil {
		return
	}
	if err := os.RemoveAll(staging); err != nil {
		report("cannot remove %s, left by an interrupted ca init: %v", staging, err)
	}
}

// removeStaleTempFiles deletes the temporary files of lock holders (see
// atomicfile.StageLocked) in the directories the store writes: under the lock, no one
// is writing them, so they are a crash's leftovers. Temporary files of
// writers without the lock (random names, see atomicfile.Stage) may be in
// flight and are left alone until they are older than unlockedTempAge
// (staleUnlocked), when they can only be a crash's too (a ca.der staged
// by RenewCA, serve's own key in keys/). In keys/ and requests/ it
// finishes what an interrupted Enroll left (finishEnrollments), reporting
// each step. Only a lock holder may call it.
func (s *Store) removeStaleTempFiles(report func(string, ...any)) {
	for _, dir := range []string{s.dir, s.path(s.opts.certDir)} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if atomicfile.IsLockedTemp(e.Name()) || staleUnlocked(e) {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	s.finishEnrollments(report, "")
}

// unlockedTempAge is how long a temporary file of a writer without the
// store's lock may be in flight: a write of a few kilobytes takes
// milliseconds, so one older than this was left by a crash.
const unlockedTempAge = time.Hour

// staleUnlocked reports whether e is the temporary file of a writer
// without the lock older than unlockedTempAge (by the system's clock,
// which set its time, not the store's WithNow): a crash's.
func staleUnlocked(e os.DirEntry) bool {
	if !atomicfile.IsTemp(e.Name()) || atomicfile.IsLockedTemp(e.Name()) {
		return false
	}
	info, err := e.Info()
	return err == nil && info.ModTime().Before(time.Now().Add(-unlockedTempAge))
}
