package pki_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

var (
	proxyKeyOnce sync.Once
	proxyKeyVal  *rsa.PrivateKey
	proxyKeyErr  error
)

// proxyKey is one RSA-2048 key per test binary: key generation costs tens of
// milliseconds and most tests only need a valid key.
func proxyKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	proxyKeyOnce.Do(func() { proxyKeyVal, proxyKeyErr = pki.GenerateKey(2048) })
	if proxyKeyErr != nil {
		t.Fatal(proxyKeyErr)
	}
	return proxyKeyVal
}

func TestGenerateKeySizes(t *testing.T) {
	for _, bits := range []int{512, 1024, 2047, 2500, 8192} {
		_, err := pki.GenerateKey(bits)
		if !errors.Is(err, pki.ErrWeakKey) {
			t.Errorf("GenerateKey(%d) = %v, want ErrWeakKey", bits, err)
		}
	}
	k := proxyKey(t)
	if got := k.N.BitLen(); got != 2048 {
		t.Errorf("key has %d bits, want 2048", got)
	}
}

func TestEncodeKeyOpenSSLReadsIt(t *testing.T) {
	dir := t.TempDir()
	pass := []byte("correct horse")
	cases := []struct {
		name    string
		enc     pki.KeyEncoding
		pemType string
		passin  []string
	}{
		{"pkcs8", pki.KeyEncoding{}, "-----BEGIN PRIVATE KEY-----", nil},
		{"pkcs1", pki.KeyEncoding{PKCS1: true}, "-----BEGIN RSA PRIVATE KEY-----", nil},
		{"pkcs8-encrypted", pki.KeyEncoding{Passphrase: pass}, "-----BEGIN ENCRYPTED PRIVATE KEY-----", []string{"-passin", "pass:correct horse"}},
		{"pkcs1-encrypted", pki.KeyEncoding{PKCS1: true, Passphrase: pass}, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED", []string{"-passin", "pass:correct horse"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := pki.EncodeKey(proxyKey(t), tc.enc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte(tc.pemType)) {
				t.Fatalf("key starts %q, want %q", firstLine(data), tc.pemType)
			}
			path := filepath.Join(dir, tc.name+".key")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			pkitest.RunOpenSSL(t, dir, append([]string{"pkey", "-check", "-noout", "-in", path}, tc.passin...)...)
			back, err := pki.ParseKey(data, tc.enc.Passphrase)
			if err != nil {
				t.Fatalf("ParseKey of our own output: %v", err)
			}
			if !pki.KeyMatches(proxyKey(t).Public(), back) {
				t.Error("round trip changed the key")
			}
		})
	}
}

