package pki_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// engineOpenSSLConfig writes testdata/engine/openssl.cnf for the PKI
// directory dir into a temporary directory (outside dir, so that it is no
// part of the store) and returns its path.
func engineOpenSSLConfig(t *testing.T, dir string) string {
	t.Helper()
	tmpl := pkitest.ReadFile(t, engineConfigTemplate)
	if !strings.Contains(tmpl, "@PKI_DIR@") {
		t.Fatalf("%s has no @PKI_DIR@", engineConfigTemplate)
	}
	path := filepath.Join(t.TempDir(), "openssl.cnf")
	pkitest.WriteFile(t, path, []byte(strings.ReplaceAll(tmpl, "@PKI_DIR@", dir)), 0o644)
	return path
}

// opensslCAStatus is what `openssl ca -status SERIAL` says of serial, such
// as "Valid (V)". OpenSSL 3.0 exits 1 even when it found the serial, so
// the exit status is not looked at.
func opensslCAStatus(t *testing.T, dir, cfg, serial string) string {
	t.Helper()
	out, _ := pkitest.TryOpenSSL(t, dir, "ca", "-config", cfg, "-status", serial)
	for _, line := range strings.Split(out, "\n") {
		if status, ok := strings.CutPrefix(line, serial+"="); ok {
			return status
		}
	}
	t.Errorf("openssl ca -status %s printed no status:\n%s", serial, out)
	return ""
}

// opensslCASign signs the request at req with `openssl ca -batch` and the
// leaf profile of the configuration, writing the certificate to out.
// -preserveDN keeps the request's subject as it is, as pkienroll does.
func opensslCASign(t *testing.T, dir, cfg, req, out string) {
	t.Helper()
	pkitest.RunOpenSSL(t, dir, "ca", "-batch", "-notext", "-preserveDN", "-config", cfg, "-in", req, "-out", out)
}

// assertVerifies runs `openssl verify` on each certificate under the CA.
func assertVerifies(t *testing.T, caFile string, certs ...string) {
	t.Helper()
	for _, c := range certs {
		out, err := pkitest.TryOpenSSL(t, "", "verify", "-CAfile", caFile, c)
		if err != nil || strings.TrimSpace(out) != c+": OK" {
			t.Errorf("openssl verify %s: %v\n%s", c, err, out)
		}
	}
}

// TestOpenSSLCAOnPkienrollStore: after pkienroll signs, `openssl ca` reads
// the status, makes CRLs, revokes, and signs the next serial; pkienroll
// then carries on after it.
func TestOpenSSLCAOnPkienrollStore(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	dir := s.Dir()
	cfg := engineOpenSSLConfig(t, dir)
	// The layout has no CRL number; a CA that publishes CRLs adds one.
	pkitest.WriteFile(t, filepath.Join(dir, "crlnumber.txt"), []byte("1000\n"), 0o644)

	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
		t.Fatal(err)
	}
	if got := opensslCAStatus(t, dir, cfg, "1001"); got != "Valid (V)" {
		t.Errorf("status of 1001 after pkienroll signed it: %q", got)
	}

	crl := filepath.Join(t.TempDir(), "crl.pem")
	pkitest.RunOpenSSL(t, dir, "ca", "-config", cfg, "-gencrl", "-out", crl)
	out, _ := pkitest.TryOpenSSL(t, dir, "crl", "-in", crl, "-CAfile", "ca.pem", "-noout", "-text")
	assertTextHas(t, "first CRL", out, "verify OK", "No Revoked Certificates", "X509v3 CRL Number: \n                4096")

	pkitest.RunOpenSSL(t, dir, "ca", "-config", cfg, "-revoke", "certs/1001.pem", "-crl_reason", "superseded")
	if got := opensslCAStatus(t, dir, cfg, "1001"); got != "Revoked (R)" {
		t.Errorf("status of 1001 after openssl revoked it: %q", got)
	}
	pkitest.RunOpenSSL(t, dir, "ca", "-config", cfg, "-gencrl", "-out", crl)
	out, _ = pkitest.TryOpenSSL(t, dir, "crl", "-in", crl, "-CAfile", "ca.pem", "-noout", "-text")
	assertTextHas(t, "second CRL", out, "verify OK", "Serial Number: 1001", "Superseded")

	pkitest.WriteRequest(t, s, "proxy2", "/C=US/O=Example Inc./CN=proxy2.example.com")
	opensslCASign(t, dir, cfg, "requests/proxy2.req", "certs/proxy2.cer")
	if got := pkitest.ReadCert(t, s.CertPath("proxy2")).SerialNumber.Int64(); got != 0x1002 {
		t.Errorf("openssl ca signed serial %X after pkienroll's 1001, want 1002", got)
	}
	if got := opensslCAStatus(t, dir, cfg, "1002"); got != "Valid (V)" {
		t.Errorf("status of 1002: %q", got)
	}

	pkitest.WriteRequest(t, s, "proxy3", "/C=US/O=Example Inc./CN=proxy3.example.com")
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy3"})
	if err != nil {
		t.Fatalf("pkienroll after openssl ca: %v", err)
	}
	if issued.Serial != "1003" {
		t.Errorf("pkienroll signed %s after openssl's 1002, want 1003", issued.Serial)
	}
	if got := opensslCAStatus(t, dir, cfg, "1003"); got != "Valid (V)" {
		t.Errorf("status of 1003: %q", got)
	}
	if got := pkitest.ReadFile(t, s.SerialPath()); got != "1004\n" {
		t.Errorf("serial.txt = %q, want 1004", got)
	}
	if got := pkitest.ReadFile(t, s.DatabasePath()+".attr"); got != "unique_subject = no\n" {
		t.Errorf("database.txt.attr = %q", got)
	}

	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, string(e.Status)+" "+e.Serial+" "+e.Reason+" "+e.Subject)
	}
	want := []string{
		"V 1000  " + pkitest.EngineCASubject,
		"R 1001 superseded /C=US/O=Example Inc./CN=proxy.example.com",
		"V 1002  /C=US/O=Example Inc./CN=proxy2.example.com",
		"V 1003  /C=US/O=Example Inc./CN=proxy3.example.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("database.txt entries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !entries[1].Revoked.After(time.Now().Add(-time.Hour)) {
		t.Errorf("revocation date %v", entries[0].Revoked)
	}
	assertVerifies(t, s.CACertPath(), s.SerialCertPath("1001"), s.CertPath("proxy2"), s.CertPath("proxy3"))
}

