package pki_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
	"github.com/pkienroll/pkienroll/pki"
)

// Issue 23: what engine-setup itself reads from the PKI directory, beyond
// the scripts: certs/ca.der as a backup of ca.pem, the Java trust store
// .truststore, the second CA (qemu-ca), the remote enrollment's CN=/
// requests, and a renewal that ends the CA before what it issued.

// makeTwoCAEnginePKI is makeEnginePKI with the second CA engine-setup
// makes for qemu (ENGINE_SECOND_CA=yes), and the .truststore keytool makes
// for both when keytool is there (keytool the path of keytool, or "").
func makeTwoCAEnginePKI(t *testing.T, keytool string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	cmd := exec.Command("/bin/sh", filepath.Join("..", "testdata", "engine", "make-engine-pki.sh"), dir)
	cmd.Env = append(os.Environ(), "OPENSSL="+pkitest.OpenSSL(t), "ENGINE_SECOND_CA=yes", "KEYTOOL="+keytool)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		t.Fatalf("make-engine-pki.sh with a second CA: %v\n%s", err, output.String())
	}
	return dir
}

// keytoolPath is the real keytool (Debian's default-jre-headless), or the
// test skips loudly (fails under CI).
func keytoolPath(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "keytool", "default-jre-headless")
}

// keytoolEntries lists a trust store as the engine opens it (keystore type
// JKS, which Java reads PKCS#12 stores as too) with the real keytool, and
// returns each trusted entry's alias and certificate.
func keytoolEntries(t *testing.T, keytool, path, password string) map[string]*x509.Certificate {
	t.Helper()
	out, err := exec.Command(keytool, "-list", "-rfc", "-storetype", "JKS", "-keystore", path, "-storepass", password).CombinedOutput()
	if err != nil {
		t.Fatalf("keytool -list %s: %v\n%s", path, err, out)
	}
	entries := map[string]*x509.Certificate{}
	alias := ""
	for rest := string(out); rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if a, ok := strings.CutPrefix(line, "Alias name: "); ok {
			alias = a
		}
		if strings.HasPrefix(line, "Entry type: ") && line != "Entry type: trustedCertEntry" {
			t.Errorf("keytool: %s is a %s", alias, line)
		}
		if line == "-----BEGIN CERTIFICATE-----" {
			block, after := pem.Decode([]byte(line + "\n" + rest))
			if block == nil {
				t.Fatalf("keytool -list -rfc: no certificate for %s\n%s", alias, out)
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			entries[alias] = cert
			rest = string(after)
		}
	}
	return entries
}

// assertTrustStore checks dir's .truststore with the real keytool: mode
// 0644, and exactly the CAs of want (alias to CA certificate file), each
// the certificate the file holds now.
func assertTrustStore(t *testing.T, keytool, dir, password string, want map[string]string) {
	t.Helper()
	path := filepath.Join(dir, ".truststore")
	if got := pkitest.PermOf(t, path).Perm(); got != 0o644 {
		t.Errorf(".truststore mode %04o, want 0644 (pki-create-ca.sh makes it world-readable)", got)
	}
	entries := keytoolEntries(t, keytool, path, password)
	if len(entries) != len(want) {
		t.Errorf(".truststore holds %d entries, want %d (%v)", len(entries), len(want), want)
	}
	for alias, file := range want {
		cert, ok := entries[alias]
		if !ok {
			t.Errorf(".truststore has no alias %s", alias)
			continue
		}
		if ca := pkitest.ReadCert(t, filepath.Join(dir, file)); !cert.Equal(ca) {
			t.Errorf(".truststore's %s is not %s (notAfter %v, %s's %v)", alias, file, cert.NotAfter, file, ca.NotAfter)
		}
	}
}

