package est_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestRenewFilesChecksOutputsFirst: a renewal whose files cannot be
// written (a symbolic link, a directory where the kept renewal would go,
// a directory the writer cannot write in) is refused before anything is sent: the server issues
// nothing, so the current certificate can still renew once the problem is
// fixed.
func TestRenewFilesChecksOutputsFirst(t *testing.T) {
	e := newEnvTLS(t, true)
	c, f, _ := enrolled(t, e)
	dir := filepath.Dir(f.Cert)
	symlink := func(path string) func() {
		real := path + ".real"
		if err := os.Rename(path, real); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Base(real), path); err != nil {
			t.Fatal(err)
		}
		return func() {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(real, path); err != nil {
				t.Fatal(err)
			}
		}
	}
	type refusal struct {
		name   string
		newKey bool
		// spoil breaks the files and returns what repairs them.
		spoil func() (repair func())
		want  string
	}
	cases := []refusal{
		{name: "the certificate a symbolic link", spoil: func() func() { return symlink(f.Cert) }, want: "is a symbolic link"},
		{name: "the key a symbolic link, new key", newKey: true, spoil: func() func() { return symlink(f.Key) }, want: "is a symbolic link"},
		{name: "a directory where the kept new key goes", newKey: true, spoil: func() func() {
			_, kept := est.KeptPaths(f)
			if err := os.Mkdir(kept, 0o755); err != nil {
				t.Fatal(err)
			}
			return func() { os.Remove(kept) }
		}, want: "not a regular file"},
	}
	if os.Geteuid() != 0 {
		cases = append(cases, refusal{name: "a read-only directory", spoil: func() func() {
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			return func() { os.Chmod(dir, 0o755) }
		}, want: "cannot write in " + dir})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.spoil()()
			lines := e.indexLines()
			before := pkitest.Snapshot(t, dir)
			req := est.RenewRequest{Files: f, Always: true}
			if tc.newKey {
				req.NewKey = ecSigner(t)
			}
			res, err := c.RenewFiles(t.Context(), req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
				t.Fatalf("got %+v, %v; want an error saying %q", res, err, tc.want)
			}
			if n := e.indexLines() - lines; n != 0 {
				t.Errorf("the server issued %d certificates for a renewal refused locally", n)
			}
			pkitest.AssertUnchanged(t, dir, before)
		})
	}
	// Each problem fixed, the certificate renews: the server replaced nothing.
	if res, err := c.RenewFiles(t.Context(), est.RenewRequest{Files: f, Always: true}); err != nil || !res.Renewed {
		t.Fatalf("renewal after the refusals: %+v, %v", res, err)
	}
}

// TestRenewFilesKeepsWhatItCannotInstall: when the files cannot be
// written after the server issued the renewal (here the certificate turns
// into a symbolic link while the request is under way), the certificate,
// and with a new key the key (0600), are kept as FILE.renewed and the
// error says where; the next renewal installs them without asking the
// server, which holds the new certificate as the current one. When they
// cannot be kept either, the error says what was lost and what to do.
func TestRenewFilesKeepsWhatItCannotInstall(t *testing.T) {
	for _, newKey := range []bool{false, true} {
		name := "same key"
		if newKey {
			name = "new key"
		}
		t.Run(name, func(t *testing.T) {
			h, c, f := hostileRenewal(t)
			keptCert, keptKey := est.KeptPaths(f)
			h.set(func(*x509.Certificate, *x509.CertificateRequest) { sabotage(t, f.Cert) }, nil, "")
			req := est.RenewRequest{Files: f, Always: true}
			if newKey {
				req.NewKey = ecSigner(t)
			}
			_, err := c.RenewFiles(t.Context(), req)
			if err == nil || !strings.Contains(err.Error(), "is a symbolic link") || !strings.Contains(err.Error(), "it is kept as "+keptCert) ||
				!strings.Contains(err.Error(), "the next run installs it") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v; want one line saying where the renewal is kept", err)
			}
			kept, err := pki.ReadCertificate(keptCert)
			if err != nil {
				t.Fatalf("the renewal is not kept: %v", err)
			}
			if fi, err := os.Stat(keptKey); newKey != (err == nil) || newKey && fi.Mode().Perm() != 0o600 {
				t.Fatalf("the kept key: %v (new key %v), want it 0600 exactly with a new key", err, newKey)
			}
			unsabotage(t, f.Cert)

			// The next run installs it, due or not, and asks the server nothing.
			rec := h.prepare(t, hostileCase{redirect: "https"})
			res, err := c.RenewFiles(t.Context(), est.RenewRequest{Files: f})
			if err != nil || !res.Renewed || res.Kept != keptCert || !bytes.Equal(res.Certificate.Raw, kept.Raw) {
				t.Fatalf("the run after: %+v, %v; want the kept renewal installed", res, err)
			}
			if n, _ := rec.got(); n != 0 {
				t.Errorf("the server was asked %d times", n)
			}
			if cur, _ := pki.ReadCertificate(f.Cert); cur == nil || !bytes.Equal(cur.Raw, kept.Raw) {
				t.Error("the kept certificate is not installed")
			}
			key, err := pki.ReadKey(f.Key, nil)
			if err != nil || !pki.KeyMatches(kept.PublicKey, key) {
				t.Errorf("the installed key is not the kept certificate's (%v)", err)
			}
			for _, p := range []string{keptCert, keptKey} {
				if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is left: %v", p, err)
				}
			}
		})
	}
	t.Run("neither installed nor kept", func(t *testing.T) {
		h, c, f := hostileRenewal(t)
		keptCert, _ := est.KeptPaths(f)
		h.set(func(*x509.Certificate, *x509.CertificateRequest) {
			sabotage(t, f.Cert)
			if err := os.Mkdir(keptCert, 0o755); err != nil {
				t.Error(err)
			}
		}, nil, "")
		_, err := c.RenewFiles(t.Context(), est.RenewRequest{Files: f, Always: true})
		if err == nil || !strings.Contains(err.Error(), "can be neither installed") || !strings.Contains(err.Error(), "copy certificate") {
			t.Fatalf("got %v; want it to say the renewal is lost and how to get it", err)
		}
	})
}

// hostileRenewal is a proxy's files with a two-year certificate of the
// hostile server's CA, and a client of that server.
func hostileRenewal(t *testing.T) (*hostileServer, *est.Client, est.Files) {
	t.Helper()
	h := newHostileServer(t)
	c, err := est.NewClient(h.srv.URL, h.ca)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return h, c, currentCert(t, h, time.Now())
}

// sabotage turns path into a symbolic link to its content, which Install
// refuses; unsabotage undoes it.
func sabotage(t *testing.T, path string) {
	if err := os.Rename(path, path+".real"); err != nil {
		t.Error(err)
	}
	if err := os.Symlink(filepath.Base(path)+".real", path); err != nil {
		t.Error(err)
	}
}

func unsabotage(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".real", path); err != nil {
		t.Fatal(err)
	}
}
