// Package pkitest holds the fixtures the tests of several packages share,
// so that each exists once: a few RSA keys made once per test binary, an
// engine CA store in a temporary directory, requests signed by a shared
// key, snapshots that prove a directory byte-identical, the real openssl
// and Squid (need.go), golden files (golden.go), copies (copy.go), HTTPS
// stand-ins and peer processes (serve.go), and the sandbox that runs a
// guide's commands (guide.go). It is for tests only, and imports no
// package whose own tests import it (pki/proxy, pki/est): a caller passes
// in what those packages know, such as proxy.FindSquid's answer.
package pkitest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// Subjects of the engine tests, in the slash form.
const (
	EngineCASubject    = "/C=US/O=Example Inc./CN=engine.example.com.81108"
	EngineProxySubject = "/C=US/O=Example Inc./CN=proxy.example.com"
)

// The shared keys: the CA key NewStore uses, the requests' key, and a
// stranger (a CA key that does not match the CA certificate).
const (
	CAKey      = 0
	RequestKey = 1
	OtherKey   = 2
)

// sharedKeys are RSA-2048 keys made once per test binary: generating one
// costs more than everything a signing test does, so all tests share them.
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

// SharedKey returns the shared key number i.
func SharedKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keys, err := sharedKeys()
	if err != nil {
		t.Fatalf("generate test keys: %v", err)
	}
	return keys[i]
}

// SharedCAKeyGenerator is a WithKeyGenerator option that hands out the shared
// CA key instead of making one.
func SharedCAKeyGenerator(t testing.TB) pki.StoreOption {
	t.Helper()
	key := SharedKey(t, CAKey)
	return pki.WithKeyGenerator(func(bits int) (crypto.Signer, error) {
		if bits != pki.DefaultKeyBits {
			return nil, fmt.Errorf("test key generator: asked for %d bits", bits)
		}
		return key, nil
	})
}

// Name parses a subject or fails the test.
func Name(t testing.TB, s string) dn.Name {
	t.Helper()
	n, err := dn.Parse(s)
	if err != nil {
		t.Fatalf("dn.Parse(%q): %v", s, err)
	}
	return n
}

// NewStore runs InitStore on a new directory "pki" inside t.TempDir(),
// with the CA subject EngineCASubject and the shared CA key. Options come
// after the key generator, so a test can still replace it.
func NewStore(t testing.TB, opts ...pki.StoreOption) *pki.Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	all := append([]pki.StoreOption{SharedCAKeyGenerator(t)}, opts...)
	s, err := pki.InitStore(dir, pki.InitRequest{Subject: Name(t, EngineCASubject)}, all...)
	if err != nil {
		t.Fatalf("InitStore(%s): %v", dir, err)
	}
	return s
}

// WriteRequest makes a request for subject with the shared request key and
// writes it as the store's requests/NAME.req (the CN becomes the request's
// SAN, as `pkienroll request` does). It returns the request's path.
func WriteRequest(t testing.TB, s *pki.Store, name, subject string) string {
	t.Helper()
	return WriteRequestTemplate(t, s, name, pki.RequestTemplate{Subject: Name(t, subject)})
}

// WriteRequestTemplate is WriteRequest for a full template (SANs, no SAN).
func WriteRequestTemplate(t testing.TB, s *pki.Store, name string, tmpl pki.RequestTemplate) string {
	t.Helper()
	der, err := pki.CreateRequest(SharedKey(t, RequestKey), tmpl)
	if err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	path := s.RequestPath(name)
	WriteFile(t, path, pki.EncodeRequestPEM(der), 0o644)
	return path
}

// WriteFile writes data to path with exactly mode.
func WriteFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// WriteSharedKey writes the shared key i as a PEM file (0600) and returns its
// path, for openssl commands that need the key.
func WriteSharedKey(t testing.TB, path string, i int) string {
	t.Helper()
	data, err := pki.EncodeKey(SharedKey(t, i), pki.KeyEncoding{})
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, path, data, 0o600)
	return path
}

// ReadFile returns the content of path or fails the test.
func ReadFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// ReadCert reads a PEM certificate or fails the test.
func ReadCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(ReadFile(t, path)))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s: no PEM CERTIFICATE block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cert
}

// OpenSSL returns the path of the openssl program. Interop tests are the
// proof that what we write is right, so under CI a missing openssl fails the
// test; by hand it skips with a loud message.
func OpenSSL(t testing.TB) string {
	t.Helper()
	return testenv.LookPath(t, "openssl", "openssl")
}

// RunOpenSSL runs openssl with args in dir (the test's cwd when empty) and
// returns its standard output; the test fails when openssl exits non-zero.
func RunOpenSSL(t testing.TB, dir string, args ...string) string {
	t.Helper()
	stdout, stderr, err := execOpenSSL(t, dir, args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// TryOpenSSL runs openssl like RunOpenSSL but hands back the error and the
// combined output instead of failing, for tests that expect a refusal.
func TryOpenSSL(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, err := execOpenSSL(t, dir, args...)
	return stdout + stderr, err
}

func execOpenSSL(t testing.TB, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(OpenSSL(t), args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// EKU parses an extended key usage list (serverAuth,clientAuth) or fails
// the test.
func EKU(t testing.TB, list string) []asn1.ObjectIdentifier {
	t.Helper()
	oids, err := pki.ParseExtKeyUsage(list)
	if err != nil {
		t.Fatal(err)
	}
	return oids
}

// FileState is what Snapshot records of one directory entry.
type FileState struct {
	Mode    fs.FileMode
	Content string // file content, or a symbolic link's target
}

// Snapshot records every entry under dir (relative path → mode and
// content), for asserting that a failed operation left a directory
// byte-identical.
func Snapshot(t testing.TB, dir string) map[string]FileState {
	t.Helper()
	snap := make(map[string]FileState)
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
		st := FileState{Mode: fi.Mode()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if st.Content, err = os.Readlink(path); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			st.Content = string(data)
		}
		snap[rel] = st
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", dir, err)
	}
	return snap
}

// AssertUnchanged fails the test when dir differs from the snapshot before.
func AssertUnchanged(t testing.TB, dir string, before map[string]FileState) {
	t.Helper()
	after := Snapshot(t, dir)
	var diffs []string
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			diffs = append(diffs, "removed "+p)
		case a.Mode != b.Mode:
			diffs = append(diffs, fmt.Sprintf("mode of %s: %v → %v", p, b.Mode, a.Mode))
		case a.Content != b.Content:
			diffs = append(diffs, fmt.Sprintf("content of %s changed: %q → %q", p, Clip(b.Content), Clip(a.Content)))
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

// Clip shortens s to 80 bytes for a failure message.
func Clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// PermOf returns the permission bits of path (not following a link).
func PermOf(t testing.TB, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// AssertNoTempFiles fails the test for every temporary file of atomicfile's
// left anywhere under dir.
func AssertNoTempFiles(t testing.TB, dir string) {
	t.Helper()
	for p := range Snapshot(t, dir) {
		if atomicfile.IsTemp(filepath.Base(p)) {
			t.Errorf("temporary file left behind: %s", p)
		}
	}
}

// ReplaceWithSymlink replaces path (if any) with a symbolic link to target.
func ReplaceWithSymlink(t testing.TB, path, target string) {
	t.Helper()
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}
