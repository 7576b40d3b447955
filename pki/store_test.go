package pki_test

import (
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// initLayout is every entry InitStore makes, with the engine layout's modes.
var initLayout = map[string]fs.FileMode{
	".":                 fs.ModeDir | 0o755,
	"ca.pem":            0o644,
	"private":           fs.ModeDir | 0o750,
	"private/ca.pem":    0o640,
	"keys":              fs.ModeDir | 0o755,
	"openssl.conf":      0o644,
	"cacert.conf":       0o644,
	"cert.conf":         0o644,
	"certs":             fs.ModeDir | 0o755,
	"certs/ca.der":      0o644,
	"certs/1000.pem":    0o644,
	"requests":          fs.ModeDir | 0o755,
	"serial.txt":        0o644,
	"database.txt":      0o644,
	"database.txt.attr": 0o644,
	".truststore":       0o644,
}

// TestInitStoreLayout checks files, contents and exact modes whatever the
// umask. It changes the process umask, so it must not run in parallel.
func TestInitStoreLayout(t *testing.T) {
	for _, umask := range []int{0o022, 0, 0o077, 0o027} {
		t.Run(fmt.Sprintf("umask_%04o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)

			s := pkitest.NewStore(t)
			snap := pkitest.Snapshot(t, s.Dir())
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			_, signErr := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			syscall.Umask(old)

			// What signing writes has the engine layout's modes too.
			if signErr != nil {
				t.Fatal(signErr)
			}
			for _, p := range []string{"certs/proxy.cer", "certs/1001.pem", "serial.txt", "database.txt"} {
				if got := pkitest.PermOf(t, filepath.Join(s.Dir(), p)); got != 0o644 {
					t.Errorf("after signing under umask %#o: %s mode %v, want 0644", umask, p, got)
				}
			}

			var got, want []string
			for p, st := range snap {
				got = append(got, p+" "+st.Mode.String())
			}
			for p, m := range initLayout {
				want = append(want, p+" "+m.String())
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("layout under umask %#o:\n got %v\nwant %v", umask, got, want)
			}

			// The CA is serial 1000 with its index line and certs/1000.pem,
			// as the engine's pki-create-ca.sh leaves it.
			ca := pkitest.ReadCert(t, s.CACertPath())
			caLine := fmt.Sprintf("V\t%s\t\t1000\tunknown\t%s\n", indexUTCTime(ca.NotAfter), pkitest.EngineCASubject)
			for path, content := range map[string]string{
				"serial.txt":        "1001\n",
				"database.txt":      caLine,
				"database.txt.attr": "unique_subject = no\n",
				"certs/1000.pem":    snap["ca.pem"].Content,
			} {
				if snap[path].Content != content {
					t.Errorf("%s = %q, want %q", path, snap[path].Content, content)
				}
			}
			if pki.FormatSerial(ca.SerialNumber) != "1000" {
				t.Errorf("CA serial %s, want 1000", pki.FormatSerial(ca.SerialNumber))
			}
			if snap["certs/ca.der"].Content != snap["ca.pem"].Content {
				t.Errorf("certs/ca.der is not ca.pem (PEM, as the engine's scripts write it)")
			}
			key, err := pki.ReadKey(s.CAKeyPath(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !pki.KeyMatches(pkitest.ReadCert(t, s.CACertPath()).PublicKey, key) {
				t.Errorf("private/ca.pem does not match ca.pem")
			}
		})
	}
}

func TestInitStorePaths(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	dir := s.Dir()
	for _, c := range []struct{ got, want string }{
		{s.CACertPath(), filepath.Join(dir, "ca.pem")},
		{s.CAKeyPath(), filepath.Join(dir, "private", "ca.pem")},
		{s.CADERPath(), filepath.Join(dir, "certs", "ca.der")},
		{s.SerialPath(), filepath.Join(dir, "serial.txt")},
		{s.DatabasePath(), filepath.Join(dir, "database.txt")},
		{s.RequestPath("proxy"), filepath.Join(dir, "requests", "proxy.req")},
		{s.CertPath("proxy"), filepath.Join(dir, "certs", "proxy.cer")},
		{s.SerialCertPath("1000"), filepath.Join(dir, "certs", "1000.pem")},
	} {
		if c.got != c.want {
			t.Errorf("path %s, want %s", c.got, c.want)
		}
	}
}

// TestInitStoreRefusesExistingCA: a second init, or one over a leftover CA
// key, fails with ErrExists and changes nothing.
func TestInitStoreRefusesExistingCA(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, s *pki.Store)
		subject string
	}{
		{"same subject", nil, pkitest.EngineCASubject},
		{"other subject", nil, "/CN=another CA"},
		{"key left over", func(t *testing.T, s *pki.Store) {
			if err := os.Remove(s.CACertPath()); err != nil {
				t.Fatal(err)
			}
		}, pkitest.EngineCASubject},
		{"index of an earlier CA left over", func(t *testing.T, s *pki.Store) {
			// A directory whose CA was removed but whose serial, index
			// and CA copy were not: init must not start a second history
			// in it, nor create anything there before it refuses.
			for _, p := range []string{s.CACertPath(), s.CAKeyPath()} {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range []string{"private", "keys", "requests"} {
				if err := os.Remove(filepath.Join(s.Dir(), d)); err != nil {
					t.Fatal(err)
				}
			}
		}, pkitest.EngineCASubject},
		{"certificate is a symlink", func(t *testing.T, s *pki.Store) {
			if err := os.Rename(s.CACertPath(), s.CACertPath()+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("ca.pem.real", s.CACertPath()); err != nil {
				t.Fatal(err)
			}
		}, pkitest.EngineCASubject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			if tc.setup != nil {
				tc.setup(t, s)
			}
			before := pkitest.Snapshot(t, s.Dir())
			_, err := pki.InitStore(s.Dir(), pki.InitRequest{Subject: pkitest.Name(t, tc.subject)}, pkitest.SharedCAKeyGenerator(t))
			if !errors.Is(err, pki.ErrExists) {
				t.Errorf("second InitStore: %v, want ErrExists", err)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestInitStoreBadArguments: checks run before anything is created.
func TestInitStoreBadArguments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		req     pki.InitRequest
		opts    []pki.StoreOption
		wantErr error
	}{
		{"days -1", pki.InitRequest{Days: -1}, nil, pki.ErrBadDays},
		{"days 36501", pki.InitRequest{Days: 36501}, nil, pki.ErrBadDays},
		{"no subject", pki.InitRequest{Subject: nil}, nil, dn.ErrInvalid},
		{"empty subject", pki.InitRequest{Subject: dn.Name{}}, nil, dn.ErrInvalid},
		{"ca file is a path", pki.InitRequest{}, []pki.StoreOption{pki.WithCAName("../ca")}, pki.ErrBadName},
		{"ca file empty", pki.InitRequest{}, []pki.StoreOption{pki.WithCAName("")}, pki.ErrBadName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.req.Subject == nil && tc.wantErr != dn.ErrInvalid {
				tc.req.Subject = pkitest.Name(t, pkitest.EngineCASubject)
			}
			dir := filepath.Join(t.TempDir(), "pki")
			opts := append([]pki.StoreOption{pkitest.SharedCAKeyGenerator(t)}, tc.opts...)
			if _, err := pki.InitStore(dir, tc.req, opts...); !errors.Is(err, tc.wantErr) {
				t.Errorf("InitStore: %v, want %v", err, tc.wantErr)
			}
			if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused InitStore left %s behind (%v)", dir, err)
			}
		})
	}
	t.Run("empty directory name", func(t *testing.T) {
		t.Parallel()
		_, err := pki.InitStore("", pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject)}, pkitest.SharedCAKeyGenerator(t))
		if !errors.Is(err, pki.ErrBadStore) {
			t.Errorf("InitStore(\"\"): %v, want ErrBadStore", err)
		}
	})
}

// TestInitStoreCAProfile checks the CA certificate with openssl.
func TestInitStoreCAProfile(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := pkitest.NewStore(t)
	text := opensslCertText(t, s.CACertPath())
	assertTextHas(t, "CA certificate", text,
		"Signature Algorithm: sha256WithRSAEncryption",
		"Issuer: C = US, O = Example Inc., CN = engine.example.com.81108",
		"Subject: C = US, O = Example Inc., CN = engine.example.com.81108",
		"Public-Key: (2048 bit)",
		"X509v3 Basic Constraints: critical\n                CA:TRUE",
		"X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign",
		"X509v3 Subject Key Identifier:",
	)
	if strings.Contains(text, "Extended Key Usage") {
		t.Errorf("CA certificate has an extended key usage:\n%s", text)
	}
	out := pkitest.RunOpenSSL(t, s.Dir(), "verify", "-CAfile", "ca.pem", "ca.pem")
	if strings.TrimSpace(out) != "ca.pem: OK" {
		t.Errorf("openssl verify ca.pem: %q", out)
	}

	notBefore, notAfter := opensslValidity(t, s.CACertPath())
	assertNear(t, "notBefore", notBefore, start.Add(-24*time.Hour))
	assertNear(t, "notAfter", notAfter, start.Add(7299*24*time.Hour-time.Second)) // 7300 days inclusive, from the backdated notBefore

	cert := pkitest.ReadCert(t, s.CACertPath())
	if want := sha1KeyID(t, cert); string(cert.SubjectKeyId) != string(want) {
		t.Errorf("SKI %X, want SHA-1 of the public key %X", cert.SubjectKeyId, want)
	}
	if cert.SerialNumber.Sign() <= 0 {
		t.Errorf("CA serial %v is not positive", cert.SerialNumber)
	}
}

// TestInitStoreDays checks the validity InitRequest.Days gives: N days,
// notBefore through notAfter inclusive.
func TestInitStoreDays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ days, want int }{{0, 7300}, {2, 2}, {30, 30}, {36500, 36500}} {
		t.Run(fmt.Sprint(tc.days), func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "pki")
			s, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject), Days: tc.days}, pkitest.SharedCAKeyGenerator(t))
			if err != nil {
				t.Fatal(err)
			}
			cert := pkitest.ReadCert(t, s.CACertPath())
			if got := cert.NotAfter.Sub(cert.NotBefore); got != time.Duration(tc.want)*24*time.Hour-time.Second {
				t.Errorf("Days %d: validity %v, want %d days less a second", tc.days, got, tc.want)
			}
		})
	}
}