// TestCADERRestoresCAPEM (issue 23 item 1): certs/ca.der is what the
// scripts write (`openssl x509 -in ca.pem -out certs/ca.der`: PEM), after
// ca init, after ca renew and after ca check mends it, so that restoring
// ca.pem from it, as engine-setup advises when ca.pem is lost, gives a
// ca.pem that engine-setup (which loads it as PEM) and openssl read.
func TestCADERRestoresCAPEM(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	restore := func(when string) {
		t.Helper()
		der := pkitest.ReadFile(t, s.CADERPath())
		if block, _ := pem.Decode([]byte(der)); block == nil || block.Type != "CERTIFICATE" {
			t.Errorf("%s: certs/ca.der is not PEM, as pki-create-ca.sh writes it", when)
			return
		}
		restored := filepath.Join(t.TempDir(), "ca.pem")
		pkitest.WriteFile(t, restored, []byte(der), 0o644)
		out := pkitest.RunOpenSSL(t, "", "x509", "-in", restored, "-inform", "PEM", "-noout", "-fingerprint", "-sha256")
		want := pkitest.RunOpenSSL(t, "", "x509", "-in", s.CACertPath(), "-noout", "-fingerprint", "-sha256")
		if out != want {
			t.Errorf("%s: ca.pem restored from certs/ca.der is %s, not the CA %s", when, out, want)
		}
	}
	restore("after ca init")
	if _, err := s.RenewCA(t.Context(), 7000); err != nil {
		t.Fatal(err)
	}
	restore("after ca renew")

	// A DER certs/ca.der (an older pkienroll's) of the right certificate is
	// rewritten in PEM by ca check, which says so; the next check is clean.
	pkitest.WriteFile(t, s.CADERPath(), pkitest.ReadCert(t, s.CACertPath()).Raw, 0o644)
	problems, err := s.Check(t.Context())
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "certs/ca.der") || !strings.Contains(problems[0], "PEM") {
		t.Errorf("check of a DER certs/ca.der: %v %q", err, problems)
	}
	restore("after ca check")
	if problems, err := s.Check(t.Context()); err != nil || len(problems) != 0 {
		t.Errorf("second check: %v %q", err, problems)
	}
	// Either form is read where a certificate is read.
	if cert, err := pki.ReadCertificate(s.CADERPath()); err != nil || !cert.Equal(pkitest.ReadCert(t, s.CACertPath())) {
		t.Errorf("ReadCertificate(certs/ca.der): %v", err)
	}
}

// TestTrustStoreOfInitAndRenew (issue 23 item 2): ca init writes the Java
// trust store the engine reads (ENGINE_PKI_TRUST_STORE, .truststore), as
// pki-create-ca.sh imports it: the CA under the alias NAMEcert, 0644, with
// engine-setup's password mypass, readable by the real keytool as the
// engine opens it (type JKS); a second CA is added beside the first; ca
// renew keeps it in step.
func TestTrustStoreOfInitAndRenew(t *testing.T) {
	t.Parallel()
	keytool := keytoolPath(t)
	s := pkitest.NewStore(t)
	dir := s.Dir()
	assertTrustStore(t, keytool, dir, "mypass", map[string]string{"cacert": "ca.pem"})

	if _, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, "/C=US/O=Example Inc./OU=qemu/CN=engine.example.com.81109")},
		pki.WithCAName("qemu-ca"), pkitest.SharedCAKeyGenerator(t)); err != nil {
		t.Fatal(err)
	}
	assertTrustStore(t, keytool, dir, "mypass", map[string]string{"cacert": "ca.pem", "qemu-cacert": "qemu-ca.pem"})

	if _, err := s.RenewCA(t.Context(), 7100); err != nil {
		t.Fatal(err)
	}
	assertTrustStore(t, keytool, dir, "mypass", map[string]string{"cacert": "ca.pem", "qemu-cacert": "qemu-ca.pem"})
}