// TestPkienrollOnOpenSSLStore: a directory made by openssl alone the way
// the engine's scripts make it (make-engine-pki.sh: the CA at serial 1000
// in the index, host1 at 1001) is opened and signed into at the next
// serial, and openssl ca goes on after pkienroll.
func TestPkienrollOnOpenSSLStore(t *testing.T) {
	t.Parallel()
	dir := makeEnginePKI(t, "")
	cfg := filepath.Join(dir, "openssl.conf")
	firstLines := pkitest.ReadFile(t, filepath.Join(dir, "database.txt"))

	s, err := pki.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	pkitest.WriteRequest(t, s, "proxy2", "/C=US/O=Example Inc./CN=proxy2.example.com")
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy2"})
	if err != nil {
		t.Fatal(err)
	}
	if issued.Serial != "1002" {
		t.Errorf("serial %s after openssl's 1001, want 1002", issued.Serial)
	}
	caCert := pkitest.ReadCert(t, s.CACertPath())
	if string(issued.Certificate.AuthorityKeyId) != string(caCert.SubjectKeyId) {
		t.Errorf("AKI %X, want the openssl CA's SKI %X", issued.Certificate.AuthorityKeyId, caCert.SubjectKeyId)
	}
	if !bytes.Equal(issued.Certificate.RawIssuer, caCert.RawSubject) {
		t.Errorf("issuer is not the CA's subject, byte for byte")
	}
	wantDB := firstLines + "V\t" + indexUTCTime(issued.Certificate.NotAfter) + "\t\t1002\tunknown\t/C=US/O=Example Inc./CN=proxy2.example.com\n"
	if got := pkitest.ReadFile(t, s.DatabasePath()); got != wantDB {
		t.Errorf("database.txt =\n%q\nwant\n%q", got, wantDB)
	}
	if got := pkitest.ReadFile(t, s.SerialPath()); got != "1003\n" {
		t.Errorf("serial.txt = %q, want 1003", got)
	}
	for _, serial := range []string{"1000", "1001", "1002"} {
		if got := opensslCAStatus(t, dir, cfg, serial); got != "Valid (V)" {
			t.Errorf("status of %s: %q", serial, got)
		}
	}
	assertVerifies(t, s.CACertPath(), s.CertPath("host1"), s.CertPath("proxy2"))

	pkitest.WriteRequest(t, s, "proxy3", "/C=US/O=Example Inc./CN=proxy3.example.com")
	opensslCASign(t, dir, cfg, "requests/proxy3.req", "certs/proxy3.cer")
	if got := pkitest.ReadCert(t, s.CertPath("proxy3")).SerialNumber.Int64(); got != 0x1003 {
		t.Errorf("openssl ca signed %X after pkienroll's 1002, want 1003", got)
	}
	if n := len(storeDatabaseLines(t, s)); n != 3 { // the CA's own line aside
		t.Errorf("%d database lines, want 3 besides the CA's", n)
	}
}