// TestInitStoreSecondCA: a second CA (--ca-file) in a directory that has
// one shares its serial.txt and index: it takes the next serial with its
// index line, as pki-create-ca.sh does (issue 23), and both CAs then draw
// serials from the one sequence.
func TestInitStoreSecondCA(t *testing.T) {
	t.Parallel()
	first := pkitest.NewStore(t)
	pkitest.WriteRequest(t, first, "proxy", pkitest.EngineProxySubject)
	if _, err := first.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
		t.Fatal(err)
	}
	serialBefore := pkitest.ReadFile(t, first.SerialPath())
	indexBefore := pkitest.ReadFile(t, first.DatabasePath())

	second, err := pki.InitStore(first.Dir(), pki.InitRequest{Subject: pkitest.Name(t, "/C=US/O=Example Inc./CN=qemu-ca")},
		pki.WithCAName("qemu-ca"), pki.WithKeyGenerator(func(int) (crypto.Signer, error) { return pkitest.SharedKey(t, pkitest.OtherKey), nil }))
	if err != nil {
		t.Fatalf("second CA in a directory with a CA: %v", err)
	}
	if serialBefore != "1002\n" || pkitest.ReadFile(t, first.SerialPath()) != "1003\n" {
		t.Errorf("serial.txt %q before the second CA, %q after, want 1002 then 1003", serialBefore, pkitest.ReadFile(t, first.SerialPath()))
	}
	if got := pkitest.ReadFile(t, first.DatabasePath()); !strings.HasPrefix(got, indexBefore) || !strings.Contains(got[len(indexBefore):], "\t1002\tunknown\t/C=US/O=Example Inc./CN=qemu-ca\n") {
		t.Errorf("database.txt after the second init: %q", got)
	}
	pkitest.WriteRequest(t, second, "spice", "/C=US/O=Example Inc./CN=spice.example.com")
	issued, err := second.Sign(t.Context(), pki.SignRequest{Name: "spice"})
	if err != nil {
		t.Fatal(err)
	}
	if issued.Serial != "1003" {
		t.Errorf("second CA issued serial %s, want 1003 (shared sequence)", issued.Serial)
	}
	out := pkitest.RunOpenSSL(t, first.Dir(), "verify", "-CAfile", "qemu-ca.pem", "certs/spice.cer")
	if strings.TrimSpace(out) != "certs/spice.cer: OK" {
		t.Errorf("openssl verify: %s", out)
	}
}

