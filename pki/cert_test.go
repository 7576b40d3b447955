package pki_test

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// trustedCertificate writes cert (a PEM file) again as openssl's "TRUSTED
// CERTIFICATE": the certificate followed by trust settings.
func trustedCertificate(t *testing.T, cert, out string) {
	t.Helper()
	pkitest.RunOpenSSL(t, "", "x509", "-in", cert, "-addtrust", "serverAuth", "-addreject", "emailProtection",
		"-setalias", "engine CA", "-trustout", "-out", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "TRUSTED CERTIFICATE" {
		t.Fatalf("openssl -trustout wrote no TRUSTED CERTIFICATE:\n%s", data)
	}
}

// TestTrustedCertificate: every reader of certificates takes openssl's
// TRUSTED CERTIFICATE (the certificate, its trust settings ignored): one
// certificate, a CA bundle, and the store's own ca.pem, from which a
// certificate is then signed that openssl verifies against the same file.
func TestTrustedCertificate(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	want := pkitest.ReadCert(t, s.CACertPath())
	trusted := filepath.Join(t.TempDir(), "trusted.pem")
	trustedCertificate(t, s.CACertPath(), trusted)

	t.Run("ReadCertificate", func(t *testing.T) {
		got, err := pki.ReadCertificate(trusted)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Error("ReadCertificate of the TRUSTED CERTIFICATE is not the CA certificate")
		}
	})
	t.Run("ReadCertificates", func(t *testing.T) {
		bundle := filepath.Join(t.TempDir(), "bundle.pem")
		pkitest.WriteFile(t, bundle, []byte(pkitest.ReadFile(t, trusted)+pkitest.ReadFile(t, s.CACertPath())), 0o644)
		got, err := pki.ReadCertificates(bundle)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !got[0].Equal(want) || !got[1].Equal(want) {
			t.Errorf("ReadCertificates read %d certificates, want the CA twice", len(got))
		}
	})
	t.Run("store CA", func(t *testing.T) {
		pkitest.WriteFile(t, s.CACertPath(), []byte(pkitest.ReadFile(t, trusted)), 0o644)
		opened, err := pki.OpenStore(s.Dir())
		if err != nil {
			t.Fatalf("OpenStore with a TRUSTED CERTIFICATE ca.pem: %v", err)
		}
		pkitest.WriteRequest(t, opened, "proxy", pkitest.EngineProxySubject)
		issued, err := opened.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
		if err != nil {
			t.Fatalf("Sign with a TRUSTED CERTIFICATE ca.pem: %v", err)
		}
		out := pkitest.RunOpenSSL(t, "", "verify", "-purpose", "sslserver", "-CAfile", trusted, issued.CertPath)
		if !strings.Contains(out, ": OK") {
			t.Errorf("openssl verify: %s", out)
		}
	})
}
