package pki_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// pendingPath is where Enroll stages path for the certificate of certPath
// until that certificate is published: .pkienroll-tmp-BASE.TAG, TAG being
// 16 hex digits of the certificate's SHA-256.
func pendingPath(t *testing.T, path, certPath string) string {
	t.Helper()
	sum := sha256.Sum256(pkitest.ReadCert(t, certPath).Raw)
	return filepath.Join(filepath.Dir(path), ".pkienroll-tmp-"+filepath.Base(path)+"."+hex.EncodeToString(sum[:8]))
}

// TestCheckFinishesInterruptedEnrollment sets up, one at a time, what a
// crash of Enroll can leave in keys/ and requests/, and what an older
// version or a writer without the lock leaves, and checks what `ca check`
// reports and does.
func TestCheckFinishesInterruptedEnrollment(t *testing.T) {
	t.Parallel()
	// interrupted: a second enrollment was killed after certs/proxy.cer,
	// before its bundle and request were renamed into place.
	interrupted := func(t *testing.T, s *pki.Store) (p12, req string) {
		t.Helper()
		es := enrollStore(t, s)
		if _, err := es.Enroll(t.Context(), enrollRequest(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := es.Enroll(t.Context(), enrollRequest(t)); err != nil {
			t.Fatal(err)
		}
		p12, req = pendingPath(t, s.PKCS12Path("proxy"), s.CertPath("proxy")), pendingPath(t, s.RequestPath("proxy"), s.CertPath("proxy"))
		for path, pending := range map[string]string{s.PKCS12Path("proxy"): p12, s.RequestPath("proxy"): req} {
			if err := os.Rename(path, pending); err != nil {
				t.Fatal(err)
			}
			old := backupsOf(t, path)
			if len(old) != 1 {
				t.Fatalf("backups of %s: %q", path, old)
			}
			if err := os.Rename(old[0], path); err != nil {
				t.Fatal(err)
			}
		}
		return p12, req
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, s *pki.Store) (kept []string)
		// want are the lines of the first check (substrings), in order;
		// the second check must report againWant (or nothing).
		want, againWant []string
		after           func(t *testing.T, s *pki.Store)
	}{
		{"certificate published, bundle and request not yet", func(t *testing.T, s *pki.Store) []string {
			interrupted(t, s)
			return nil
		}, []string{"keys/proxy.p12 is now the one of", "requests/proxy.req is now the one of"}, nil,
			func(t *testing.T, s *pki.Store) {
				assertEnrollmentConsistent(t, s, "proxy", "after check")
				if b := backupsOf(t, s.PKCS12Path("proxy")); len(b) != 1 {
					t.Errorf("the bundle it replaced is not kept: %q", b)
				}
			}},
		{"the certificate was replaced since", func(t *testing.T, s *pki.Store) []string {
			p12, _ := interrupted(t, s)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
				t.Fatal(err)
			}
			return []string{p12}
		}, []string{"held the only copy of the key of a replaced certificate of proxy: kept as "}, nil,
			func(t *testing.T, s *pki.Store) {
				b := backupsOf(t, s.PKCS12Path("proxy"))
				if len(b) != 1 || pkitest.ReadFile(t, b[0]) == pkitest.ReadFile(t, s.PKCS12Path("proxy")) {
					t.Errorf("backups of keys/proxy.p12: %q, want the interrupted bundle", b)
				}
			}},
		{"the certificate was never published", func(t *testing.T, s *pki.Store) []string {
			p12, req := interrupted(t, s)
			for _, p := range []string{p12, req} {
				// another tag: a certificate that is nowhere
				if err := os.Rename(p, p[:len(p)-16]+"0123456789abcdef"); err != nil {
					t.Fatal(err)
				}
			}
			cert := backupsOf(t, s.CertPath("proxy"))
			if err := os.Rename(cert[0], s.CertPath("proxy")); err != nil {
				t.Fatal(err)
			}
			return nil
		}, nil, nil, func(t *testing.T, s *pki.Store) { assertEnrollmentConsistent(t, s, "proxy", "after check") }},
		{"an older version's temporary bundle", func(t *testing.T, s *pki.Store) []string {
			signNames(t, s, "x")
			old := filepath.Join(s.Dir(), "keys", ".pkienroll-tmp-proxy.p12-0123456789abcdef")
			pkitest.WriteFile(t, old, []byte("bundle"), 0o600)
			return []string{old}
		}, []string{"is a temporary bundle a crash left behind; it may hold the only copy of a key"},
			[]string{"is a temporary bundle a crash left behind"}, nil},
		{"a writer without the lock", func(t *testing.T, s *pki.Store) []string {
			signNames(t, s, "x")
			var kept []string
			for _, dir := range []string{s.Dir(), filepath.Join(s.Dir(), "certs"), filepath.Join(s.Dir(), "keys"), filepath.Join(s.Dir(), "requests")} {
				p := filepath.Join(dir, ".pkienroll-tmp-out.pem~0123456789abcdef")
				pkitest.WriteFile(t, p, []byte("in flight"), 0o600)
				kept = append(kept, p)
			}
			return kept
		}, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			if err := os.MkdirAll(filepath.Join(s.Dir(), "keys"), 0o700); err != nil {
				t.Fatal(err)
			}
			kept := tc.setup(t, s)
			for i, want := range [][]string{tc.want, tc.againWant} {
				problems, err := s.Check(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if len(problems) != len(want) {
					t.Errorf("check %d: %q, want %d lines saying %q", i+1, problems, len(want), want)
					continue
				}
				for j, w := range want {
					if !strings.Contains(problems[j], w) {
						t.Errorf("check %d line %d: %q, want it to say %q", i+1, j+1, problems[j], w)
					}
				}
			}
			for _, p := range kept {
				if _, err := os.Lstat(p); err != nil && tc.name != "the certificate was replaced since" {
					t.Errorf("%s removed: %v", p, err)
				}
			}
			if tc.after != nil {
				tc.after(t, s)
			}
		})
	}
}