// TestTrustStoreOfEngineRenewed (issue 23 item 2): on the engine's own
// two-CA directory, whose .truststore keytool made, ca renew of each CA
// replaces that CA's entry and keeps the other's, as the script's
// delete-and-import does.
func TestTrustStoreOfEngineRenewed(t *testing.T) {
	t.Parallel()
	keytool := keytoolPath(t)
	dir := makeTwoCAEnginePKI(t, keytool)
	want := map[string]string{"cacert": "ca.pem", "qemu-cacert": "qemu-ca.pem"}
	assertTrustStore(t, keytool, dir, "mypass", want)
	for _, name := range []string{"ca", "qemu-ca"} {
		s, err := pki.OpenStore(dir, pki.WithCAName(name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RenewCA(t.Context(), 7310); err != nil {
			t.Fatal(err)
		}
		assertTrustStore(t, keytool, dir, "mypass", want)
	}
}

// TestSecondCAIsNextSerial (issue 23 item 3): ca init --ca-file qemu-ca in
// a directory with its engine CA does what pki-create-ca.sh does there: the
// next serial of the shared serial.txt, the index line and
// certs/SERIAL.pem; revoke refuses the serial of either CA; ca check,
// opened on either CA, finds the directory sound.
func TestSecondCAIsNextSerial(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	dir := s.Dir()
	signNames(t, s, "proxy") // 1001
	subject := "/C=US/O=Example Inc./OU=qemu/CN=engine.example.com.81109"
	q, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, subject)}, pki.WithCAName("qemu-ca"), pkitest.SharedCAKeyGenerator(t))
	if err != nil {
		t.Fatal(err)
	}
	qemu := pkitest.ReadCert(t, q.CACertPath())
	if got := pki.FormatSerial(qemu.SerialNumber); got != "1002" {
		t.Errorf("qemu-ca serial %s, want 1002, the next of serial.txt as the script gives it", got)
	}
	if got := pkitest.ReadFile(t, s.SerialPath()); got != "1003\n" {
		t.Errorf("serial.txt after the second CA = %q, want 1003", got)
	}
	lines := storeDatabaseLines(t, s)
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "\t1002\tunknown\t"+subject+"\n") {
		t.Errorf("last index line %q, want the second CA's", last)
	}
	if copy := pkitest.ReadCert(t, s.SerialCertPath("1002")); !copy.Equal(qemu) {
		t.Error("certs/1002.pem is not the second CA")
	}
	// And pkienroll goes on at 1003 under either CA.
	pkitest.WriteRequest(t, q, "host1-qemu", "/C=US/O=Example Inc./CN=host1.example.com")
	if is, err := q.Sign(t.Context(), pki.SignRequest{Name: "host1-qemu"}); err != nil || is.Serial != "1003" {
		t.Fatalf("sign under qemu-ca: %v", err)
	}
	if out, err := pkitest.TryOpenSSL(t, dir, "verify", "-x509_strict", "-CAfile", "qemu-ca.pem", "qemu-ca.pem", "certs/1002.pem", "certs/host1-qemu.cer"); err != nil {
		t.Errorf("openssl verify -x509_strict under the second CA: %v\n%s", err, out)
	}
	for _, st := range []*pki.Store{s, q} {
		for _, serial := range []string{"1000", "1002"} {
			before := pkitest.Snapshot(t, dir)
			if _, err := st.Revoke(t.Context(), pki.RevokeRequest{Serial: serial}); err == nil || !strings.Contains(err.Error(), "CA certificate") {
				t.Errorf("revoke %s through %s: %v, want a refusal naming the CA", serial, st.CACertPath(), err)
			}
			pkitest.AssertUnchanged(t, dir, before)
		}
		if problems, err := st.Check(t.Context()); err != nil || len(problems) != 0 {
			t.Errorf("check of a two-CA directory through %s: %v %q", st.CACertPath(), err, problems)
		}
	}
}