// TestDatabaseLineMatchesOpenSSL: for the same request, the index line
// pkienroll appends equals the one `openssl ca` appends, field by field,
// but for the serial and the dates.
func TestDatabaseLineMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	dir := s.Dir()
	cfg := engineOpenSSLConfig(t, dir)
	out := t.TempDir()
	for i, subject := range []string{
		pkitest.EngineProxySubject,
		"/C=US/ST=North Carolina/L=Raleigh/O=Example Inc./OU=Proxies/CN=proxy.example.com",
		"/C=US/O=Example Inc./CN=proxy.example.com/emailAddress=ops@example.com",
		"/C=FR/O=Société Générale/CN=proxy.example.fr",
		"/C=US/O=A\\/B Testing/CN=proxy.example.com",
		"/C=US/O=Example Inc./CN=proxy.example.com+UID=proxy",
		"/CN=proxy.example.com/O=Example Inc./C=US",
		"/C=US/O=Example \"Quoted\", Inc./CN=proxy.example.com",
	} {
		name := "proxy" + string(rune('a'+i))
		pkitest.WriteRequest(t, s, name, subject)
		// openssl ca's notAfter is now + default_days (1827); ours counts
		// the backdated day in, so 1828 days end within a second of it.
		if _, err := s.Sign(t.Context(), pki.SignRequest{Name: name, Days: 1828}); err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
		opensslCASign(t, dir, cfg, s.RequestPath(name), filepath.Join(out, name+".cer"))
		lines := storeDatabaseLines(t, s)
		if len(lines) != 2*(i+1) {
			t.Fatalf("%d database lines after %d rounds", len(lines), i+1)
		}
		ours := strings.Split(strings.TrimSuffix(lines[2*i], "\n"), "\t")
		theirs := strings.Split(strings.TrimSuffix(lines[2*i+1], "\n"), "\t")
		if len(ours) != 6 || len(theirs) != 6 {
			t.Fatalf("lines %q and %q are not 6 fields", lines[2*i], lines[2*i+1])
		}
		for f, what := range []string{"status", "expiry", "revocation", "serial", "file", "subject"} {
			switch what {
			case "serial":
				if want := pki.FormatSerial(pkitest.ReadCert(t, filepath.Join(out, name+".cer")).SerialNumber); theirs[f] != want || len(ours[f]) != len(want) {
					t.Errorf("%s: serials %q and %q", subject, ours[f], theirs[f])
				}
			case "expiry":
				a, errA := time.Parse("060102150405Z", ours[f])
				b, errB := time.Parse("060102150405Z", theirs[f])
				if errA != nil || errB != nil || b.Sub(a).Abs() > time.Minute {
					t.Errorf("%s: expiries %q and %q", subject, ours[f], theirs[f])
				}
			default:
				if ours[f] != theirs[f] {
					t.Errorf("%s: %s field: pkienroll %q, openssl ca %q", subject, what, ours[f], theirs[f])
				}
			}
		}
	}
}

// TestOpenSSLCAUpdateDB: `openssl ca -updatedb` reads the expiry dates
// pkienroll writes, UTCTime and (from 2050) GeneralizedTime alike, and marks
// the expired one; pkienroll reads and appends to what it rewrote.
func TestOpenSSLCAUpdateDB(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	dir := s.Dir()
	cfg := engineOpenSSLConfig(t, dir)
	past, err := pki.OpenStore(dir, pki.WithNow(func() time.Time { return time.Now().AddDate(0, 0, -20) }))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		store *pki.Store
		name  string
		days  int
	}{{past, "expired", 10}, {s, "far", 10000}, {s, "current", 0}} {
		pkitest.WriteRequest(t, s, c.name, "/C=US/O=Example Inc./CN="+c.name+".example.com")
		if _, err := c.store.Sign(t.Context(), pki.SignRequest{Name: c.name, Days: c.days}); err != nil {
			t.Fatal(err)
		}
	}
	farLine := storeDatabaseLines(t, s)[1]
	if !strings.HasPrefix(farLine, "V\t20") || len(strings.Split(farLine, "\t")[1]) != len("20530101000000Z") {
		t.Fatalf("far line %q has no GeneralizedTime expiry", farLine)
	}

	out, err := pkitest.TryOpenSSL(t, dir, "ca", "-config", cfg, "-updatedb")
	if err != nil {
		t.Fatalf("openssl ca -updatedb: %v\n%s", err, out)
	}
	assertTextHas(t, "openssl ca -updatedb", out, "1001=Expired")
	for serial, want := range map[string]string{"1000": "Valid (V)", "1001": "Expired (E)", "1002": "Valid (V)", "1003": "Valid (V)"} {
		if got := opensslCAStatus(t, dir, cfg, serial); got != want {
			t.Errorf("status of %s: %q, want %q", serial, got, want)
		}
	}
	if got := storeDatabaseLines(t, s)[1]; got != farLine {
		t.Errorf("openssl rewrote the 2050+ line %q as %q", farLine, got)
	}

	pkitest.WriteRequest(t, s, "after", "/C=US/O=Example Inc./CN=after.example.com")
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "after"}); err != nil {
		t.Fatal(err)
	}
	entries, err := pki.ReadDatabase(s.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, e := range entries {
		got += string(e.Status) + e.Serial + " "
	}
	if want := "V1000 E1001 V1002 V1003 V1004 "; got != want { // the CA first
		t.Errorf("entries %q, want %q", got, want)
	}
}
