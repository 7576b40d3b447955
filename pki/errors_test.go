package pki_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
)

// TestOpenStoreMissing: a missing directory, a directory without its CA
// certificate and a missing request each wrap the package's own sentinel,
// and the first and last fs.ErrNotExist too, as the package doc promises.
func TestOpenStoreMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := pki.OpenStore(filepath.Join(dir, "none"))
	if !errors.Is(err, pki.ErrNoStore) || !errors.Is(err, fs.ErrNotExist) || errors.Is(err, pki.ErrNoRequest) {
		t.Errorf("OpenStore of a missing directory: %v, want ErrNoStore and fs.ErrNotExist only", err)
	}
	_, err = pki.OpenStore(dir)
	if !errors.Is(err, pki.ErrNoCA) || !errors.Is(err, pki.ErrBadStore) || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenStore of a directory without ca.pem: %v, want ErrNoCA and ErrBadStore", err)
	}
	_, err = pki.ReadRequest(filepath.Join(dir, "none.req"))
	if !errors.Is(err, pki.ErrNoRequest) || !errors.Is(err, fs.ErrNotExist) || errors.Is(err, pki.ErrNoStore) {
		t.Errorf("ReadRequest of a missing file: %v, want ErrNoRequest and fs.ErrNotExist only", err)
	}
}
