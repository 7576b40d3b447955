package pki

import (
	"context"
	"fmt"
	"path/filepath"
)

// Check verifies the invariants that signing promises to keep even across
// crashes, and returns one line per breach (nil when the store is sound):
// every index line is whole and parses, no serial appears twice, serial.txt
// is past every issued serial, every index line has its certs/SERIAL.pem
// that the CA signed, and every certs/*.cer is a whole certificate. It takes
// the directory's lock so that it never sees a signer's work half done.
func (s *Store) Check(ctx context.Context) ([]string, error) {
	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

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
