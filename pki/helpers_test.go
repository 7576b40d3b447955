package pki_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// Subjects of the engine tests, in the slash form.
const (
	engineCASubject    = "/C=US/O=Example Inc./CN=engine.example.com.81108"
	engineProxySubject = "/C=US/O=Example Inc./CN=proxy.example.com"
)

// sharedKeys are RSA-2048 keys made once per test binary: generating one
// costs more than everything a signing test does, so all tests share them.
// Key 0 is the CA key newTestStore uses, key 1 the requests' key, key 2 a
// stranger (a CA key that does not match the CA certificate).
var sharedKeys = sync.OnceValues(func() ([]*rsa.PrivateKey, error) {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := pki.GenerateKey(2048)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
})

const (
	caKeyIndex      = 0
	requestKeyIndex = 1
	otherKeyIndex   = 2
)

// sharedKey returns the shared key number i.
func sharedKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keys, err := sharedKeys()
	if err != nil {
		t.Fatalf("generate test keys: %v", err)
	}
	return keys[i]
}

// sharedCAKeyGenerator is a WithKeyGenerator option that hands out the shared
// CA key instead of making one.
func sharedCAKeyGenerator(t testing.TB) pki.StoreOption {
	t.Helper()
	key := sharedKey(t, caKeyIndex)
	return pki.WithKeyGenerator(func(bits int) (crypto.Signer, error) {
		if bits != pki.DefaultKeyBits {
			return nil, fmt.Errorf("test key generator: asked for %d bits", bits)
		}
		return key, nil
	})
}

// storeName parses a subject or fails the test.
func storeName(t testing.TB, s string) dn.Name {
	t.Helper()
	n, err := dn.Parse(s)
	if err != nil {
		t.Fatalf("dn.Parse(%q): %v", s, err)
	}
	return n
}

// newTestStore runs InitStore on a new directory "pki" inside t.TempDir(),
// with the CA subject engineCASubject and the shared CA key. Options come
// after the key generator, so a test can still replace it.
func newTestStore(t testing.TB, opts ...pki.StoreOption) *pki.Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	all := append([]pki.StoreOption{sharedCAKeyGenerator(t)}, opts...)
	s, err := pki.InitStore(dir, pki.InitRequest{Subject: storeName(t, engineCASubject)}, all...)
	if err != nil {
		t.Fatalf("InitStore(%s): %v", dir, err)
	}
	return s
}

// writeRequest makes a request for subject with the shared request key and
// writes it as the store's requests/NAME.req (the CN becomes the request's
// SAN, as `pkienroll request` does). It returns the request's path.
func writeRequest(t testing.TB, s *pki.Store, name, subject string) string {
	t.Helper()
	return writeRequestTemplate(t, s, name, pki.RequestTemplate{Subject: storeName(t, subject)})
}

// writeRequestTemplate is writeRequest for a full template (SANs, no SAN).
func writeRequestTemplate(t testing.TB, s *pki.Store, name string, tmpl pki.RequestTemplate) string {
	t.Helper()
	der, err := pki.CreateRequest(sharedKey(t, requestKeyIndex), tmpl)
	if err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	path := s.RequestPath(name)
	writeStoreFile(t, path, pki.EncodeRequestPEM(der), 0o644)
	return path
}

// writeStoreFile writes data to path with exactly mode.
func writeStoreFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// writeSharedKey writes the shared key i as a PEM file (0600) and returns its
// path, for openssl commands that need the key.
func writeSharedKey(t testing.TB, path string, i int) string {
	t.Helper()
	data, err := pki.EncodeKey(sharedKey(t, i), pki.KeyEncoding{})
	if err != nil {
		t.Fatal(err)
	}
	writeStoreFile(t, path, data, 0o600)
	return path
}

// readStoreFile returns the content of path or fails the test.
func readStoreFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readStoreCert reads a PEM certificate or fails the test.
func readStoreCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(readStoreFile(t, path)))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s: no PEM CERTIFICATE block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cert
}

// storeFileState is what snapshot records of one directory entry.
type storeFileState struct {
	mode    fs.FileMode
	content string // file content, or a symbolic link's target
}

// snapshot records every entry under dir (relative path → mode and
// content), for asserting that a failed operation left a directory
// byte-identical.
func snapshot(t testing.TB, dir string) map[string]storeFileState {
	t.Helper()
	snap := make(map[string]storeFileState)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st := storeFileState{mode: fi.Mode()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if st.content, err = os.Readlink(path); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			st.content = string(data)
		}
		snap[rel] = st
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", dir, err)
	}
	return snap
}

// assertUnchanged fails the test when dir differs from the snapshot before.
func assertUnchanged(t testing.TB, dir string, before map[string]storeFileState) {
	t.Helper()
	after := snapshot(t, dir)
	var diffs []string
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			diffs = append(diffs, "removed "+p)
		case a.mode != b.mode:
			diffs = append(diffs, fmt.Sprintf("mode of %s: %v → %v", p, b.mode, a.mode))
		case a.content != b.content:
			diffs = append(diffs, fmt.Sprintf("content of %s changed: %q → %q", p, clipText(b.content), clipText(a.content)))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "added "+p)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("%s is not byte-identical to before:\n  %s", dir, strings.Join(diffs, "\n  "))
	}
}

func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// permOf returns the permission bits of path (not following a link).
func permOf(t testing.TB, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// storeDatabaseLines returns database.txt as lines, each with its newline; it
// fails the test when the file does not end with a newline.
func storeDatabaseLines(t testing.TB, s *pki.Store) []string {
	t.Helper()
	data := readStoreFile(t, s.DatabasePath())
	if data == "" {
		return nil
	}
	if !strings.HasSuffix(data, "\n") {
		t.Fatalf("%s does not end with a newline: %q", s.DatabasePath(), data)
	}
	lines := strings.SplitAfter(data, "\n")
	return lines[:len(lines)-1] // the empty string after the last newline
}

// indexUTCTime is how database.txt writes a date before 2050.
func indexUTCTime(t time.Time) string { return t.UTC().Format("060102150405Z") }

// opensslCertText is `openssl x509 -noout -text` of the certificate in path.
func opensslCertText(t testing.TB, path string) string {
	t.Helper()
	return runOpenSSL(t, "", "x509", "-noout", "-text", "-in", path)
}

// assertTextHas fails the test for every want missing from text.
func assertTextHas(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	missing := false
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
			missing = true
		}
	}
	if missing {
		t.Logf("%s:\n%s", what, text)
	}
}

// firstPEMBytes returns the DER inside the first PEM block of data.
func firstPEMBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("no PEM block in %q", clipText(string(data)))
	}
	return block.Bytes
}

// assertSameFile fails when the files at a and b differ.
func assertSameFile(t testing.TB, a, b string) {
	t.Helper()
	da, db := readStoreFile(t, a), readStoreFile(t, b)
	if !bytes.Equal([]byte(da), []byte(db)) {
		t.Errorf("%s and %s differ", a, b)
	}
}
