package pki_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki"
)

// wantOpenSSLSigner says whether the CA key must sign through OpenSSL here:
// in a build with the signer (go test -tags openssl), unless
// PKIENROLL_SIGNER asks for Go's.
func wantOpenSSLSigner() bool { return opensslsign.Wanted() }

// isGoKey reports whether the CA signer is Go's own RSA key.
func isGoKey(k crypto.Signer) bool { _, ok := k.(*rsa.PrivateKey); return ok }

// TestCASigner: the CA key signs through OpenSSL in an openssl build and
// with Go's key otherwise or when PKIENROLL_SIGNER=go; either way its
// public key is the CA certificate's.
func TestCASigner(t *testing.T) {
	if st := opensslsign.Status(); strings.HasPrefix(st, "go (opensslsign:") {
		testenv.Missing(t, "OpenSSL's libcrypto does not load ("+st+"): install libssl3")
	}
	s := pkitest.NewStore(t)
	ca := pkitest.ReadCert(t, s.CACertPath())
	for _, env := range []string{"", "go"} {
		t.Setenv(opensslsign.EnvVar, env)
		key, err := s.LoadCA()
		if err != nil {
			t.Fatal(err)
		}
		if !pki.KeyMatches(ca.PublicKey, key) {
			t.Errorf("%s=%q: the CA signer's public key is not the CA certificate's", opensslsign.EnvVar, env)
		}
		if want := !wantOpenSSLSigner(); isGoKey(key) != want {
			t.Errorf("%s=%q: the CA signer is a %T; Go's key wanted: %v", opensslsign.EnvVar, env, key, want)
		}
	}
}

// TestCASignerOpenSSLVerifies: certificates Store.Sign issues and the CRL
// GenerateCRL makes, with whichever signer this build uses, pass `openssl
// verify` and `openssl crl -verify` against the CA certificate.
func TestCASignerOpenSSLVerifies(t *testing.T) {
	s := pkitest.NewStore(t)
	ctx := context.Background()
	for i := range 3 {
		name := fmt.Sprintf("host%d", i)
		pkitest.WriteRequest(t, s, name, fmt.Sprintf("/C=US/O=Example Inc./CN=host%d.example.com", i))
		issued, err := s.Sign(ctx, pki.SignRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		out := pkitest.RunOpenSSL(t, "", "verify", "-x509_strict", "-CAfile", s.CACertPath(), issued.CertPath)
		if !strings.Contains(out, ": OK") {
			t.Errorf("openssl verify %s: %s", issued.CertPath, out)
		}
	}
	der, err := s.GenerateCRL(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	crlPath := filepath.Join(t.TempDir(), "crl.pem")
	pkitest.WriteFile(t, crlPath, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644)
	out, err := pkitest.TryOpenSSL(t, "", "crl", "-noout", "-verify", "-CAfile", s.CACertPath(), "-in", crlPath)
	if err != nil || !strings.Contains(out, "verify OK") {
		t.Errorf("openssl crl -verify: %s", out)
	}
}

// TestCASignerKeyChange: the parsed key is kept by the key file's content,
// so a CA whose key and certificate are replaced signs with the new key at
// once, and a key that does not match the certificate is still refused.
func TestCASignerKeyChange(t *testing.T) {
	s := pkitest.NewStore(t)
	if _, err := s.LoadCA(); err != nil {
		t.Fatal(err)
	}
	other := pkitest.NewStore(t, pki.WithKeyGenerator(func(int) (crypto.Signer, error) {
		return pkitest.SharedKey(t, pkitest.OtherKey), nil
	}))
	otherKey, err := os.ReadFile(other.CAKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	// The other key under this CA's certificate: refused.
	pkitest.WriteFile(t, s.CAKeyPath(), otherKey, 0o600)
	if _, err := s.LoadCA(); !errors.Is(err, pki.ErrKeyMismatch) {
		t.Fatalf("LoadCA with another CA's key: %v, want ErrKeyMismatch", err)
	}
	// The other CA's certificate too: the new key signs.
	otherCert, err := os.ReadFile(other.CACertPath())
	if err != nil {
		t.Fatal(err)
	}
	pkitest.WriteFile(t, s.CACertPath(), otherCert, 0o644)
	key, err := s.LoadCA()
	if err != nil {
		t.Fatal(err)
	}
	if !pkitest.SharedKey(t, pkitest.OtherKey).PublicKey.Equal(key.Public()) {
		t.Fatal("the CA signer kept the old key after the key file changed")
	}
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	issued, err := s.Sign(context.Background(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(pkitest.ReadCert(t, s.CACertPath()).Raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := pkitest.ReadCert(t, issued.CertPath).CheckSignatureFrom(ca); err != nil {
		t.Errorf("certificate issued after the key change: %v", err)
	}
}