// TestInitStoreCAName: WithCAName picks NAME.pem and private/NAME.pem, and
// signing under that CA works.
func TestInitStoreCAName(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t, pki.WithCAName("other"))
	dir := s.Dir()
	for _, p := range []string{"other.pem", "private/other.pem", "certs/other.der", "serial.txt", "database.txt"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err != nil {
			t.Errorf("WithCAName(other): %v", err)
		}
	}
	for _, p := range []string{"ca.pem", "private/ca.pem", "certs/ca.der"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("WithCAName(other) made %s", p)
		}
	}
	if got := pkitest.PermOf(t, filepath.Join(dir, "private", "other.pem")); got != 0o640 {
		t.Errorf("private/other.pem mode %v", got)
	}
	if _, err := pki.OpenStore(dir); !errors.Is(err, pki.ErrBadStore) {
		t.Errorf("OpenStore without the CA name: %v, want ErrBadStore", err)
	}

	o, err := pki.OpenStore(dir, pki.WithCAName("other"))
	if err != nil {
		t.Fatal(err)
	}
	pkitest.WriteRequest(t, o, "proxy", pkitest.EngineProxySubject)
	if _, err := o.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
		t.Fatal(err)
	}
	out := pkitest.RunOpenSSL(t, dir, "verify", "-CAfile", "other.pem", "certs/proxy.cer")
	if strings.TrimSpace(out) != "certs/proxy.cer: OK" {
		t.Errorf("openssl verify: %q", out)
	}
}