func TestParseKeyFromOpenSSL(t *testing.T) {
	dir := t.TempDir()
	gen := func(name string, args ...string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		pkitest.RunOpenSSL(t, dir, append(args, "-out", path)...)
		return path
	}
	pkcs8 := gen("pkcs8.key", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
	cases := []struct {
		name string
		path string
		pass string
	}{
		{"pkcs8", pkcs8, ""},
		{"pkcs1", gen("pkcs1.key", "rsa", "-in", pkcs8, "-traditional"), ""},
		{"pkcs8-aes256", gen("enc8.key", "pkey", "-in", pkcs8, "-aes256", "-passout", "pass:s3cret"), "s3cret"},
		{"legacy-aes256", gen("enc1.key", "rsa", "-in", pkcs8, "-traditional", "-aes256", "-passout", "pass:s3cret"), "s3cret"},
		{"ec-p256-with-params", gen("ec.key", "ecparam", "-name", "prime256v1", "-genkey"), ""},
		{"ec-p384-pkcs8", gen("ec384.key", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, err := pki.ReadKey(tc.path, []byte(tc.pass))
			if err != nil {
				t.Fatalf("ReadKey: %v", err)
			}
			pub := pkitest.RunOpenSSL(t, dir, "pkey", "-in", tc.path, "-pubout", "-passin", "pass:"+tc.pass)
			ours, err := publicKeyPEM(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			if string(ours) != pub {
				t.Errorf("public key differs from openssl's:\n%s\nwant\n%s", ours, pub)
			}
		})
	}
}

func TestParseKeyErrors(t *testing.T) {
	dir := t.TempDir()
	weak := filepath.Join(dir, "weak.key")
	pkitest.RunOpenSSL(t, dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", weak)
	encrypted, err := pki.EncodeKey(proxyKey(t), pki.KeyEncoding{Passphrase: []byte("right")})
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := pki.EncodeKey(proxyKey(t), pki.KeyEncoding{PKCS1: true, Passphrase: []byte("right")})
	if err != nil {
		t.Fatal(err)
	}
	weakPEM, err := os.ReadFile(weak)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		pass string
		want error
		msg  string
	}{
		{"empty", nil, "", pki.ErrNotKey, "no PEM private key"},
		{"garbage", []byte("hello world"), "", pki.ErrNotKey, "no PEM private key"},
		{"certificate", []byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"), "", pki.ErrNotKey, `"CERTIFICATE"`},
		{"truncated der", []byte("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"), "", pki.ErrNotKey, "malformed"},
		{"encrypted without passphrase", encrypted, "", pki.ErrPassphrase, "no passphrase"},
		{"encrypted wrong passphrase", encrypted, "wrong", pki.ErrPassphrase, "cannot decrypt"},
		{"legacy wrong passphrase", legacy, "wrong", pki.ErrPassphrase, "cannot decrypt"},
		{"weak rsa", weakPEM, "", pki.ErrWeakKey, "1024-bit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pki.ParseKey(tc.data, []byte(tc.pass))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
		})
	}
}

func TestWriteKeyModeAndReplace(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "proxy.key")
	key := proxyKey(t)
	if err := pki.WriteKey(path, key, pki.KeyEncoding{}, false); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)
	first, _ := os.ReadFile(path)

	err := pki.WriteKey(path, key, pki.KeyEncoding{PKCS1: true}, false)
	if !errors.Is(err, pki.ErrExists) {
		t.Fatalf("second write without Force: %v, want ErrExists", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, first) {
		t.Fatal("refused write changed the file")
	}

	if err := pki.WriteKey(path, key, pki.KeyEncoding{PKCS1: true}, true); err != nil {
		t.Fatal(err)
	}
	backups, _ := filepath.Glob(path + ".2*")
	if len(backups) != 1 {
		t.Fatalf("backups %v, want one proxy.key.YYYYMMDDHHMMSS", backups)
	}
	if got, err := os.ReadFile(backups[0]); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("backup %s: err %v, same content %v", backups[0], err, bytes.Equal(got, first))
	}
	assertMode(t, path, 0o600)
	assertMode(t, backups[0], 0o600)
	if data, _ := os.ReadFile(path); !bytes.HasPrefix(data, []byte("-----BEGIN RSA PRIVATE KEY-----")) {
		t.Error("replacing write did not replace the key")
	}
	pkitest.AssertNoTempFiles(t, dir)
}

func TestWriteKeyRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "proxy.key")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		err := pki.WriteKey(link, proxyKey(t), pki.KeyEncoding{}, force)
		if !errors.Is(err, pki.ErrSymlink) {
			t.Errorf("force=%v: err = %v, want ErrSymlink", force, err)
		}
	}
	if data, _ := os.ReadFile(target); string(data) != "keep me" {
		t.Error("write went through the link")
	}
}

func TestValidatePublicKey(t *testing.T) {
	if err := pki.ValidatePublicKey(proxyKey(t).Public()); err != nil {
		t.Errorf("RSA-2048: %v", err)
	}
	small := &rsa.PublicKey{N: new(big.Int).Rsh(proxyKey(t).N, 1100), E: 65537}
	if err := pki.ValidatePublicKey(small); !errors.Is(err, pki.ErrWeakKey) {
		t.Errorf("RSA-948: %v, want ErrWeakKey", err)
	}
	if err := pki.ValidatePublicKey("not a key"); !errors.Is(err, pki.ErrWeakKey) {
		t.Errorf("string: %v, want ErrWeakKey", err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode %o, want %o", path, got, want)
	}
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return string(line)
}

// TestEncodeKeyEmptyPassphrase: a passphrase that was given but is empty
// is refused, in both encodings, instead of writing the key in the clear.
func TestEncodeKeyEmptyPassphrase(t *testing.T) {
	for _, pkcs1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("pkcs1=%v", pkcs1), func(t *testing.T) {
			data, err := pki.EncodeKey(proxyKey(t), pki.KeyEncoding{PKCS1: pkcs1, Passphrase: []byte{}})
			if !errors.Is(err, pki.ErrPassphrase) || data != nil {
				t.Errorf("EncodeKey with an empty passphrase = %d bytes, %v; want ErrPassphrase", len(data), err)
			}
		})
	}
}

// publicKeyPEM encodes a public key as a PEM "PUBLIC KEY" block
// (SubjectPublicKeyInfo), as `openssl pkey -pubout` writes it.
func publicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