// TestCheckEngineTwoCADirectory (issue 23 item 3): ca check on the
// scripts' own two-CA directory (qemu-ca at 1002 and a host certificate it
// signed at 1003, in the one index) checks each certs/SERIAL.pem against
// the CA that issued it: clean; a certificate that no CA of the directory
// signed is still reported.
func TestCheckEngineTwoCADirectory(t *testing.T) {
	t.Parallel()
	dir := makeTwoCAEnginePKI(t, "")
	// The script's numbering, which TestSecondCAIsNextSerial holds ca init to.
	qemu := pkitest.ReadCert(t, filepath.Join(dir, "qemu-ca.pem"))
	if got := pki.FormatSerial(qemu.SerialNumber); got != "1002" || !pkitest.ReadCert(t, filepath.Join(dir, "certs", "1002.pem")).Equal(qemu) {
		t.Errorf("the script's second CA is serial %s, want 1002 with certs/1002.pem", got)
	}
	if got := pkitest.ReadFile(t, filepath.Join(dir, "serial.txt")); got != "1004\n" {
		t.Errorf("serial.txt = %q after the second CA and its host, want 1004", got)
	}
	for _, name := range []string{"ca", "qemu-ca"} {
		s, err := pki.OpenStore(dir, pki.WithCAName(name))
		if err != nil {
			t.Fatal(err)
		}
		if problems, err := s.Check(t.Context()); err != nil || len(problems) != 0 {
			t.Errorf("check through %s.pem: %v %q", name, err, problems)
		}
	}
	// A certificate of another CA, put in the place of 1003.
	other := pkitest.NewStore(t)
	pkitest.WriteRequest(t, other, "x", "/C=US/O=Example Inc./CN=host1.example.com")
	if _, err := other.Sign(t.Context(), pki.SignRequest{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	forged := pkitest.ReadFile(t, other.SerialCertPath("1001"))
	pkitest.WriteFile(t, filepath.Join(dir, "certs", "1001.pem"), []byte(forged), 0o644)
	s, err := pki.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check(t.Context())
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "1001.pem is not signed by") {
		t.Errorf("check with a stranger's certificate at 1001: %v %q", err, problems)
	}
}

// TestSignRefusesSlashCN (issue 23 item 4): the request engine-setup's
// remote enrollment makes (subject CN=/) relies on --subject; without one,
// sign refuses it as it refuses an empty subject, naming --subject, and
// changes nothing; with one it signs.
func TestSignRefusesSlashCN(t *testing.T) {
	t.Parallel()
	dir := makeEnginePKI(t, "")
	s, err := pki.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := pkitest.RunOpenSSL(t, dir, "req", "-in", "requests/remote.req", "-noout", "-subject")
	if strings.TrimSpace(out) != "subject=CN = /" {
		t.Fatalf("requests/remote.req subject %q, want CN = /", out)
	}
	before := pkitest.Snapshot(t, dir)
	_, err = s.Sign(t.Context(), pki.SignRequest{Name: "remote"})
	if !errors.Is(err, pki.ErrNoSubject) || !strings.Contains(err.Error(), "CN=/") {
		t.Errorf("sign of a CN=/ request without a subject: %v, want ErrNoSubject", err)
	}
	pkitest.AssertUnchanged(t, dir, before)

	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "remote", Subject: pkitest.Name(t, "/C=US/O=Example Inc./CN=engine.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if got := issued.Certificate.DNSNames; len(got) != 1 || got[0] != "engine.example.com" {
		t.Errorf("SAN %q", got)
	}
}

// TestRenewCAWarnsBeforeIssued (issue 23 item 5): ca renew --days N that
// ends the CA before a certificate it issued still renews (as sign signs a
// certificate that outlives its CA), and warns, naming the latest notAfter
// of what the CA issued; a renewal past it does not warn.
func TestRenewCAWarnsBeforeIssued(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Days: 400})
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := s.RenewCA(t.Context(), 30)
	if err != nil {
		t.Fatal(err)
	}
	latest := issued.Certificate.NotAfter.UTC().Format(time.DateOnly)
	if len(renewed.Warnings) != 1 || !strings.Contains(renewed.Warnings[0], latest) || !strings.Contains(renewed.Warnings[0], "1001") {
		t.Errorf("warnings %q, want one naming %s (serial 1001)", renewed.Warnings, latest)
	}
	if renewed, err = s.RenewCA(t.Context(), 800); err != nil || len(renewed.Warnings) != 0 {
		t.Errorf("renewal past every certificate: %v %q", err, renewed.Warnings)
	}
}

