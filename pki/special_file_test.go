package pki_test

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/inspect"
)

// TestReadersRefuseSpecialFiles gives every reader of the package a FIFO
// (with no writer, whose open(2) would block forever without O_NONBLOCK) and
// a character device (/dev/zero, endless): each returns at once with "not a
// regular file" instead of blocking or reading up to its limit.
func TestReadersRefuseSpecialFiles(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	readers := map[string]func(path string) error{
		"ReadCertificate":  func(p string) error { _, err := pki.ReadCertificate(p); return err },
		"ReadCertificates": func(p string) error { _, err := pki.ReadCertificates(p); return err },
		"ReadCRL":          func(p string) error { _, err := pki.ReadCRL(p); return err },
		"ReadDatabase":     func(p string) error { _, err := pki.ReadDatabase(p); return err },
		"ReadKey":          func(p string) error { _, err := pki.ReadKey(p, nil); return err },
		"ReadPKCS12":       func(p string) error { _, err := pki.ReadPKCS12(p, "password"); return err },
		"ReadRequest":      func(p string) error { _, err := pki.ReadRequest(p); return err },
		"InspectFile":      func(p string) error { _, err := inspect.File(p, inspect.Options{}); return err },
	}
	for name, read := range readers {
		for _, path := range []string{fifo, "/dev/zero"} {
			t.Run(name+"/"+filepath.Base(path), func(t *testing.T) {
				t.Parallel()
				err := finishes(t, name, func() error { return read(path) })
				if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), path) {
					t.Errorf("%s(%s) = %v, want an error naming the file and saying it is not a regular file", name, path, err)
				}
			})
		}
	}
}

// TestSignRefusesFIFOSerial: a FIFO serial.txt is refused at once, under
// the lock, which is released: the next signer is not kept waiting.
func TestSignRefusesFIFOSerial(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t, pki.WithLockTimeout(0))
	pkitest.WriteRequest(t, s, "proxy", "/C=US/O=Example Inc./CN=proxy.example.com")
	for range 2 {
		if err := syscall.Unlink(s.SerialPath()); err != nil && !errors.Is(err, syscall.ENOENT) {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(s.SerialPath(), 0o644); err != nil {
			t.Fatal(err)
		}
		before := pkitest.Snapshot(t, s.Dir())
		err := finishes(t, "Sign", func() error { return signProxy(t, s) })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") || errors.Is(err, pki.ErrLocked) {
			t.Errorf("Sign with a FIFO serial.txt: %v, want not a regular file", err)
		}
		pkitest.AssertUnchanged(t, s.Dir(), before)
	}
}
