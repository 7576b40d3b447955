package pki_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// enrollStore opens s again with a key generator that hands out the shared
// request key, so that enrollments do not pay for a key.
func enrollStore(t *testing.T, s *pki.Store) *pki.Store {
	t.Helper()
	key := pkitest.SharedKey(t, pkitest.RequestKey)
	es, err := pki.OpenStore(s.Dir(), pki.WithKeyGenerator(func(int) (crypto.Signer, error) { return key, nil }))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// enrollRequest is the proxy's enrollment with password "pw".
func enrollRequest(t *testing.T) pki.EnrollRequest {
	t.Helper()
	return pki.EnrollRequest{
		SignRequest: pki.SignRequest{Name: "proxy", Subject: pkitest.Name(t, pkitest.EngineProxySubject), Days: 730},
		Password:    "pw",
	}
}

// backupsOf returns the FILE.YYYYMMDDHHMMSS backups of path.
func backupsOf(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(path + ".[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEnrollAndKeepKey enrolls with a new key, then again with --keep-key:
// the second certificate has the same public key and the next serial, and
// request, certificate and bundle of the first are kept as backups.
func TestEnrollAndKeepKey(t *testing.T) {
	// The store's own key generator: one real key, as the command makes it.
	s, err := pki.OpenStore(pkitest.NewStore(t).Dir())
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(s.Dir(), "keys")
	if err := os.Remove(keys); err != nil {
		t.Fatal(err)
	}

	first, err := s.Enroll(context.Background(), enrollRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	if first.Serial != "1001" || first.KeptKey || first.Backup != "" {
		t.Errorf("first enrollment: serial %s, kept key %v, backup %q", first.Serial, first.KeptKey, first.Backup)
	}
	if first.PKCS12Path != s.PKCS12Path("proxy") || first.PKCS12Path != filepath.Join(keys, "proxy.p12") {
		t.Errorf("PKCS12Path %s", first.PKCS12Path)
	}
	for path, mode := range map[string]fs.FileMode{
		keys:                     0o700,
		first.PKCS12Path:         0o600,
		first.RequestPath:        0o644,
		s.CertPath("proxy"):      0o644,
		s.SerialCertPath("1001"): 0o644,
	} {
		if got := pkitest.PermOf(t, path); got != mode {
			t.Errorf("%s: mode %v, want %v", path, got, mode)
		}
	}
	b, err := pki.ReadPKCS12(first.PKCS12Path, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := b.Key.(*rsa.PrivateKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("key is %T, want RSA-2048", b.Key)
	}
	if !b.Certificate.Equal(first.Certificate) || !b.Certificate.Equal(pkitest.ReadCert(t, s.CertPath("proxy"))) {
		t.Error("the bundle's certificate is not certs/proxy.cer")
	}
	if len(b.CACerts) != 1 || !b.CACerts[0].Equal(pkitest.ReadCert(t, s.CACertPath())) {
		t.Error("the bundle does not hold the CA certificate")
	}
	csr, err := pki.ReadRequest(first.RequestPath)
	if err != nil {
		t.Fatal(err)
	}
	if !pki.KeyMatches(csr.PublicKey, b.Key) {
		t.Error("requests/proxy.req is not signed by the bundle's key")
	}
	if got := subjectOf(t, csr.RawSubject); got != pkitest.EngineProxySubject {
		t.Errorf("request subject %s", got)
	}
	if got := subjectOf(t, first.Certificate.RawSubject); got != pkitest.EngineProxySubject {
		t.Errorf("certificate subject %s", got)
	}
	if lines := storeDatabaseLines(t, s); len(lines) != 1 || !strings.Contains(lines[0], "\t1001\tunknown\t"+pkitest.EngineProxySubject+"\n") {
		t.Errorf("database.txt: %q", lines)
	}

	firstReq := pkitest.ReadFile(t, first.RequestPath)
	firstP12 := pkitest.ReadFile(t, first.PKCS12Path)
	firstCert := pkitest.ReadFile(t, s.CertPath("proxy"))
	req := enrollRequest(t)
	req.KeepKey = true
	second, err := s.Enroll(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if second.Serial != "1002" || !second.KeptKey {
		t.Errorf("second enrollment: serial %s, kept key %v", second.Serial, second.KeptKey)
	}
	if !pki.KeyMatches(second.Certificate.PublicKey, b.Key) {
		t.Error("--keep-key changed the public key")
	}
	b2, err := pki.ReadPKCS12(second.PKCS12Path, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !b2.Certificate.Equal(second.Certificate) {
		t.Error("the new bundle does not hold the new certificate")
	}
	for path, was := range map[string]string{first.RequestPath: firstReq, first.PKCS12Path: firstP12, s.CertPath("proxy"): firstCert} {
		bk := backupsOf(t, path)
		if len(bk) != 1 {
			t.Errorf("backups of %s: %q, want one", path, bk)
			continue
		}
		if pkitest.ReadFile(t, bk[0]) != was {
			t.Errorf("backup %s is not the previous %s", bk[0], path)
		}
		if pkitest.PermOf(t, bk[0]) != pkitest.PermOf(t, path) {
			t.Errorf("backup %s has mode %v, %s %v", bk[0], pkitest.PermOf(t, bk[0]), path, pkitest.PermOf(t, path))
		}
	}
	if second.Backup == "" {
		t.Error("Issued.Backup is empty after replacing certs/proxy.cer")
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) > 0 {
		t.Errorf("Check after two enrollments: %q, %v", problems, err)
	}
}

// subjectOf is the slash form of a DER name.
func subjectOf(t *testing.T, der []byte) string {
	t.Helper()
	n, err := dn.ParseDER(der)
	if err != nil {
		t.Fatal(err)
	}
	return n.String()
}

// TestEnrollBadInput checks that every refusal, including one from signing
// after the key and request are made, leaves the directory byte-identical.
func TestEnrollBadInput(t *testing.T) {
	noKeysBundle := func(t *testing.T, s *pki.Store) {
		// A certificate-only bundle, as `openssl pkcs12 -export -nokeys` makes.
		pkitest.WriteRequest(t, s, "other", pkitest.EngineProxySubject)
		if _, err := s.Sign(context.Background(), pki.SignRequest{Name: "other"}); err != nil {
			t.Fatal(err)
		}
		pkitest.RunOpenSSL(t, s.Dir(), "pkcs12", "-export", "-nokeys", "-in", s.CertPath("other"),
			"-passout", "pass:pw", "-out", s.PKCS12Path("proxy"))
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, s *pki.Store)
		edit  func(r *pki.EnrollRequest)
		want  error
		text  string
	}{
		{name: "bad name", edit: func(r *pki.EnrollRequest) { r.Name = "../proxy" }, want: pki.ErrBadName},
		{name: "no subject", edit: func(r *pki.EnrollRequest) { r.Subject = nil }, want: dn.ErrInvalid},
		{name: "bad subject", edit: func(r *pki.EnrollRequest) {
			r.Subject = dn.Name{{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "USA"}}}
		}, want: dn.ErrInvalid},
		{name: "bad days", edit: func(r *pki.EnrollRequest) { r.Days = 40000 }, want: pki.ErrBadDays},
		{name: "empty password", edit: func(r *pki.EnrollRequest) { r.Password = "" }, want: pki.ErrBadPassword},
		{name: "keep key without bundle", edit: func(r *pki.EnrollRequest) { r.KeepKey = true }, want: fs.ErrNotExist, text: "proxy.p12"},
		{name: "keep key with wrong password", setup: func(t *testing.T, s *pki.Store) {
			data, err := pki.EncodePKCS12(pki.Bundle{Key: pkitest.SharedKey(t, pkitest.CAKey), Certificate: pkitest.ReadCert(t, s.CACertPath())}, "other", false)
			if err != nil {
				t.Fatal(err)
			}
			pkitest.WriteFile(t, s.PKCS12Path("proxy"), data, 0o600)
		}, edit: func(r *pki.EnrollRequest) { r.KeepKey = true }, want: pki.ErrPassword},
		{name: "keep key from a bundle without key", setup: noKeysBundle, edit: func(r *pki.EnrollRequest) { r.KeepKey = true }, want: pki.ErrNoKey},
		{name: "bundle is a symlink", setup: func(t *testing.T, s *pki.Store) {
			if err := os.Symlink("elsewhere.p12", s.PKCS12Path("proxy")); err != nil {
				t.Fatal(err)
			}
		}, want: pki.ErrSymlink},
		{name: "keys is a file", setup: func(t *testing.T, s *pki.Store) {
			keys := filepath.Dir(s.PKCS12Path("proxy"))
			if err := os.Remove(keys); err != nil {
				t.Fatal(err)
			}
			pkitest.WriteFile(t, keys, []byte("x"), 0o644)
		}, text: "not a directory"},
		// Failures once the key and the request are made: the existing
		// request must still be there, unchanged.
		{name: "serial.txt malformed", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteRequest(t, s, "proxy", "/CN=old.example.com")
			pkitest.WriteFile(t, s.SerialPath(), []byte("zz\n"), 0o644)
		}, text: "serial.txt"},
		{name: "serial already used", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteRequest(t, s, "proxy", "/CN=old.example.com")
			pkitest.WriteFile(t, s.SerialCertPath("1001"), []byte("taken"), 0o644)
		}, want: pki.ErrBadStore},
		{name: "bad extended key usage", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteRequest(t, s, "proxy", "/CN=old.example.com")
		}, edit: func(r *pki.EnrollRequest) { r.ExtKeyUsage = []asn1.ObjectIdentifier{{}} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := enrollStore(t, pkitest.NewStore(t))
			if tc.setup != nil {
				tc.setup(t, s)
			}
			req := enrollRequest(t)
			if tc.edit != nil {
				tc.edit(&req)
			}
			before := pkitest.Snapshot(t, s.Dir())
			_, err := s.Enroll(context.Background(), req)
			if err == nil {
				t.Fatal("Enroll succeeded")
			}
			t.Logf("error: %v", err)
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if tc.text != "" && !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not say %q", err, tc.text)
			}
			if strings.Contains(err.Error(), req.Password) && req.Password != "" {
				t.Errorf("error shows the password: %v", err)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}
