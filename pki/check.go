package pki

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	defer lock.unlock()
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	s.checkModes(report)
	s.removeStaleTempFiles(report)

	next, err := readSerialFile(s.SerialPath())
	if err != nil {
		report("%v", err)
	}
	entries, err := ReadDatabase(s.DatabasePath())
	if err != nil {
		report("%v", err)
	}
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
		if err := cert.CheckSignatureFrom(ca.cert); err != nil {
			report("%s is not signed by the CA %s", path, s.CACertPath())
		}
	}
	certs, err := filepath.Glob(filepath.Join(s.path(s.opts.certDir), "*.cer"))
	if err != nil {
		return nil, err
	}
	for _, path := range certs {
		if isTempFile(filepath.Base(path)) {
			continue // a crashed signer's; the next signer of that name reuses it
		}
		if _, err := ReadCertificate(path); err != nil {
			report("%v", err)
		}
	}
	return problems, nil
}

// checkModes reports files and directories whose modes let other users
// read the CA key or change what the CA issues.
func (s *Store) checkModes(report func(string, ...any)) {
	checks := []struct {
		path    string
		forbid  os.FileMode
		problem string
	}{
		{s.dir, 0o022, "is writable by group or others"},
		{s.path("private"), 0o077, "is accessible to group or others"},
		{s.CAKeyPath(), 0o077, "(the CA key) is readable or writable by group or others"},
		{s.CACertPath(), 0o022, "is writable by group or others"},
		{s.path(s.opts.certDir), 0o022, "is writable by group or others"},
		{s.SerialPath(), 0o022, "is writable by group or others"},
		{s.DatabasePath(), 0o022, "is writable by group or others"},
	}
	for _, c := range checks {
		fi, err := os.Lstat(c.path)
		if err != nil {
			continue // a missing file is reported where it is read
		}
		if mode := fi.Mode().Perm(); mode&c.forbid != 0 {
			report("%s %s (mode %04o)", c.path, c.problem, mode)
		}
	}
}

// removeStaleTempFiles deletes the temporary files of lock holders (see
// stageLocked) in the directories the store writes: under the lock, no one
// is writing them, so they are a crash's leftovers. Temporary files of
// writers without the lock (random names, see stageFile) may be in flight
// and are left alone. In keys/ and requests/ it finishes what an
// interrupted Enroll left (finishEnrollments), reporting each step. Only a
// lock holder may call it.
func (s *Store) removeStaleTempFiles(report func(string, ...any)) {
	for _, dir := range []string{s.dir, s.path(s.opts.certDir)} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if isLockedTempFile(e.Name()) {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	s.finishEnrollments(report, "")
}
