package pki

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"os"
	"sort"
	"syscall"

	"github.com/pkienroll/pkienroll/internal/flock"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// sharedIndex is the serial and index that a second CA of a directory
// (engine-setup's qemu-ca beside ca) shares with the CAs already there,
// held for InitStore under the locks of those CAs, which their signers
// (pki-enroll-request.sh, pkienroll sign) take before they read serial.txt.
type sharedIndex struct {
	s      *Store
	serial *big.Int
	db     *os.File
	locks  []*flock.Lock
}

// openSharedIndex takes the lock of every other CA of the directory, reads
// the next serial and opens the index, refusing a torn index before
// anything changes. The caller holds the directory's lock and closes it.
func (s *Store) openSharedIndex() (*sharedIndex, error) {
	sh := &sharedIndex{s: s}
	others := s.otherCAs()
	names := make([]string, 0, len(others))
	for name := range others {
		names = append(names, name)
	}
	sort.Strings(names) // one order for every locker
	for _, name := range names {
		lock, err := flock.Exclusive(context.Background(), s.path(name+".pem"), s.opts.lockTimeout)
		if err != nil {
			sh.close()
			return nil, err
		}
		sh.locks = append(sh.locks, lock)
	}
	var err error
	if sh.serial, err = readSerialFile(s.SerialPath()); err != nil {
		sh.close()
		return nil, err
	}
	if err := checkSerialRange(s.SerialPath(), sh.serial, 1); err != nil {
		sh.close()
		return nil, err
	}
	sh.db, err = os.OpenFile(s.DatabasePath(), os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ELOOP) {
		err = ErrSymlink
	}
	if err != nil {
		sh.close()
		return nil, fmt.Errorf("open database %s: %w", s.DatabasePath(), safefile.UnwrapPathError(err))
	}
	last, err := lastIndexEntry(sh.db)
	if err == nil {
		err = checkPastIndex(s.SerialPath(), s.DatabasePath(), last, sh.serial)
	}
	if err != nil {
		sh.close()
		return nil, err
	}
	return sh, nil
}

// advance moves serial.txt past the serial the new CA takes.
func (sh *sharedIndex) advance() error {
	return writeSerialFile(sh.s.SerialPath(), new(big.Int).Add(sh.serial, big.NewInt(1)))
}

// record appends the new CA's index line.
func (sh *sharedIndex) record(cert *x509.Certificate) error {
	line, err := caIndexLine(cert)
	if err != nil {
		return err
	}
	if err := appendEntries(sh.db, []Entry{line}, sh.s.path(sh.s.opts.certDir)); err != nil {
		return fmt.Errorf("append to database %s: %w", sh.s.DatabasePath(), err)
	}
	return nil
}

// close releases the index and the locks.
func (sh *sharedIndex) close() {
	if sh.db != nil {
		_ = sh.db.Close()
	}
	for _, l := range sh.locks {
		l.Unlock()
	}
}
