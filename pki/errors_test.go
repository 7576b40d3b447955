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

// TestSentinelsDistinct: no two sentinels print the same text, so a line
// in a log says which one it was; ErrNoStore and ErrNoRequest read
// differently though both are fs.ErrNotExist.
func TestSentinelsDistinct(t *testing.T) {
	all := map[string]error{
		"ErrBadSAN": pki.ErrBadSAN, "ErrBadUsage": pki.ErrBadUsage, "ErrBadName": pki.ErrBadName,
		"ErrBadDays": pki.ErrBadDays, "ErrWeakKey": pki.ErrWeakKey, "ErrNotKey": pki.ErrNotKey,
		"ErrPassword": pki.ErrPassword, "ErrBadRequest": pki.ErrBadRequest, "ErrKeyMismatch": pki.ErrKeyMismatch,
		"ErrNoSubject": pki.ErrNoSubject, "ErrExists": pki.ErrExists, "ErrStoreFile": pki.ErrStoreFile,
		"ErrSymlink": pki.ErrSymlink, "ErrLocked": pki.ErrLocked, "ErrBadStore": pki.ErrBadStore,
		"ErrNotCertificate": pki.ErrNotCertificate, "ErrNotFound": pki.ErrNotFound,
		"ErrBadPassword": pki.ErrBadPassword, "ErrNotPKCS12": pki.ErrNotPKCS12, "ErrNoKey": pki.ErrNoKey,
		"ErrNotCRL": pki.ErrNotCRL, "ErrNoStore": pki.ErrNoStore, "ErrNoCA": pki.ErrNoCA,
		"ErrNoRequest": pki.ErrNoRequest, "ErrUnfinished": pki.ErrUnfinished, "ErrAfterCommit": pki.ErrAfterCommit,
		"ErrRevoked": pki.ErrRevoked,
	}
	seen := map[string]string{}
	for name, err := range all {
		if other, ok := seen[err.Error()]; ok {
			t.Errorf("%s and %s both read %q", name, other, err)
		}
		seen[err.Error()] = name
	}
}

// TestOnePasswordSentinel: a key that its passphrase does not open and a
// bundle that its password does not open are the same mistake, and wrap
// the same sentinel; ErrPassphrase is its old name.
func TestOnePasswordSentinel(t *testing.T) {
	key, err := pki.GenerateKey(2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := pki.EncodeKey(key, pki.KeyEncoding{Passphrase: []byte("right")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pki.ParseKey(pemKey, []byte("wrong"))
	if !errors.Is(err, pki.ErrPassword) || !errors.Is(err, pki.ErrPassphrase) {
		t.Errorf("ParseKey with the wrong passphrase: %v, want ErrPassword", err)
	}
}
