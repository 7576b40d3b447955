package pki

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// Lookup returns the certificate of the index with serial, with the names
// it is issued under, as List does for it, but without parsing every
// certificate of the directory: an EST renewal asks this twice, the second
// time under the lock the engine's scripts wait on, and List's cost grows
// with every name the CA has issued to (docs/performance.md).
//
// The index is searched for serial's line, not parsed whole, so a broken
// line elsewhere is Check's to report, not Lookup's. The names are found
// from the names a certificate of that serial was seen under, each checked
// by reading its certs/NAME.cer; a serial never seen is looked for in the
// certificates changed since the directory was last read. A serial not in
// the index is ErrNotFound.
//
// One thing List sees that Lookup may not: a certificate copied by hand to
// a further name after this Store saw it under its first. Nothing
// pkienroll or the engine's scripts do issues a serial twice, under two
// names; a Store opened afresh (a restarted server) sees both.
//
// Lookup reads without the lock, as List does.
func (s *Store) Lookup(serial string) (Issuance, error) {
	if _, err := parseSerial(serial); err != nil {
		// No index holds it: what a client presents is not the
		// store's fault.
		return Issuance{}, fmt.Errorf("look up serial: %w: %w", err, ErrNotFound)
	}
	e, err := findEntry(s.DatabasePath(), serial)
	if err != nil {
		return Issuance{}, err
	}
	names, err := s.namesOf(serial)
	if err != nil {
		return Issuance{}, err
	}
	return Issuance{Entry: e, Names: names}, nil
}

// findEntry is the first line of the index at path for serial, found by
// searching the file's text for the serial's column: one sequential read,
// however many lines there are, and one line parsed. The last line is read
// as ReadDatabase reads it (a torn one is not there yet).
func findEntry(path, serial string) (Entry, error) {
	buf := indexBuffers.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		indexBuffers.Put(buf)
	}()
	if err := readIndex(path, buf); err != nil {
		return Entry{}, fmt.Errorf("read database %s: %w", path, err)
	}
	// The entry returned copies what it keeps (ParseEntry's strings).
	data := buf.Bytes()
	needle := []byte("\t" + serial + "\t")
	for off := 0; ; {
		i := bytes.Index(data[off:], needle)
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		start := bytes.LastIndexByte(data[:i], '\n') + 1
		// Counted only for an error: it costs a pass over the text.
		lineNo := func() int { return bytes.Count(data[:start], []byte("\n")) + 1 }
		end := bytes.IndexByte(data[i:], '\n')
		var e Entry
		var err error
		if end < 0 {
			var kind tailKind
			e, kind, err = classifyTail(string(data[start:]))
			switch kind {
			case tailTorn:
				continue // an append a crash cut short: not issued
			case tailBad:
				return Entry{}, fmt.Errorf("read database %s: line %d: %w", path, lineNo(), unterminatedError(err))
			}
		} else if e, err = ParseEntry(string(data[start : i+end])); err != nil {
			return Entry{}, fmt.Errorf("read database %s: line %d: %w: %w", path, lineNo(), err, ErrBadStore)
		}
		if e.Serial == serial {
			return e, nil
		}
		// The serial's text in another column (a file name): search on.
	}
	return Entry{}, fmt.Errorf("serial %s is not in %s: %w", serial, path, ErrNotFound)
}

// indexBuffers hold the index text between lookups: it is the one file a
// lookup reads whole, and allocating (and clearing) a buffer of its size
// each time was half of a lookup's cost at 5 000 lines.
var indexBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readIndex reads the index at path as readFileLimited does, into buf.
func readIndex(path string, buf *bytes.Buffer) error {
	f, err := safefile.OpenRegular(path, true)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return safefile.UnwrapPathError(err)
	}
	buf.Grow(int(min(fi.Size(), maxDatabaseSize)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, maxDatabaseSize+1)); err != nil {
		return safefile.UnwrapPathError(err)
	}
	if buf.Len() > maxDatabaseSize {
		return fmt.Errorf("larger than %d bytes", maxDatabaseSize)
	}
	return nil
}