// TestInitStoreCertAndRequestDirs: WithCertDir and WithRequestDir move
// certs/ and requests/.
func TestInitStoreCertAndRequestDirs(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t, pki.WithCertDir("issued"), pki.WithRequestDir("incoming"))
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	if got, want := s.RequestPath("proxy"), filepath.Join(s.Dir(), "incoming", "proxy.req"); got != want {
		t.Errorf("RequestPath %s, want %s", got, want)
	}
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"issued/ca.der", "issued/proxy.cer", "issued/1000.pem"} {
		if _, err := os.Lstat(filepath.Join(s.Dir(), p)); err != nil {
			t.Error(err)
		}
	}
	if issued.CertPath != filepath.Join(s.Dir(), "issued", "proxy.cer") {
		t.Errorf("CertPath %s", issued.CertPath)
	}
}

func TestOpenStoreErrors(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	pkitest.WriteFile(t, file, []byte("x"), 0o644)
	empty := filepath.Join(tmp, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dir  string
		opts []pki.StoreOption
		want error
	}{
		{"missing", filepath.Join(tmp, "missing"), nil, fs.ErrNotExist},
		{"not a directory", file, nil, pki.ErrBadStore},
		{"no CA", empty, nil, pki.ErrBadStore},
		{"empty name", "", nil, pki.ErrBadStore},
		{"bad CA name", empty, []pki.StoreOption{pki.WithCAName("a/b")}, pki.ErrBadName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := pki.OpenStore(tc.dir, tc.opts...); !errors.Is(err, tc.want) {
				t.Errorf("OpenStore(%q): %v, want %v", tc.dir, err, tc.want)
			}
		})
	}
	t.Run("negative lock timeout", func(t *testing.T) {
		s := pkitest.NewStore(t)
		if _, err := pki.OpenStore(s.Dir(), pki.WithLockTimeout(-time.Second)); err == nil {
			t.Errorf("OpenStore with a negative lock timeout succeeded")
		}
	})
	t.Run("relative path is cleaned", func(t *testing.T) {
		s := pkitest.NewStore(t)
		o, err := pki.OpenStore(s.Dir() + "/./")
		if err != nil {
			t.Fatal(err)
		}
		if o.Dir() != s.Dir() {
			t.Errorf("Dir() = %q, want %q", o.Dir(), s.Dir())
		}
	})
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"proxy", "proxy.example.com", "a", "websocket-proxy", "ovirt_provider_ovn", "0", strings.Repeat("a", 128)} {
		if err := pki.ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "../x", "..", ".", "a/b", "/abs", ".hidden", " x", "x ", "-x", "a\x00b", "a\nb", "prøxy", strings.Repeat("a", 129), strings.Repeat("a", 200)} {
		if err := pki.ValidateName(name); !errors.Is(err, pki.ErrBadName) {
			t.Errorf("ValidateName(%q): %v, want ErrBadName", name, err)
		}
	}
}

