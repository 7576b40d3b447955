package host_test

import (
	"crypto"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/host"
)

// TestInstallKeyMismatch: a key and a certificate that do not belong
// together, however the key is given, are refused with an error naming
// both files, and nothing is written or replaced; an encrypted KeyPEM is
// checked through Key, and refused without it.
func TestInstallKeyMismatch(t *testing.T) {
	key, cert := selfSignedKey(t, "svc")
	other := ecKey(t)
	enc := func(k crypto.Signer) []byte {
		t.Helper()
		data, err := pki.EncodeKey(k, pki.KeyEncoding{Passphrase: []byte("secret")})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	clear := func(k crypto.Signer) []byte {
		t.Helper()
		data, err := pki.EncodeKey(k, pki.KeyEncoding{})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, force := range []bool{false, true} {
		f := filesIn(t)
		f.CA, f.EngineCert, f.CSR, f.Config = "", "", "", ""
		if force {
			// Files in place: a refused install replaces none of them.
			if err := f.Install(host.Bundle{Key: key, Cert: cert}, host.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		before := pkitest.Snapshot(t, filepath.Dir(f.Key))
		for name, tc := range map[string]struct {
			b    host.Bundle
			want error
		}{
			"Key":                        {host.Bundle{Key: other, Cert: cert}, pki.ErrKeyMismatch},
			"KeyPEM":                     {host.Bundle{KeyPEM: clear(other), Cert: cert}, pki.ErrKeyMismatch},
			"KeyPEM over a matching Key": {host.Bundle{Key: key, KeyPEM: clear(other), Cert: cert}, pki.ErrKeyMismatch},
			"encrypted KeyPEM and Key":   {host.Bundle{Key: other, KeyPEM: enc(other), Cert: cert}, pki.ErrKeyMismatch},
			"encrypted KeyPEM alone":     {host.Bundle{KeyPEM: enc(key), Cert: cert}, host.ErrPairUnchecked},
		} {
			err := f.Install(tc.b, host.Options{Force: force})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), f.Key) || !strings.Contains(err.Error(), f.Cert) {
				t.Errorf("%s (force %v): %v, want %v naming %s and %s", name, force, err, tc.want, f.Key, f.Cert)
			}
			pkitest.AssertUnchanged(t, filepath.Dir(f.Key), before)
		}
		if err := f.Install(host.Bundle{Key: key, KeyPEM: enc(key), Cert: cert}, host.Options{Force: true}); err != nil {
			t.Errorf("an encrypted key with its certificate (force %v): %v", force, err)
		}
	}
}