// TestTrustStorePasswordAndStrangers (issue 23 item 2): the password
// engine-setup was told (WithTrustStorePassword) is the store's; a
// .truststore pkienroll cannot rewrite (a JKS store, or one holding a
// certificate of someone else's, whose alias it could not keep) refuses
// ca init before anything changes, and makes ca renew warn and leave it
// as it is.
func TestTrustStorePasswordAndStrangers(t *testing.T) {
	t.Parallel()
	keytool := keytoolPath(t)
	s := pkitest.NewStore(t, pki.WithTrustStorePassword("s3cret"))
	assertTrustStore(t, keytool, s.Dir(), "s3cret", map[string]string{"cacert": "ca.pem"})

	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
	}{
		{"JKS", func(t *testing.T, dir string) {
			keytoolImport(t, keytool, dir, "cacert", "ca.pem", "JKS")
		}},
		{"a stranger's CA", func(t *testing.T, dir string) {
			stranger, err := pki.InitStore(filepath.Join(t.TempDir(), "other"), pki.InitRequest{Subject: pkitest.Name(t, "/C=US/O=Other Inc./CN=other-ca")},
				sharedCAKeyGeneratorFor(t, pkitest.OtherKey))
			if err != nil {
				t.Fatal(err)
			}
			keytoolImport(t, keytool, dir, "cacert", "ca.pem", "PKCS12")
			keytoolImport(t, keytool, dir, "external", stranger.CACertPath(), "PKCS12")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// ca init of a second CA is refused, the directory unchanged.
			s := pkitest.NewStore(t)
			dir := s.Dir()
			if err := os.Remove(s.TrustStorePath()); err != nil {
				t.Fatal(err)
			}
			tc.prepare(t, dir)
			before := pkitest.Snapshot(t, dir)
			_, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, "/C=US/O=Example Inc./OU=qemu/CN=engine.example.com.81109")},
				pki.WithCAName("qemu-ca"), pkitest.SharedCAKeyGenerator(t))
			if !errors.Is(err, pki.ErrTrustStore) || !strings.Contains(err.Error(), ".truststore") {
				t.Errorf("second CA beside a .truststore of %s: %v, want ErrTrustStore", tc.name, err)
			}
			pkitest.AssertUnchanged(t, dir, before)

			// ca renew renews, warns, and leaves .truststore as it was.
			store := pkitest.ReadFile(t, s.TrustStorePath())
			renewed, err := s.RenewCA(t.Context(), 7100)
			if err != nil {
				t.Fatal(err)
			}
			if len(renewed.Warnings) != 1 || !strings.Contains(renewed.Warnings[0], ".truststore") {
				t.Errorf("renewal beside a .truststore of %s: warnings %q", tc.name, renewed.Warnings)
			}
			if pkitest.ReadFile(t, s.TrustStorePath()) != store {
				t.Error("ca renew rewrote a .truststore it cannot keep whole")
			}
		})
	}
}

// keytoolImport imports the certificate file (relative to dir) into dir's
// .truststore under alias with the real keytool, as pki-create-ca.sh does,
// in a store of the given type.
func keytoolImport(t *testing.T, keytool, dir, alias, file, storeType string) {
	t.Helper()
	cmd := exec.Command(keytool, "-importcert", "-noprompt", "-trustcacerts", "-alias", alias, "-file", file,
		"-keystore", ".truststore", "-storepass", "mypass", "-storetype", storeType)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("keytool -importcert %s: %v\n%s", file, err, out)
	}
	chmod(t, filepath.Join(dir, ".truststore"), 0o644)
}

// sharedCAKeyGeneratorFor makes the CA key the shared key i.
func sharedCAKeyGeneratorFor(t *testing.T, i int) pki.StoreOption {
	return pki.WithKeyGenerator(func(int) (crypto.Signer, error) { return pkitest.SharedKey(t, i), nil })
}

