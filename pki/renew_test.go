package pki_test

import (
	"os"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestRenewCARefusesCADERItCannotReplace: a certs/ca.der that the renewal
// could not replace (a directory, a symbolic link) refuses it before
// ca.pem changes, so the directory is byte-identical, instead of a
// renewed ca.pem that no ca check can finish.
func TestRenewCARefusesCADERItCannotReplace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		plant func(path string) error
	}{
		{"directory", func(path string) error { return os.Mkdir(path, 0o755) }},
		{"symbolic link", func(path string) error { return os.Symlink("../ca.pem", path) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			if err := os.Remove(s.CADERPath()); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(s.CADERPath()); err != nil {
				t.Fatal(err)
			}
			before := pkitest.Snapshot(t, s.Dir())
			if _, err := s.RenewCA(t.Context(), 0); err == nil {
				t.Error("RenewCA succeeded")
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}
