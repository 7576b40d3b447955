package host_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/host"
)

// ecKey is a fast key for tests.
func ecKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// selfSigned is a CA certificate with subject /O=Example/CN=cn.
func selfSigned(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	_, c := selfSignedKey(t, cn)
	return c
}

// selfSignedKey is selfSigned with its key: a key and its certificate.
func selfSignedKey(t *testing.T, cn string) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	k := ecKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Organization: []string{"Example"}, CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return k, c
}

// filesIn are a service's files in a new directory.
func filesIn(t *testing.T) host.Files {
	d := t.TempDir()
	return host.Files{Key: filepath.Join(d, "svc.key"), Cert: filepath.Join(d, "svc.cer"), CA: filepath.Join(d, "ca.pem"),
		EngineCert: filepath.Join(d, "engine.cer"), CSR: filepath.Join(d, "svc.req"), Config: filepath.Join(d, "svc.conf")}
}

// listDir is the names and contents in dir.
func listDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[e.Name()] = string(data)
	}
	return out
}
