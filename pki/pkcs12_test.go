package pki_test

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// testBundle signs a request of the shared request key in a new store and
// returns the store and the bundle of that key, its certificate and the CA.
func testBundle(t *testing.T) (*pki.Store, pki.Bundle) {
	t.Helper()
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	is, err := s.Sign(context.Background(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	ca := pkitest.ReadCert(t, s.CACertPath())
	return s, pki.Bundle{Key: pkitest.SharedKey(t, pkitest.RequestKey), Certificate: is.Certificate, CACerts: []*x509.Certificate{ca}}
}

// assertBundle fails the test unless got holds want's key and certificates.
func assertBundle(t *testing.T, got, want pki.Bundle) {
	t.Helper()
	if got.Key == nil || !pki.KeyMatches(want.Certificate.PublicKey, got.Key) {
		t.Error("the bundle's key is not the certificate's")
	}
	if got.Certificate == nil || !got.Certificate.Equal(want.Certificate) {
		t.Error("the bundle's certificate differs")
	}
	if len(got.CACerts) != len(want.CACerts) {
		t.Fatalf("the bundle has %d CA certificates, want %d", len(got.CACerts), len(want.CACerts))
	}
	for i := range want.CACerts {
		if !got.CACerts[i].Equal(want.CACerts[i]) {
			t.Errorf("CA certificate %d differs", i)
		}
	}
}

// TestPKCS12OpenSSLInterop writes bundles that OpenSSL 3 opens with its
// defaults (the legacy one with -legacy too), and reads what
// `openssl pkcs12 -export` writes, with and without -legacy.
func TestPKCS12OpenSSLInterop(t *testing.T) {
	s, want := testBundle(t)
	dir := t.TempDir()
	passFile := filepath.Join(dir, "pass")
	pkitest.WriteFile(t, passFile, []byte("s3cret pass\n"), 0o600)
	const password = "s3cret pass"

	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "modern", true: "legacy"}[legacy]
		t.Run("openssl reads "+name, func(t *testing.T) {
			data, err := pki.EncodePKCS12(want, password, legacy)
			if err != nil {
				t.Fatal(err)
			}
			p12 := filepath.Join(dir, name+".p12")
			pkitest.WriteFile(t, p12, data, 0o600)
			// -info writes the algorithms on stderr.
			info, err := pkitest.TryOpenSSL(t, dir, "pkcs12", "-in", p12, "-passin", "file:"+passFile, "-info", "-noout")
			if err != nil {
				t.Fatalf("openssl pkcs12 -info: %v\n%s", err, info)
			}
			if legacy {
				assertTextHas(t, "openssl pkcs12 -info", info, "MAC: sha1", "pbeWithSHA1And3-KeyTripleDES-CBC")
				pkitest.RunOpenSSL(t, dir, "pkcs12", "-legacy", "-in", p12, "-passin", "file:"+passFile, "-noout")
			} else {
				assertTextHas(t, "openssl pkcs12 -info", info, "MAC: sha256", "PBES2, PBKDF2, AES-256-CBC")
			}
			all := pkitest.RunOpenSSL(t, dir, "pkcs12", "-in", p12, "-passin", "file:"+passFile, "-nodes")
			assertTextHas(t, "openssl pkcs12 -nodes", all, "BEGIN PRIVATE KEY",
				"subject=C = US, O = Example Inc., CN = proxy.example.com",
				"subject=C = US, O = Example Inc., CN = engine.example.com.81108")
			if n := strings.Count(all, "BEGIN CERTIFICATE"); n != 2 {
				t.Errorf("openssl shows %d certificates, want 2 (leaf and CA)", n)
			}
			keyPEM := pkitest.RunOpenSSL(t, dir, "pkcs12", "-in", p12, "-passin", "file:"+passFile, "-nocerts", "-nodes")
			key, err := pki.ParseKey([]byte(keyPEM), nil)
			if err != nil {
				t.Fatalf("key openssl extracted: %v", err)
			}
			if !pki.KeyMatches(want.Certificate.PublicKey, key) {
				t.Error("the key openssl extracted is not the certificate's")
			}
			leaf := pkitest.RunOpenSSL(t, dir, "pkcs12", "-in", p12, "-passin", "file:"+passFile, "-nokeys", "-clcerts")
			if got := firstPEMBytes(t, []byte(leaf[strings.Index(leaf, "-----BEGIN"):])); string(got) != string(want.Certificate.Raw) {
				t.Error("the certificate openssl extracted differs")
			}
			if _, err := pkitest.TryOpenSSL(t, dir, "pkcs12", "-in", p12, "-passin", "pass:wrong", "-noout"); err == nil {
				t.Error("openssl opened the bundle with a wrong password")
			}
		})
	}

	keyFile := pkitest.WriteSharedKey(t, filepath.Join(dir, "proxy.key"), pkitest.RequestKey)
	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "default", true: "-legacy"}[legacy]
		t.Run("we read openssl "+name, func(t *testing.T) {
			p12 := filepath.Join(dir, "openssl"+name+".p12")
			args := []string{"pkcs12", "-export", "-inkey", keyFile, "-in", s.CertPath("proxy"),
				"-certfile", s.CACertPath(), "-passout", "pass:x", "-out", p12}
			if legacy {
				args = append(args, "-legacy")
			}
			pkitest.RunOpenSSL(t, dir, args...)
			got, err := pki.ReadPKCS12(p12, "x")
			if err != nil {
				t.Fatal(err)
			}
			assertBundle(t, got, want)
			if _, err := pki.ReadPKCS12(p12, "y"); !errors.Is(err, pki.ErrPassword) {
				t.Errorf("wrong password: %v, want ErrPassword", err)
			}
		})
	}
}