// TestFirstCACertificateAfterRenewal (issue 23 item 6): certs/1000.pem is
// the CA as first issued, and stays so after a renewal, by the script's
// `openssl x509 -signkey` as by ca renew: from then on `openssl verify`
// refuses it under the renewed ca.pem (a self-signed certificate that is
// not the trusted one), while everything the CA issued verifies, with
// -x509_strict, and ca check stays clean.
func TestFirstCACertificateAfterRenewal(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"script", "pkienroll"} {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			dir := makeEnginePKI(t, "")
			s, err := pki.OpenStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			assertVerifies(t, s.CACertPath(), s.SerialCertPath("1000"))
			if tool == "script" {
				pkitest.RunOpenSSL(t, dir, "x509", "-signkey", "private/ca.pem", "-in", "ca.pem", "-out", "ca.pem.new", "-days", "7310")
				if err := os.Rename(filepath.Join(dir, "ca.pem.new"), s.CACertPath()); err != nil {
					t.Fatal(err)
				}
			} else if _, err := s.RenewCA(t.Context(), 7310); err != nil {
				t.Fatal(err)
			}
			out, err := pkitest.TryOpenSSL(t, dir, "verify", "-CAfile", "ca.pem", "certs/1000.pem")
			if err == nil || !strings.Contains(out, "error 18") {
				t.Errorf("after the %s's renewal, openssl verify of certs/1000.pem: %v\n%s", tool, err, out)
			}
			out, err = pkitest.TryOpenSSL(t, dir, "verify", "-x509_strict", "-CAfile", "ca.pem", "ca.pem", "certs/host1.cer")
			if err != nil {
				t.Errorf("after the %s's renewal: %v\n%s", tool, err, out)
			}
			if problems, err := s.Check(t.Context()); err != nil || len(problems) > 1 || (len(problems) == 1 && !strings.Contains(problems[0], "ca.der")) {
				t.Errorf("check after the %s's renewal: %v %q", tool, err, problems)
			}
		})
	}
}

// TestTrustStorePasswordJavaCanUse: Java opens a key store only with a
// password of printable ASCII (its PBE key factory refuses anything else),
// so a .truststore with another password is one the engine cannot open.
// ca init refuses such a password before anything is written; one of
// printable ASCII, spaces and symbols included, keytool opens.
func TestTrustStorePasswordJavaCanUse(t *testing.T) {
	t.Parallel()
	keytool := keytoolPath(t)
	ca := pkitest.ReadCert(t, pkitest.NewStore(t).CACertPath())
	for i, password := range []string{"café", "tab\there", "bell\a"} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			// The real keytool cannot open a store with that password.
			data, err := pkcs12.LegacyDES.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{{Cert: ca, FriendlyName: "cacert"}}, password)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "store.p12")
			pkitest.WriteFile(t, path, data, 0o644)
			cmd := exec.Command(keytool, "-list", "-storetype", "JKS", "-keystore", path, "-storepass:env", "PASS")
			cmd.Env = append(os.Environ(), "PASS="+password)
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Errorf("keytool opened a store whose password is %q:\n%s", password, out)
			}

			// An existing directory: ca init fills it.
			dir := t.TempDir()
			before := pkitest.Snapshot(t, dir)
			_, err = pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject)},
				pki.WithTrustStorePassword(password), pkitest.SharedCAKeyGenerator(t))
			if !errors.Is(err, pki.ErrBadPassword) || !strings.Contains(err.Error(), "printable ASCII") || strings.Contains(err.Error(), password) {
				t.Errorf("ca init with trust store password %q: %v, want ErrBadPassword saying why, without the password", password, err)
			}
			pkitest.AssertUnchanged(t, dir, before)
		})
	}
	t.Run("printable ASCII", func(t *testing.T) {
		t.Parallel()
		const password = "s3cret pass~!{}"
		s := pkitest.NewStore(t, pki.WithTrustStorePassword(password))
		assertTrustStore(t, keytool, s.Dir(), password, map[string]string{"cacert": "ca.pem"})
	})
}
