package pki_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestCheckOutput: every file of the store, existing or not, is refused as
// an output, in its subdirectories at any depth and through another
// spelling of the directory; CheckExtractOutput lets keys/ take a key
// (keys/NAME.key.nopass, as engine-setup extracts it) but not a bundle.
// Before, .truststore, the configuration files, est/ and files below a
// subdirectory of certs/ passed.
func TestCheckOutput(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	for _, d := range []string{"keys", "est/tokens", "certs/old"} {
		if err := os.MkdirAll(filepath.Join(s.Dir(), d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	alias := filepath.Join(t.TempDir(), "alias")
	if err := os.Symlink(s.Dir(), alias); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	cases := []struct {
		path             string
		refused, extract bool // by CheckOutput, by CheckExtractOutput
	}{
		{filepath.Join(s.Dir(), "private", "ca.pem"), true, true},
		{filepath.Join(s.Dir(), "ca.pem"), true, true},
		{filepath.Join(alias, "ca.pem"), true, true},
		{filepath.Join(s.Dir(), "serial.txt"), true, true},
		{filepath.Join(s.Dir(), "database.txt.attr.old"), true, true},
		{filepath.Join(s.Dir(), "crlnumber.txt"), true, true},
		{filepath.Join(s.Dir(), ".truststore"), true, true},
		{filepath.Join(alias, ".truststore"), true, true},
		{filepath.Join(s.Dir(), "openssl.conf"), true, true},
		{filepath.Join(s.Dir(), "cert.conf"), true, true},
		{filepath.Join(s.Dir(), "qemu-cacert.conf"), true, true},
		{filepath.Join(s.Dir(), "cert.template"), true, true},
		{filepath.Join(s.Dir(), ".pkienroll-tmp-x"), true, true},
		{filepath.Join(s.Dir(), "certs", "ca.der"), true, true},
		{filepath.Join(s.Dir(), "certs", "old", "x.cer"), true, true},
		{filepath.Join(s.Dir(), "requests", "x.req"), true, true},
		{filepath.Join(s.Dir(), "est", "tokens", "x.json"), true, true},
		{filepath.Join(s.Dir(), "keys", "x.p12"), true, true},
		{filepath.Join(alias, "keys", "x.p12"), true, true},
		{filepath.Join(s.Dir(), "keys", "x.key.nopass"), true, false},
		{filepath.Join(s.Dir(), "ca.crl"), false, false},
		{filepath.Join(outside, "ca.pem"), false, false},
		{filepath.Join(outside, "serial.txt"), false, false},
	}
	for _, tc := range cases {
		for _, check := range []struct {
			name string
			fn   func(string) error
			want bool
		}{{"CheckOutput", s.CheckOutput, tc.refused}, {"CheckExtractOutput", s.CheckExtractOutput, tc.extract}} {
			err := check.fn(tc.path)
			if got := errors.Is(err, pki.ErrStoreFile); got != check.want || (err != nil && !got) {
				t.Errorf("%s(%s) = %v, want refused %v", check.name, tc.path, err, check.want)
			}
		}
	}
}

// TestCheckOutputRelativeSpellings: a store opened with an absolute path
// refuses its files named by a relative path, and a store opened with a
// relative path refuses them named by an absolute one. Before, the two
// sides were compared as spelled after resolving links, so `crl --pki-dir
// /etc/pki/ovirt-engine --out private/ca.pem --force`, run in that
// directory, replaced the CA key with a CRL.
func TestCheckOutputRelativeSpellings(t *testing.T) {
	t.Parallel()
	abs := pkitest.NewStore(t)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, abs.Dir())
	if err != nil {
		t.Fatal(err)
	}
	relStore, err := pki.OpenStore(rel)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		store *pki.Store
		dir   string // how the output names the directory
	}{
		{"absolute store, relative output", abs, rel},
		{"relative store, absolute output", relStore, abs.Dir()},
	} {
		for _, file := range []string{"ca.pem", "serial.txt", "cert.conf", filepath.Join("private", "ca.pem"), filepath.Join("certs", "x.cer")} {
			path := filepath.Join(tc.dir, file)
			for _, check := range []func(string) error{tc.store.CheckOutput, tc.store.CheckExtractOutput} {
				if err := check(path); !errors.Is(err, pki.ErrStoreFile) {
					t.Errorf("%s: %s = %v, want %v", tc.name, path, err, pki.ErrStoreFile)
				}
			}
		}
		if err := tc.store.CheckOutput(filepath.Join(tc.dir, "ca.crl")); err != nil {
			t.Errorf("%s: ca.crl refused: %v", tc.name, err)
		}
	}
}
