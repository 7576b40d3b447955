package est_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// signNames has the store sign n certificates, host0 ... host(n-1), for
// key, as a CA that enrolled that many hosts; it returns them in order.
func signNames(t testing.TB, s *pki.Store, key crypto.Signer, n int) []*x509.Certificate {
	t.Helper()
	reqs := make([]pki.SignRequest, n)
	for i := range reqs {
		csr, err := pki.ParseRequest(csr(t, key, hostSubject(i), hostSANs(i)))
		if err != nil {
			t.Fatal(err)
		}
		reqs[i] = pki.SignRequest{Name: fmt.Sprintf("host%d", i), Request: csr}
	}
	issued, err := s.SignBatch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	certs := make([]*x509.Certificate, n)
	for i, is := range issued {
		certs[i] = is.Certificate
	}
	return certs
}

// TestReenrollReadsOnlyItsName: a renewal reads the certificate of its own
// name, not every certificate the CA issued, which made its time under the
// lock grow with the CA (docs/performance.md). The files' access times
// tell: each is set old, and a read (relatime) sets it to now.
func TestReenrollReadsOnlyItsName(t *testing.T) {
	e := newEnv(t)
	key := ecKey(t)
	const n = 60
	certs := signNames(t, e.store, key, n)
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if err := os.Chtimes(e.store.CertPath(fmt.Sprintf("host%d", i)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.ReadFile(e.store.CertPath("host0")); err != nil {
		t.Fatal(err)
	}
	if !atime(t, e.store.CertPath("host0")).After(old) {
		t.Skip("the file system does not record reads (noatime)")
	}

	const renewed = 7
	r := e.post(e.client(tlsCert(certs[renewed], key)), "simplereenroll", "", "application/pkcs10", b64(csr(t, key, hostSubject(renewed), hostSANs(renewed))))
	e.wantCert(r)
	var read []string
	for i := 1; i < n; i++ {
		if name := fmt.Sprintf("host%d", i); i != renewed && atime(t, e.store.CertPath(name)).After(old) {
			read = append(read, name)
		}
	}
	if len(read) > 0 {
		t.Errorf("renewing host%d read the certificates of %d other names: %s ...", renewed, len(read), strings.Join(read[:min(len(read), 5)], " "))
	}
}

// atime is the last access time of path.
func atime(t *testing.T, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileAtime(fi)
}

// TestReenrollAtManyNames: at a CA of many names, a renewal is answered
// as at a small one: the current certificate renews, a revoked one, a
// replaced one and one the index does not hold are refused, each for its
// reason; also when the server did not issue the certificates itself (it
// was restarted, or `pkienroll sign` ran beside it).
func TestReenrollAtManyNames(t *testing.T) {
	e := newEnv(t)
	key := ecKey(t)
	const n = 200
	certs := signNames(t, e.store, key, n)
	// Another process (`pkienroll sign`, the engine's scripts) issues
	// more, which this server's store did not write.
	other, err := pki.OpenStore(e.store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	csr150, err := pki.ParseRequest(csr(t, key, hostSubject(150), hostSANs(150)))
	if err != nil {
		t.Fatal(err)
	}
	byOther, err := other.Sign(context.Background(), pki.SignRequest{Name: "host150", Request: csr150})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Revoke(context.Background(), pki.RevokeRequest{Name: "host20"}); err != nil {
		t.Fatal(err)
	}
	// A certificate the CA signed whose line is gone from the index.
	lost := signNames(t, other, key, 1)[0] // host0 again
	entries, err := pki.ReadDatabase(e.store.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	var kept strings.Builder
	for _, en := range entries {
		if en.Serial != pki.FormatSerial(lost.SerialNumber) {
			kept.WriteString(en.String() + "\n")
		}
	}
	if err := os.WriteFile(e.store.DatabasePath(), []byte(kept.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	renew := func(i int, cert *x509.Certificate) response {
		return e.post(e.client(tlsCert(cert, key)), "simplereenroll", "", "application/pkcs10", b64(csr(t, key, hostSubject(i), hostSANs(i))))
	}
	tests := []struct {
		what   string
		i      int
		cert   *x509.Certificate
		status int
		want   string
	}{
		{"current", 42, certs[42], http.StatusOK, ""},
		{"replaced by this server", 42, certs[42], http.StatusForbidden, "was replaced by a newer one"},
		{"issued by another process", 150, byOther.Certificate, http.StatusOK, ""},
		{"replaced by another process", 150, certs[150], http.StatusForbidden, "was replaced by a newer one"},
		{"revoked", 20, certs[20], http.StatusForbidden, "is revoked"},
		{"not in the index", 0, lost, http.StatusForbidden, "is not in the CA's index"},
		{"last name", n - 1, certs[n-1], http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			r := renew(tt.i, tt.cert)
			if r.status != tt.status || !strings.Contains(r.body, tt.want) {
				t.Fatalf("status %d %q, want %d %q", r.status, r.body, tt.status, tt.want)
			}
			if tt.status == http.StatusOK {
				renewed := e.wantCert(r)
				onDisk, err := pki.ReadCertificate(e.store.CertPath(fmt.Sprintf("host%d", tt.i)))
				if err != nil || !onDisk.Equal(renewed) {
					t.Errorf("certs/host%d.cer is not the renewed certificate (%v)", tt.i, err)
				}
			}
		})
	}
}
