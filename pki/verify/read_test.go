package verify_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

func TestVerifyReadCertificates(t *testing.T) {
	v := newVerifyPKI(t)
	dir := t.TempDir()
	caPEM, otherPEM := pki.EncodeCertificatePEM(v.ca.Raw), pki.EncodeCertificatePEM(v.otherCA.Raw)
	keyPEM, err := pki.EncodeKey(v.otherKey, pki.KeyEncoding{})
	if err != nil {
		t.Fatal(err)
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	badBlock := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
	tests := []struct {
		name    string
		data    []byte
		want    []*x509.Certificate
		wantErr []string // substrings; the error also wraps ErrNotCertificate
	}{
		{name: "one PEM", data: caPEM, want: []*x509.Certificate{v.ca}},
		{name: "bundle keeps the order", data: cat(otherPEM, caPEM), want: []*x509.Certificate{v.otherCA, v.ca}},
		{name: "text around blocks", data: cat([]byte("# engine CA\n"), caPEM, []byte("subject=...\n"), otherPEM), want: []*x509.Certificate{v.ca, v.otherCA}},
		{name: "DER", data: v.ca.Raw, want: []*x509.Certificate{v.ca}},
		{name: "other blocks skipped", data: cat(keyPEM, caPEM), want: []*x509.Certificate{v.ca}},
		{name: "only a key", data: keyPEM, wantErr: []string{`only "PRIVATE KEY"`}},
		{name: "empty", data: nil, wantErr: []string{"malformed certificate"}},
		{name: "garbage", data: []byte("hello\n"), wantErr: []string{"malformed certificate"}},
		{name: "malformed second", data: cat(caPEM, badBlock), wantErr: []string{"certificate 2: malformed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".pem")
			pkitest.WriteFile(t, path, tc.data, 0o644)
			got, err := pki.ReadCertificates(path)
			if tc.wantErr != nil {
				if !errors.Is(err, pki.ErrNotCertificate) {
					t.Fatalf("ReadCertificates: %v, want ErrNotCertificate", err)
				}
				for _, w := range append(tc.wantErr, path) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d certificates, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !got[i].Equal(tc.want[i]) {
					t.Errorf("certificate %d is %s, want %s", i, got[i].Subject, tc.want[i].Subject)
				}
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "nope.pem")
		_, err := pki.ReadCertificates(path)
		if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadCertificates(missing): %v", err)
		}
	})
}

func TestVerifyReadCRL(t *testing.T) {
	v := newVerifyPKI(t)
	dir := t.TempDir()
	list := verifyCRL(t, v.ca, v.caKey, v.at, v.at.Add(time.Hour),
		x509.RevocationListEntry{SerialNumber: v.leaf.SerialNumber, RevocationTime: v.at, ReasonCode: 1})
	crlPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: list.Raw})
	pemPath := filepath.Join(dir, "crl.pem")
	pkitest.WriteFile(t, pemPath, crlPEM, 0o644)
	derPath := filepath.Join(dir, "crl.der")
	pkitest.WriteFile(t, derPath, list.Raw, 0o644)
	for _, path := range []string{pemPath, derPath} {
		got, err := pki.ReadCRL(path)
		if err != nil {
			t.Fatalf("ReadCRL(%s): %v", path, err)
		}
		if len(got.RevokedCertificateEntries) != 1 || got.RevokedCertificateEntries[0].SerialNumber.Cmp(v.leaf.SerialNumber) != 0 {
			t.Errorf("ReadCRL(%s) lists %v", path, got.RevokedCertificateEntries)
		}
	}

	t.Run("openssl", func(t *testing.T) {
		// What openssl writes in either encoding, from what it reads.
		pkitest.OpenSSL(t)
		for _, form := range []string{"PEM", "DER"} {
			out := filepath.Join(dir, "openssl."+form)
			pkitest.RunOpenSSL(t, dir, "crl", "-in", pemPath, "-outform", form, "-out", out)
			got, err := pki.ReadCRL(out)
			if err != nil {
				t.Fatalf("ReadCRL(openssl %s): %v", form, err)
			}
			if !got.ThisUpdate.Equal(list.ThisUpdate) || len(got.RevokedCertificateEntries) != 1 {
				t.Errorf("ReadCRL(openssl %s) = %+v", form, got)
			}
		}
	})

	large := filepath.Join(dir, "large.crl")
	f, err := os.Create(large)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(16<<20 + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()

	tests := []struct {
		name    string
		path    string
		data    []byte
		sentry  error
		wantErr string
	}{
		{name: "certificate", data: pki.EncodeCertificatePEM(v.ca.Raw), sentry: pki.ErrNotCRL, wantErr: `PEM block is "CERTIFICATE", not an "X509 CRL"`},
		{name: "certificate DER", data: v.ca.Raw, sentry: pki.ErrNotCRL, wantErr: "malformed CRL"},
		{name: "garbage", data: []byte("hello"), sentry: pki.ErrNotCRL, wantErr: "malformed CRL"},
		{name: "empty", data: []byte{}, sentry: pki.ErrNotCRL, wantErr: "malformed CRL"},
		{name: "too large", path: large, wantErr: "larger than"},
		{name: "missing", path: filepath.Join(dir, "nope.crl"), sentry: os.ErrNotExist, wantErr: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".crl")
				pkitest.WriteFile(t, path, tc.data, 0o644)
			}
			_, err := pki.ReadCRL(path)
			if err == nil {
				t.Fatal("ReadCRL succeeded")
			}
			if tc.sentry != nil && !errors.Is(err, tc.sentry) {
				t.Errorf("error %q does not wrap %v", err, tc.sentry)
			}
			for _, w := range []string{"read CRL " + path, tc.wantErr} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