// certNames remembers, for a long-lived Store (the EST server's), under
// which names each serial was seen, so that a lookup reads the one or two
// certs/NAME.cer that may hold it instead of all of them. It is a guide,
// never the answer: every name it gives is checked against its file.
type certNames struct {
	mu sync.Mutex
	// seen maps a serial to the names whose certs/NAME.cer held it when
	// read, or that this Store wrote it to.
	seen map[string][]string
	// stamps are the size and time of each certs/NAME.cer when last
	// parsed, so that a scan parses only the files changed since.
	stamps map[string]fileStamp
	// scan serialises scans, so that lookups that miss together read the
	// directory once; mu is not held while reading it, and a lookup that
	// hits (the check under the lock) never waits for a scan.
	scan sync.Mutex
	// scans counts the scans, for the tests.
	scans int
}

// fileStamp tells whether a file changed since it was parsed.
type fileStamp struct {
	size  int64
	mtime time.Time
}

// racyStamp is how recent a file's modification time may be for its stamp
// to be trusted: a file rewritten in place within the file system's clock
// tick (a few milliseconds) keeps its time, and one of the same size would
// look unchanged, so a file this young is parsed again at the next scan.
const racyStamp = 2 * time.Second

// record notes that certs/name.cer now holds serial (the signer wrote it).
func (c *certNames) record(name, serial string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(name, serial)
}

// add is record with mu held.
func (c *certNames) add(name, serial string) {
	if c.seen == nil {
		c.seen = make(map[string][]string)
	}
	for _, n := range c.seen[serial] {
		if n == name {
			return
		}
	}
	c.seen[serial] = append(c.seen[serial], name)
}

// candidates are the names serial was seen under, and whether it was.
func (c *certNames) candidates(serial string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	names, ok := c.seen[serial]
	return append([]string(nil), names...), ok
}

// namesOf are the names whose certs/NAME.cer is the certificate with
// serial, sorted, as namesBySerial finds them.
func (s *Store) namesOf(serial string) ([]string, error) {
	candidates, ok := s.names.candidates(serial)
	if !ok {
		if err := s.scanNames(); err != nil {
			return nil, err
		}
		candidates, _ = s.names.candidates(serial)
	}
	var names []string
	for _, name := range candidates {
		if s.holds(name, serial) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// holds reports whether certs/name.cer is a regular file holding the
// certificate with serial, by namesBySerial's rules.
func (s *Store) holds(name, serial string) bool {
	p := s.CertPath(name)
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	cert, err := ReadCertificate(p)
	return err == nil && FormatSerial(cert.SerialNumber) == serial
}

// scanNames reads the certs/*.cer files changed since the last scan (all
// of them the first time) and notes the serial each holds.
func (s *Store) scanNames() error {
	c := s.names
	c.scan.Lock()
	defer c.scan.Unlock()
	dir := s.path(s.opts.certDir)
	paths, err := filepath.Glob(filepath.Join(dir, "*.cer"))
	if err != nil {
		return err
	}
	c.mu.Lock()
	old := c.stamps
	c.mu.Unlock()
	now := time.Now()
	stamps := make(map[string]fileStamp, len(paths))
	found := make(map[string]string)
	for _, p := range paths {
		base := filepath.Base(p)
		if atomicfile.IsTemp(base) {
			continue
		}
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		name := strings.TrimSuffix(base, ".cer")
		st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
		if prev, ok := old[name]; ok && prev == st {
			stamps[name] = st
			continue
		}
		cert, err := ReadCertificate(p)
		if err != nil {
			continue // Check reports broken files
		}
		found[name] = FormatSerial(cert.SerialNumber)
		if now.Sub(st.mtime) > racyStamp {
			stamps[name] = st
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stamps = stamps
	for name, serial := range found {
		c.add(name, serial)
	}
	c.scans++
	return nil
}
