package pki_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// hangTimeout bounds operations that a bug could block forever (a FIFO
// opened for reading or writing): the test fails instead of hanging. It is
// not a speed requirement; the operations take milliseconds.
const hangTimeout = 30 * time.Second

// finishes runs fn and fails the test when it has not returned within
// hangTimeout. A hung fn is left behind (the test binary exits soon after).
func finishes(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangTimeout):
		t.Fatalf("%s did not return within %s: it blocks", what, hangTimeout)
		return nil
	}
}

// plant puts something other than a fresh file at path: a hard link or a
// symbolic link to victim, a FIFO, or a regular file of stale content.
func plant(t *testing.T, kind, path, victim string) {
	t.Helper()
	var err error
	switch kind {
	case "hard link":
		err = os.Link(victim, path)
	case "symlink":
		err = os.Symlink(victim, path)
	case "fifo":
		err = syscall.Mkfifo(path, 0o600)
	case "stale file":
		err = os.WriteFile(path, []byte("half a fi"), 0o644)
	default:
		t.Fatalf("unknown kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestTempFilesNeverWrittenThrough plants a hard link, a symbolic link, a
// FIFO and a stale file at each fixed temporary name a lock holder writes
// (serial.txt, database.txt, crlnumber.txt, certs/SERIAL.pem,
// certs/NAME.cer), then runs the writer: it succeeds, the link targets (a
// file outside the store and the CA key) stay byte-identical, and nothing
// is left at the temporary name.
func TestTempFilesNeverWrittenThrough(t *testing.T) {
	t.Parallel()
	writers := []struct {
		tmp   func(s *pki.Store) string
		write func(t *testing.T, s *pki.Store) error
	}{
		{func(s *pki.Store) string { return filepath.Join(s.Dir(), ".pkienroll-tmp-serial.txt") }, signProxy},
		{func(s *pki.Store) string { return filepath.Join(s.Dir(), "certs", ".pkienroll-tmp-1002.pem") }, signProxy},
		{func(s *pki.Store) string { return filepath.Join(s.Dir(), "certs", ".pkienroll-tmp-proxy.cer") }, signProxy},
		{func(s *pki.Store) string { return filepath.Join(s.Dir(), ".pkienroll-tmp-database.txt") }, func(t *testing.T, s *pki.Store) error {
			_, err := s.Revoke(t.Context(), pki.RevokeRequest{Serial: "1001"})
			return err
		}},
		{func(s *pki.Store) string { return filepath.Join(s.Dir(), ".pkienroll-tmp-crlnumber.txt") }, func(t *testing.T, s *pki.Store) error {
			_, err := s.GenerateCRL(t.Context(), 1)
			return err
		}},
	}
	for _, w := range writers {
		for _, kind := range []string{"hard link", "symlink", "fifo", "stale file"} {
			for _, victimName := range []string{"outside", "CA key"} {
				s := pkitest.NewStore(t)
				tmp := w.tmp(s)
				t.Run(filepath.Base(tmp)+"/"+kind+"/"+victimName, func(t *testing.T) {
					t.Parallel()
					signNames(t, s, "proxy") // serial 1001
					victim := filepath.Join(t.TempDir(), "victim")
					pkitest.WriteFile(t, victim, []byte("victim content\n"), 0o644)
					if victimName == "CA key" {
						victim = s.CAKeyPath()
					}
					before, err := os.ReadFile(victim)
					if err != nil {
						t.Fatal(err)
					}
					plant(t, kind, tmp, victim)
					if err := finishes(t, "the writer", func() error { return w.write(t, s) }); err != nil {
						t.Fatalf("writer with a %s at %s: %v", kind, tmp, err)
					}
					after, err := os.ReadFile(victim)
					if err != nil {
						t.Fatal(err)
					}
					if string(after) != string(before) {
						t.Errorf("%s was written through the %s at %s", victim, kind, tmp)
					}
					if _, err := os.Lstat(tmp); !os.IsNotExist(err) {
						t.Errorf("%s left in place: %v", tmp, err)
					}
					assertStoreSound(t, s, "after the writer")
				})
			}
		}
	}
}

func signProxy(t *testing.T, s *pki.Store) error {
	_, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Days: 30})
	return err
}
