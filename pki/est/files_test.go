package est_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

func TestDue(t *testing.T) {
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{NotBefore: nb, NotAfter: nb.Add(90 * 24 * time.Hour)}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name   string
		before time.Duration
		now    time.Time
		want   bool
	}{
		{"fresh", 0, nb.Add(day), false},
		{"a third left less a minute", 0, nb.Add(60*day - time.Minute), false},
		{"a third left", 0, nb.Add(60 * day), true},
		{"expired", 0, nb.Add(100 * day), true},
		{"before 10d, 11 days left", 10 * day, nb.Add(79 * day), false},
		{"before 10d, 10 days left", 10 * day, nb.Add(80 * day), true},
		{"before longer than the life", 100 * day, nb, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := est.Due(cert, tc.before, tc.now); got != tc.want {
				t.Errorf("Due at %s with before %s = %v, want %v (renew at %s)", tc.now, tc.before, got, tc.want, est.RenewAt(cert, tc.before))
			}
		})
	}
}

// proxyFiles are the file names in a fresh directory.
func proxyFiles(t *testing.T) est.Files {
	t.Helper()
	d := t.TempDir()
	return est.Files{Key: filepath.Join(d, "proxy.key"), Cert: filepath.Join(d, "proxy.cer"), CA: filepath.Join(d, "ca.pem")}
}

func ecSigner(t *testing.T) func() (crypto.Signer, error) {
	return func() (crypto.Signer, error) { return ecKey(t), nil }
}

// enrolled is a proxy enrolled with EnrollFiles.
func enrolled(t *testing.T, e *testEnv) (*est.Client, est.Files, *x509.Certificate) {
	t.Helper()
	c, err := est.Bootstrap(context.Background(), e.srv.URL, est.Fingerprint(e.ca))
	if err != nil {
		t.Fatal(err)
	}
	f := proxyFiles(t)
	sans, _ := pki.ParseSANs("DNS:proxy.example.com")
	cert, err := c.EnrollFiles(context.Background(), est.EnrollRequest{
		Token: e.token("proxy", "proxy.example.com", "", time.Hour), CN: "proxy.example.com", SANs: sans, Files: f, NewKey: ecSigner(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c, f, cert
}

func opensslVerify(t *testing.T, f est.Files) {
	t.Helper()
	out, err := exec.Command("openssl", "verify", "-purpose", "sslserver", "-CAfile", f.CA, f.Cert).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
}

func readAll(t *testing.T, f est.Files) [3]string {
	t.Helper()
	var out [3]string
	for i, p := range []string{f.Key, f.Cert, f.CA} {
		b, err := os.ReadFile(p)
		if err == nil {
			out[i] = string(b)
		}
	}
	return out
}

// TestEnrollFiles: key (0600), certificate and CA are written once the
// certificate checks out; openssl verifies them.
func TestEnrollFiles(t *testing.T) {
	e := newEnvTLS(t, true)
	_, f, cert := enrolled(t, e)
	opensslVerify(t, f)
	if fi, err := os.Stat(f.Key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	key, err := pki.ReadKey(f.Key, nil)
	if err != nil || !pki.KeyMatches(cert.PublicKey, key) {
		t.Errorf("written key does not match the certificate (%v)", err)
	}
	if got := slashSubject(t, cert); got != proxySubject {
		t.Errorf("subject %s, want %s (derived from the CA)", got, proxySubject)
	}
}

// TestEnrollFilesRefusals: nothing is written, and the token is kept when
// the refusal is local.
func TestEnrollFilesRefusals(t *testing.T) {
	e := newEnvTLS(t, true)
	c, err := est.Bootstrap(context.Background(), e.srv.URL, est.Fingerprint(e.ca))
	if err != nil {
		t.Fatal(err)
	}
	token := e.token("proxy", "proxy.example.com", "", time.Hour)
	t.Run("existing file without Force", func(t *testing.T) {
		f := proxyFiles(t)
		if err := os.WriteFile(f.Cert, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := c.EnrollFiles(context.Background(), est.EnrollRequest{Token: token, CN: "proxy.example.com", Files: f, NewKey: ecSigner(t)})
		if !errors.Is(err, pki.ErrExists) {
			t.Errorf("got %v, want ErrExists", err)
		}
		if got := readAll(t, f); got[0] != "" || got[2] != "" || got[1] != "old" {
			t.Error("files were written")
		}
	})
	t.Run("CN the token does not grant", func(t *testing.T) {
		f := proxyFiles(t)
		_, err := c.EnrollFiles(context.Background(), est.EnrollRequest{Token: token, CN: "other.example.com", Files: f, NewKey: ecSigner(t)})
		var se *est.ServerError
		if !errors.As(err, &se) || se.Status != 403 {
			t.Errorf("got %v, want a 403", err)
		}
		if got := readAll(t, f); got != [3]string{} {
			t.Error("files were written")
		}
	})
	// The token was not spent by either.
	if _, err := c.EnrollFiles(context.Background(), est.EnrollRequest{Token: token, CN: "proxy.example.com", Files: proxyFiles(t), NewKey: ecSigner(t)}); err != nil {
		t.Errorf("enroll after the refusals: %v", err)
	}
}

// TestRenewFiles: not due, nothing is sent; due, the certificate (and with
// NewKey the key) is replaced and the old one kept; a refused renewal
// leaves the files byte-identical.
func TestRenewFiles(t *testing.T) {
	e := newEnvTLS(t, true)
	c, f, cert := enrolled(t, e)
	ctx := context.Background()
	before := readAll(t, f)
	lines := e.indexLines()

	res, err := c.RenewFiles(ctx, est.RenewRequest{Files: f})
	if err != nil || res.Renewed || !res.RenewAt.Equal(est.RenewAt(cert, 0)) {
		t.Fatalf("not due: %+v, %v", res, err)
	}
	if readAll(t, f) != before || e.indexLines() != lines {
		t.Fatal("a certificate not due changed the files or the index")
	}

	// Due: 10 days before notAfter, with a new key.
	res, err = c.RenewFiles(ctx, est.RenewRequest{Files: f, Now: cert.NotAfter.Add(-10 * 24 * time.Hour), NewKey: ecSigner(t)})
	if err != nil || !res.Renewed {
		t.Fatalf("due: %+v, %v", res, err)
	}
	opensslVerify(t, f)
	after := readAll(t, f)
	if after[0] == before[0] || after[1] == before[1] || after[2] != before[2] {
		t.Error("want a new key and certificate, the same CA file")
	}
	if fi, err := os.Stat(f.Key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new key mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	backups, _ := filepath.Glob(f.Cert + ".*")
	if len(backups) != 1 {
		t.Errorf("backups of the certificate: %v, want one", backups)
	} else if old, _ := os.ReadFile(backups[0]); string(old) != before[1] {
		t.Error("the backup is not the old certificate")
	}

	// The replaced certificate cannot renew; a revoked one neither; the
	// files stay as they are.
	renewed, _ := pki.ReadCertificate(f.Cert)
	if _, err := e.store.Revoke(ctx, pki.RevokeRequest{Serial: pki.FormatSerial(renewed.SerialNumber)}); err != nil {
		t.Fatal(err)
	}
	res, err = c.RenewFiles(ctx, est.RenewRequest{Files: f, Always: true})
	var se *est.ServerError
	if !errors.As(err, &se) || se.Status != 403 || res != nil {
		t.Errorf("revoked: %+v, %v; want a 403", res, err)
	}
	if readAll(t, f) != after {
		t.Error("a refused renewal changed the files")
	}
	e.checkClean()
}