// TestPKCS12Errors checks the refusals of the encoder and the decoder.
func TestPKCS12Errors(t *testing.T) {
	s, b := testBundle(t)
	good, err := pki.EncodePKCS12(b, "pw", true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	noKeys := filepath.Join(dir, "nokeys.p12")
	pkitest.RunOpenSSL(t, dir, "pkcs12", "-export", "-nokeys", "-in", s.CertPath("proxy"), "-passout", "pass:pw", "-out", noKeys)
	noKeysData := []byte(pkitest.ReadFile(t, noKeys))

	decodes := []struct {
		name     string
		data     []byte
		password string
		want     error
	}{
		{"wrong password", good, "other", pki.ErrPassword},
		{"no password", good, "", pki.ErrPassword},
		{"password beyond the BMP", good, "pw\U0001F600", pki.ErrPassword},
		{"no key", noKeysData, "pw", pki.ErrNoKey},
		{"PEM certificate", []byte(pkitest.ReadFile(t, s.CertPath("proxy"))), "pw", pki.ErrNotPKCS12},
		{"empty", nil, "pw", pki.ErrNotPKCS12},
		{"truncated", good[:len(good)/2], "pw", pki.ErrNotPKCS12},
		{"a certificate in DER", b.Certificate.Raw, "pw", pki.ErrNotPKCS12},
	}
	for _, tc := range decodes {
		t.Run("decode "+tc.name, func(t *testing.T) {
			if _, err := pki.DecodePKCS12(tc.data, tc.password); !errors.Is(err, tc.want) {
				t.Errorf("DecodePKCS12: %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("read missing file", func(t *testing.T) {
		_, err := pki.ReadPKCS12(filepath.Join(dir, "none.p12"), "pw")
		if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "none.p12") {
			t.Errorf("ReadPKCS12: %v, want a not-exist error naming the file", err)
		}
	})

	stranger := b
	stranger.Key = pkitest.SharedKey(t, pkitest.OtherKey)
	encodes := []struct {
		name     string
		b        pki.Bundle
		password string
		want     error
	}{
		{"empty password", b, "", pki.ErrBadPassword},
		{"password with NUL", b, "a\x00b", pki.ErrBadPassword},
		{"password beyond the BMP", b, "\U0001F600", pki.ErrBadPassword},
		{"key of another certificate", stranger, "pw", pki.ErrKeyMismatch},
	}
	for _, tc := range encodes {
		t.Run("encode "+tc.name, func(t *testing.T) {
			if _, err := pki.EncodePKCS12(tc.b, tc.password, false); !errors.Is(err, tc.want) {
				t.Errorf("EncodePKCS12: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestPKCS12LeafNotFirst reads a bundle whose first certificate is the CA:
// the certificate returned is the key's.
func TestPKCS12LeafNotFirst(t *testing.T) {
	_, b := testBundle(t)
	data, err := pkcs12.LegacyDES.Encode(b.Key, b.CACerts[0], []*x509.Certificate{b.Certificate}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pki.DecodePKCS12(data, "pw")
	if err != nil {
		t.Fatal(err)
	}
	assertBundle(t, got, b)
}

// TestPKCS12PasswordAsOpenSSLReads opens bundles whose password is not
// ASCII as `openssl pkcs12` opens them: a password that is not UTF-8 (a
// Latin-1 file) byte by byte, and a UTF-8 password that fails also byte
// by byte, as OpenSSL before 1.1.0 wrote it.
func TestPKCS12PasswordAsOpenSSLReads(t *testing.T) {
	s, want := testBundle(t)
	dir := t.TempDir()
	keyFile := pkitest.WriteSharedKey(t, filepath.Join(dir, "proxy.key"), pkitest.RequestKey)
	export := func(name, password string, extra ...string) string {
		t.Helper()
		passFile := filepath.Join(dir, name+".pass")
		pkitest.WriteFile(t, passFile, []byte(password+"\n"), 0o600)
		p12 := filepath.Join(dir, name+".p12")
		pkitest.RunOpenSSL(t, dir, append([]string{"pkcs12", "-export", "-inkey", keyFile, "-in", s.CertPath("proxy"),
			"-certfile", s.CACertPath(), "-passout", "file:" + passFile, "-out", p12}, extra...)...)
		return p12
	}
	opens := func(p12, password string, extra ...string) error {
		t.Helper()
		passFile := filepath.Join(dir, "in.pass")
		pkitest.WriteFile(t, passFile, []byte(password+"\n"), 0o600)
		_, err := pkitest.TryOpenSSL(t, dir, append([]string{"pkcs12", "-in", p12, "-passin", "file:" + passFile, "-noout"}, extra...)...)
		return err
	}
	const latin1, utf8, oldUTF8 = "caf\xe9", "café", "cafÃ©" // oldUTF8: é's two bytes, each a character

	for _, tc := range []struct {
		name, made, given string
		extra             []string
	}{
		{"Latin-1 password, legacy bundle", latin1, latin1, []string{"-legacy"}},
		{"UTF-8 password, OpenSSL 1.0's encoding", oldUTF8, utf8, nil},
		{"UTF-8 password, OpenSSL 1.0's encoding, legacy bundle", oldUTF8, utf8, []string{"-legacy"}},
		{"UTF-8 password", utf8, utf8, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p12 := export(strings.ReplaceAll(tc.name, " ", "_"), tc.made, tc.extra...)
			if err := opens(p12, tc.given, tc.extra...); err != nil {
				t.Fatalf("openssl does not open the bundle with the password: %v", err)
			}
			got, err := pki.ReadPKCS12(p12, tc.given)
			if err != nil {
				t.Fatal(err)
			}
			assertBundle(t, got, want)
		})
	}

	t.Run("Latin-1 password, PBES2 bundle", func(t *testing.T) {
		// OpenSSL 3 gives PBKDF2 the bytes, which go-pkcs12 cannot:
		// the error says what would work.
		p12 := export("latin1_pbes2", latin1)
		_, err := pki.ReadPKCS12(p12, latin1)
		if !errors.Is(err, pki.ErrPassword) || !strings.Contains(err.Error(), "not UTF-8") {
			t.Errorf("ReadPKCS12: %v, want ErrPassword saying the password is not UTF-8", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		p12 := export("right", utf8, "-legacy")
		if _, err := pki.ReadPKCS12(p12, "cafe"); !errors.Is(err, pki.ErrPassword) {
			t.Errorf("ReadPKCS12: %v, want ErrPassword", err)
		}
	})
}
