package host_test

import (
	"crypto"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/host"
)

// TestLoadOrMakeKey: with reuse an existing key is read, not made; without
// it, or with no key yet, one is made; a key with a passphrase is refused.
func TestLoadOrMakeKey(t *testing.T) {
	f := filesIn(t)
	made := 0
	gen := func() (crypto.Signer, error) { made++; return ecKey(t), nil }
	k1, created, err := f.LoadOrMakeKey(true, gen)
	if err != nil || !created || made != 1 {
		t.Fatalf("no key yet: created %v, made %d, %v", created, made, err)
	}
	if err := f.Install(host.Bundle{Key: k1}, host.Options{}); err != nil {
		t.Fatal(err)
	}
	k2, created, err := f.LoadOrMakeKey(true, gen)
	if err != nil || created || made != 1 || !pki.KeyMatches(k1.Public(), k2) {
		t.Errorf("reuse: created %v, made %d, same %v, %v", created, made, pki.KeyMatches(k1.Public(), k2), err)
	}
	if _, created, err := f.LoadOrMakeKey(false, gen); err != nil || !created || made != 2 {
		t.Errorf("no reuse: created %v, made %d, %v", created, made, err)
	}

	enc := filepath.Join(t.TempDir(), "enc.key")
	if err := pki.WriteKey(enc, ecKey(t), pki.KeyEncoding{Passphrase: []byte("secret12")}, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (host.Files{Key: enc}).LoadOrMakeKey(true, gen); err == nil || !strings.Contains(err.Error(), "without passphrase") {
		t.Errorf("a key with a passphrase: %v", err)
	}
	if _, _, err := (host.Files{}).LoadOrMakeKey(true, gen); !errors.Is(err, host.ErrNoPath) {
		t.Errorf("no key file: %v", err)
	}
}
