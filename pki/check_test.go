package pki_test

import (
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestCheckFindsEachBreach breaks a sound store in one way at a time and
// expects Check to name exactly that breach.
func TestCheckFindsEachBreach(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		breakIt func(t *testing.T, s *pki.Store)
		want    string
	}{
		{"sound", func(*testing.T, *pki.Store) {}, ""},
		{"row without certificate", func(t *testing.T, s *pki.Store) {
			if err := os.Remove(s.SerialCertPath("1001")); err != nil {
				t.Fatal(err)
			}
		}, "serial 1001: read certificate"},
		{"serial behind", func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.SerialPath(), []byte("1001\n"), 0o644)
		}, "serial 1001 is issued but"},
		{"serial twice", func(t *testing.T, s *pki.Store) {
			line := storeDatabaseLines(t, s)[0]
			pkitest.WriteFile(t, s.DatabasePath(), []byte(line+line), 0o644)
		}, "serial 1001 appears twice"},
		{"certificate of another CA", func(t *testing.T, s *pki.Store) {
			other := pkitest.NewStore(t, pki.WithKeyGenerator(func(int) (crypto.Signer, error) { return pkitest.SharedKey(t, pkitest.OtherKey), nil }))
			signNames(t, other, "x")
			pkitest.WriteFile(t, s.SerialCertPath("1001"), []byte(pkitest.ReadFile(t, other.CertPath("x"))), 0o644)
		}, "is not signed by the CA"},
		{"partial certificate", func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.CertPath("proxy"), []byte("-----BEGIN CERTIFICATE-----\nMIIB"), 0o644)
		}, "proxy.cer"},
		{"CA key readable by others", func(t *testing.T, s *pki.Store) {
			if err := os.Chmod(s.CAKeyPath(), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "(the CA key) is writable by its group or readable or writable by others (mode 0644)"},
		{"directory writable by others", func(t *testing.T, s *pki.Store) {
			if err := os.Chmod(s.Dir(), 0o777); err != nil {
				t.Fatal(err)
			}
		}, "is writable by group or others (mode 0777)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			signNames(t, s, "proxy")
			tc.breakIt(t, s)
			problems, err := s.Check(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(problems) != 0 {
					t.Errorf("sound store: %q", problems)
				}
				return
			}
			if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Errorf("problems %q, want one saying %q", problems, tc.want)
			}
		})
	}
}

// TestCheckRemovesStaleTempFiles: what a crashed writer left is gone after
// a check, and is not reported as a broken certificate.
func TestCheckRemovesStaleTempFiles(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	stale := []string{
		filepath.Join(s.Dir(), "certs", ".pkienroll-tmp-1006.pem"),
		filepath.Join(s.Dir(), "certs", ".pkienroll-tmp-proxy.cer"),
		filepath.Join(s.Dir(), ".pkienroll-tmp-serial.txt"),
	}
	for _, p := range stale {
		pkitest.WriteFile(t, p, []byte("-----BEGIN CERT"), 0o644)
	}
	problems, err := s.Check(t.Context())
	if err != nil || len(problems) != 0 {
		t.Fatalf("Check: %v %q", err, problems)
	}
	for _, p := range stale {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s left in place", p)
		}
	}
}

// TestNextWriterReusesStaleTempFiles: a temporary file a crashed writer
// left is taken over by the next writer of the same file, and gone after it.
func TestNextWriterReusesStaleTempFiles(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	signNames(t, s, "proxy")
	stale := map[string]func() error{
		".pkienroll-tmp-serial.txt": func() error {
			_, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			return err
		},
		".pkienroll-tmp-database.txt": func() error {
			_, err := s.Revoke(t.Context(), pki.RevokeRequest{Name: "proxy"})
			return err
		},
		".pkienroll-tmp-crlnumber.txt": func() error {
			_, err := s.GenerateCRL(t.Context(), 1)
			return err
		},
		".pkienroll-tmp-ca.pem": func() error {
			_, err := s.RenewCA(t.Context(), 0)
			return err
		},
	}
	for name, write := range stale {
		path := filepath.Join(s.Dir(), name)
		pkitest.WriteFile(t, path, []byte("half a file"), 0o600)
		if err := write(); err != nil {
			t.Fatalf("writer after %s: %v", name, err)
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("%s left in place by the next writer", name)
		}
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) != 0 {
		t.Errorf("Check: %v %q", err, problems)
	}
}

// TestCheckStaleUnlockedTempFiles: a temporary file of a writer without
// the lock (a random "~" name) is left alone while it may be in flight;
// once older than an hour it is a crash's: removed, or in keys/, where it
// may hold the only copy of a key, reported.
func TestCheckStaleUnlockedTempFiles(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	old := time.Now().Add(-2 * time.Hour)
	write := func(path string, mtime time.Time) string {
		pkitest.WriteFile(t, path, []byte("half a file"), 0o600)
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if err := os.MkdirAll(filepath.Join(s.Dir(), "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	fresh := write(filepath.Join(s.Dir(), "certs", ".pkienroll-tmp-ca.der~0011223344556677"), time.Now())
	staleCert := write(filepath.Join(s.Dir(), "certs", ".pkienroll-tmp-ca.der~8899aabbccddeeff"), old)
	staleKey := write(filepath.Join(s.Dir(), "keys", ".pkienroll-tmp-est-server.key.nopass~0123456789abcdef"), old)
	problems, err := s.Check(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], staleKey) || !strings.Contains(problems[0], "only copy of a key") {
		t.Errorf("problems %q, want one naming %s", problems, staleKey)
	}
	if _, err := os.Lstat(fresh); err != nil {
		t.Errorf("a temporary file that may be in flight was removed: %v", err)
	}
	if _, err := os.Lstat(staleCert); !os.IsNotExist(err) {
		t.Errorf("%s left in place", staleCert)
	}
	if _, err := os.Lstat(staleKey); err != nil {
		t.Errorf("a temporary file of keys/ was removed: %v", err)
	}
}