// opensslValidity reads notBefore and notAfter as openssl prints them.
func opensslValidity(t *testing.T, path string) (notBefore, notAfter time.Time) {
	t.Helper()
	out := pkitest.RunOpenSSL(t, "", "x509", "-noout", "-startdate", "-enddate", "-in", path)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		key, value, _ := strings.Cut(line, "=")
		when, err := time.Parse("Jan _2 15:04:05 2006 MST", value)
		if err != nil {
			t.Fatalf("openssl date %q: %v", line, err)
		}
		switch key {
		case "notBefore":
			notBefore = when
		case "notAfter":
			notAfter = when
		}
	}
	if notBefore.IsZero() || notAfter.IsZero() {
		t.Fatalf("openssl printed no dates: %q", out)
	}
	return notBefore, notAfter
}

// assertNear fails when got is more than a minute from want.
func assertNear(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -time.Minute || d > time.Minute {
		t.Errorf("%s = %v, want about %v", what, got.UTC(), want.UTC())
	}
}

// sha1KeyID is the SHA-1 of the certificate's subjectPublicKey bits, as
// RFC 5280 4.2.1.2 (1) and openssl's "hash" compute it.
func sha1KeyID(t *testing.T, cert *x509.Certificate) []byte {
	t.Helper()
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:]
}

// TestInitStoreRetryAfterFailure: an init that fails half way (here the key
// generator) leaves nothing that looks like a CA, and a second try works.
func TestInitStoreRetryAfterFailure(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pki")
	boom := errors.New("no entropy today")
	failing := pki.WithKeyGenerator(func(int) (crypto.Signer, error) { return nil, boom })
	if _, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject)}, failing); !errors.Is(err, boom) {
		t.Fatalf("InitStore with a failing generator: %v", err)
	}
	if _, err := pki.OpenStore(dir); !errors.Is(err, pki.ErrBadStore) {
		t.Errorf("OpenStore after a failed init: %v, want ErrBadStore", err)
	}
	if _, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject)}, pkitest.SharedCAKeyGenerator(t)); err != nil {
		t.Fatalf("InitStore after a failed init: %v", err)
	}
	if got := pkitest.ReadFile(t, filepath.Join(dir, "serial.txt")); got != "1001\n" {
		t.Errorf("serial.txt = %q", got)
	}
}

// TestInitStoreRefusesLeftoverCACopy: a directory that holds only the
// copy of serial 1000 (certs/1000.pem) of an earlier CA is refused, and
// the refusal creates nothing: not private/, keys/ or requests/.
func TestInitStoreRefusesLeftoverCACopy(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pki")
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	pkitest.WriteFile(t, filepath.Join(dir, "certs", "1000.pem"), []byte("earlier\n"), 0o644)
	before := pkitest.Snapshot(t, dir)
	_, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject)}, pkitest.SharedCAKeyGenerator(t))
	if !errors.Is(err, pki.ErrExists) {
		t.Errorf("InitStore: %v, want ErrExists", err)
	}
	pkitest.AssertUnchanged(t, dir, before)
}
