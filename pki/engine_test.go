package pki_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/verify"
)

// engineAIA is the caIssuers URL of the fixture's cert.conf.
const engineAIA = "http://engine.example.com:80/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA"

// makeEnginePKI runs testdata/engine/make-engine-pki.sh: a PKI directory as
// the engine's package, pki-create-ca.sh and one host deployment leave it.
// With owner "USER:GROUP" (as root) the engine account's files get it.
func makeEnginePKI(t *testing.T, owner string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	cmd := exec.Command("/bin/sh", filepath.Join("..", "testdata", "engine", "make-engine-pki.sh"), dir)
	cmd.Env = append(os.Environ(), "OPENSSL="+pkitest.OpenSSL(t), "ENGINE_OWNER="+owner)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		t.Fatalf("make-engine-pki.sh: %v\n%s", err, output.String())
	}
	return dir
}

// engineScriptSign signs requests/NAME.req into certs/NAME.cer with the
// `openssl ca` invocation of the engine's pki-enroll-request.sh, run from
// the PKI directory: the policy_match policy, cert.conf's section (v3_ca,
// v3_ca_san with a SAN, custom with ku or eku), a day of backdating, and
// the subject when one is given. The script sets OVIRT_SAN, OVIRT_KU and
// OVIRT_EKU always, empty when not given.
func engineScriptSign(t *testing.T, dir, name, subject, san, ku, eku string) {
	t.Helper()
	section := "v3_ca"
	if san != "" {
		section = "v3_ca_san"
	}
	if ku != "" || eku != "" {
		section = "custom"
	}
	args := []string{"ca", "-batch", "-policy", "policy_match", "-config", "openssl.conf",
		"-cert", "ca.pem", "-keyfile", "private/ca.pem", "-days", "30",
		"-in", "requests/" + name + ".req", "-out", "certs/" + name + ".cer",
		"-startdate", time.Now().UTC().Add(-24 * time.Hour).Format("060102150405Z"), "-utf8",
		"-extfile", "cert.conf", "-extensions", section}
	if subject != "" {
		args = append(args, "-subj", subject)
	}
	cmd := exec.Command(pkitest.OpenSSL(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OVIRT_SAN="+san, "OVIRT_KU="+ku, "OVIRT_EKU="+eku)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the engine's openssl ca for %s (-extensions %s): %v\n%s", name, section, err, out)
	}
}

// TestEngineFixtureIsTheEngines: the fixture has what the engine's scripts
// leave, so that the tests below run against the real layout.
func TestEngineFixtureIsTheEngines(t *testing.T) {
	t.Parallel()
	dir := makeEnginePKI(t, "")
	if got := pkitest.ReadFile(t, filepath.Join(dir, "serial.txt")); got != "1002\n" {
		t.Errorf("serial.txt = %q", got)
	}
	lines := strings.Split(pkitest.ReadFile(t, filepath.Join(dir, "database.txt")), "\n")
	if !strings.HasSuffix(lines[0], "\t1000\tunknown\t/C=US/O=Example Inc./CN=engine.example.com.81108") ||
		!strings.HasSuffix(lines[1], "\t1001\tunknown\t/C=US/O=Example Inc./CN=host1.example.com") {
		t.Errorf("database.txt lines %q", lines)
	}
	for path, want := range map[string]os.FileMode{"private": 0o750, "private/ca.pem": 0o640, "certs": 0o755, "keys": 0o755} {
		if got := pkitest.PermOf(t, filepath.Join(dir, path)); got.Perm() != want {
			t.Errorf("%s mode %v, want %04o", path, got, want)
		}
	}
	text := opensslCertText(t, filepath.Join(dir, "certs", "host1.cer"))
	assertTextHas(t, "host1.cer", text,
		"Serial Number: 4097 (0x1001)",
		"DirName:/C=US/O=Example Inc./CN=engine.example.com.81108\n                serial:10:00",
		"CA Issuers - URI:"+engineAIA,
	)
	if !strings.HasPrefix(pkitest.ReadFile(t, filepath.Join(dir, "certs", "host1.cer")), "Certificate:\n") {
		t.Error("certs/host1.cer does not start with openssl's text dump, as the script's do")
	}
	out := pkitest.RunOpenSSL(t, dir, "req", "-in", "requests/proxy.req", "-noout", "-subject")
	if strings.TrimSpace(out) != "subject=" {
		t.Errorf("requests/proxy.req subject %q, want empty", out)
	}
}

// TestRenewKeepsEngineCertificatesVerifying (issue 13 item 1): after `ca
// renew`, every certificate issued before it, by the engine's openssl ca
// (AKI with the CA's name and serial) or by pkienroll, verifies under the
// renewed CA with `openssl verify` and with pkienroll's verify; and both
// tools go on signing.
func TestRenewKeepsEngineCertificatesVerifying(t *testing.T) {
	t.Parallel()
	dir := makeEnginePKI(t, "")
	s, err := pki.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Subject: pkitest.Name(t, "/C=US/O=Example Inc./CN=proxy.example.com")}); err != nil {
		t.Fatal(err)
	}
	before := pkitest.ReadCert(t, s.CACertPath())
	// The fixture's CA was made a moment ago for 7300 days as openssl counts
	// them (from now, exclusive); renewing for a few days more makes the
	// extension visible whatever the counting.
	out, err := s.RenewCA(t.Context(), 7310)
	if err != nil {
		t.Fatal(err)
	}
	renewed := out.Certificate
	if renewed.SerialNumber.Cmp(before.SerialNumber) != 0 || !bytes.Equal(renewed.RawSubject, before.RawSubject) ||
		!bytes.Equal(renewed.SubjectKeyId, before.SubjectKeyId) || !renewed.NotAfter.After(before.NotAfter) {
		t.Fatalf("renewed CA: serial %X subject/key kept %v, notAfter %v (was %v)", renewed.SerialNumber,
			bytes.Equal(renewed.RawSubject, before.RawSubject), renewed.NotAfter, before.NotAfter)
	}
	if got, want := extensionIDs(renewed), extensionIDs(before); got != want {
		t.Errorf("renewal changed the extensions: %s, was %s", got, want)
	}
	der, err := pki.ReadCertificate(s.CADERPath())
	if err != nil || !der.Equal(renewed) {
		t.Errorf("certs/ca.der after renewal: %v", err)
	}

	// Both go on signing under the renewed CA.
	pkitest.WriteRequest(t, s, "host2", "/C=US/O=Example Inc./CN=host2.example.com")
	engineScriptSign(t, dir, "host2", "", "DNS:host2.example.com", "", "")
	pkitest.WriteFile(t, s.RequestPath("proxy2"), []byte(pkitest.ReadFile(t, s.RequestPath("proxy"))), 0o644)
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy2", Subject: pkitest.Name(t, "/C=US/O=Example Inc./CN=proxy2.example.com")}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"host1", "proxy", "host2", "proxy2"} {
		assertVerifies(t, s.CACertPath(), s.CertPath(name))
		assertChainOK(t, s, s.CertPath(name))
	}
}

// extensionIDs lists a certificate's extension OIDs in order, with "!"
// marking critical ones.
func extensionIDs(c *x509.Certificate) string {
	var ids []string
	for _, e := range c.Extensions {
		id := e.Id.String()
		if e.Critical {
			id += "!"
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, " ")
}

// assertChainOK checks the certificate at path with pkienroll's verify
// against the store's CA.
func assertChainOK(t *testing.T, s *pki.Store, path string) {
	t.Helper()
	res := verify.Certificate(pkitest.ReadCert(t, path), verify.Options{CAs: []*x509.Certificate{pkitest.ReadCert(t, s.CACertPath())}})
	if !res[0].OK {
		t.Errorf("pkienroll verify %s: %s", path, res[0])
	}
}

// TestVerifyAgreesWithOpenSSLOnAKISerial (issue 13 item 1): a CA
// certificate with the same name and key but another serial, what a
// renewal with a new serial makes, is refused by `openssl verify` for a
// certificate whose AKI names the old serial, and by pkienroll's verify.
func TestVerifyAgreesWithOpenSSLOnAKISerial(t *testing.T) {
	t.Parallel()
	dir := makeEnginePKI(t, "")
	s, err := pki.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := pkitest.ReadCert(t, s.CACertPath())
	key, err := pki.ReadKey(s.CAKeyPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(0x4242),
		RawSubject:      old.RawSubject,
		NotBefore:       old.NotBefore,
		NotAfter:        old.NotAfter.Add(time.Hour),
		ExtraExtensions: old.Extensions,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other-serial.pem")
	pkitest.WriteFile(t, other, pki.EncodeCertificatePEM(der), 0o644)

	for _, name := range []string{"host1"} {
		cert := s.CertPath(name)
		out, err := pkitest.TryOpenSSL(t, "", "verify", "-CAfile", other, cert)
		if err == nil || !strings.Contains(out, "error 20") {
			t.Errorf("openssl verify %s under a CA with another serial: %v\n%s", name, err, out)
		}
		otherCA, _ := x509.ParseCertificate(der)
		res := verify.Certificate(pkitest.ReadCert(t, cert), verify.Options{CAs: []*x509.Certificate{otherCA}})
		if res[0].OK || !strings.Contains(res[0].Detail, "names CA serial 1000") {
			t.Errorf("pkienroll verify %s under a CA with another serial: %s", name, res[0])
		}
		// And both accept it under the CA it names.
		assertVerifies(t, s.CACertPath(), cert)
		assertChainOK(t, s, cert)
	}
}

// TestCheckEngineModes (issue 13 item 2): ca check is clean on the engine's
// own layout (private/ 0750, key 0640 in the directory's group), and still
// flags what is unsafe.
func TestCheckEngineModes(t *testing.T) {
	t.Parallel()
	owner := ""
	if os.Geteuid() == 0 {
		owner = "daemon:daemon" // the engine's service account, as root can make it
	}
	for _, tc := range []struct {
		name    string
		breakIt func(t *testing.T, dir string)
		want    string
	}{
		{"stock", func(*testing.T, string) {}, ""},
		{"key readable by others", func(t *testing.T, dir string) {
			chmod(t, filepath.Join(dir, "private", "ca.pem"), 0o644)
		}, "(the CA key) is writable by its group or readable or writable by others (mode 0644)"},
		{"key writable by group", func(t *testing.T, dir string) {
			chmod(t, filepath.Join(dir, "private", "ca.pem"), 0o660)
		}, "(mode 0660)"},
		{"private open to others", func(t *testing.T, dir string) {
			chmod(t, filepath.Join(dir, "private"), 0o755)
		}, "private is writable by its group or accessible to others (mode 0755)"},
		{"key of another group", func(t *testing.T, dir string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to change a file's group")
			}
			if err := os.Lchown(filepath.Join(dir, "private", "ca.pem"), -1, 4); err != nil { // adm
				t.Fatal(err)
			}
		}, "which is not the group of"},
		{"key is a symbolic link", func(t *testing.T, dir string) {
			key := filepath.Join(dir, "private", "ca.pem")
			if err := os.Rename(key, key+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("ca.pem.real", key); err != nil {
				t.Fatal(err)
			}
		}, "ca.pem: is a symbolic link"},
		{"serial.txt is a symbolic link", func(t *testing.T, dir string) {
			serial := filepath.Join(dir, "serial.txt")
			if err := os.Rename(serial, serial+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("serial.txt.real", serial); err != nil {
				t.Fatal(err)
			}
		}, "serial.txt is a symbolic link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := makeEnginePKI(t, owner)
			tc.breakIt(t, dir)
			s, err := pki.OpenStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			problems, err := s.Check(t.Context())
			if err != nil && tc.want == "" {
				t.Fatal(err)
			}
			joined := strings.Join(problems, "\n")
			if err != nil {
				joined += "\n" + err.Error() // a key behind a link is not even read
			}
			if tc.want == "" && len(problems) != 0 {
				t.Errorf("stock engine directory: %q", problems)
			}
			if tc.want != "" && !strings.Contains(joined, tc.want) {
				t.Errorf("problems %q (err %v), want one saying %q", problems, err, tc.want)
			}
		})
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestSignSubjectOnEmptySubjectRequest (issue 13 item 3): the empty-subject
// request pki-enroll-pkcs12.sh makes is signed with --subject, which gives
// the subject and (as the CN) the SAN; without --subject it is refused in
// words that say what to do. The caIssuers URL comes from cert.conf.
func TestSignSubjectOnEmptySubjectRequest(t *testing.T) {
	t.Parallel()
	dir := makeEnginePKI(t, "")
	s, err := pki.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := pkitest.Snapshot(t, dir)
	_, err = s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if !errors.Is(err, pki.ErrNoSubject) || !strings.Contains(err.Error(), "empty subject") {
		t.Errorf("sign without a subject: %v, want ErrNoSubject", err)
	}
	pkitest.AssertUnchanged(t, dir, before)

	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Subject: pkitest.Name(t, "/C=US/O=Example Inc./CN=proxy.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if issued.Serial != "1002" {
		t.Errorf("serial %s after the engine's 1001, want 1002", issued.Serial)
	}
	text := opensslCertText(t, s.CertPath("proxy"))
	assertTextHas(t, "proxy.cer", text,
		"Subject: C = US, O = Example Inc., CN = proxy.example.com",
		"DNS:proxy.example.com",
		"CA Issuers - URI:"+engineAIA,
		"DirName:/C=US/O=Example Inc./CN=engine.example.com.81108\n                serial:10:00",
	)
	assertVerifies(t, s.CACertPath(), s.CertPath("proxy"))

	// --aia-url still wins over cert.conf.
	issued, err = s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Subject: pkitest.Name(t, "/C=US/O=Example Inc./CN=proxy.example.com"), AIAURL: "http://ca.example.com/ca.pem"})
	if err != nil {
		t.Fatal(err)
	}
	if got := issued.Certificate.IssuingCertificateURL; len(got) != 1 || got[0] != "http://ca.example.com/ca.pem" {
		t.Errorf("caIssuers %q with an AIA URL given", got)
	}
}

// TestEngineScriptSignsIntoInitStore (issue 13 item 5): the engine's
// `openssl ca` invocation, with each of cert.conf's sections, signs into a
// directory `ca init` made; the certificates verify; pkienroll carries on at
// the next serial, and ca check finds the directory sound.
func TestEngineScriptSignsIntoInitStore(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	dir := s.Dir()
	for _, c := range []struct{ name, subject, san, ku, eku string }{
		{"plain", "", "", "", ""},
		{"withsan", "/C=US/O=Example Inc./CN=withsan.example.com", "DNS:withsan.example.com", "", ""},
		{"custom", "/C=US/O=Example Inc./CN=custom.example.com", "", "digitalSignature", "serverAuth"},
	} {
		pkitest.WriteRequest(t, s, c.name, "/C=US/O=Example Inc./CN="+c.name+".example.com")
		engineScriptSign(t, dir, c.name, c.subject, c.san, c.ku, c.eku)
		assertVerifies(t, s.CACertPath(), s.CertPath(c.name))
		assertChainOK(t, s, s.CertPath(c.name))
	}
	// The CA is 1000, as the engine's; the script signed 1001 to 1003.
	if got := pkitest.ReadFile(t, s.SerialPath()); got != "1004\n" {
		t.Errorf("serial.txt after three engine signatures = %q", got)
	}
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	if issued.Serial != "1004" {
		t.Errorf("pkienroll signed %s after the engine's 1003", issued.Serial)
	}
	problems, err := s.Check(t.Context())
	if err != nil || len(problems) != 0 {
		t.Errorf("ca check after the engine's script: %v %q", err, problems)
	}
}

// TestCheckMendsCADERAfterRenewal (issue 12 item 9): a renewal killed after
// ca.pem and before certs/ca.der leaves the old ca.der; ca check says so
// and rewrites it, and the next check is clean. The engine's ca.der, the
// same certificate in PEM, is left alone.
func TestCheckMendsCADERAfterRenewal(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	oldDER := pkitest.ReadFile(t, s.CADERPath())
	if _, err := s.RenewCA(t.Context(), 7000); err != nil {
		t.Fatal(err)
	}
	pkitest.WriteFile(t, s.CADERPath(), []byte(oldDER), 0o644) // the kill point
	problems, err := s.Check(t.Context())
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "ca.der did not hold the CA certificate") {
		t.Fatalf("check after an interrupted renewal: %v %q", err, problems)
	}
	if der, err := pki.ReadCertificate(s.CADERPath()); err != nil || !der.Equal(pkitest.ReadCert(t, s.CACertPath())) {
		t.Errorf("certs/ca.der not mended: %v", err)
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) != 0 {
		t.Errorf("second check: %v %q", err, problems)
	}

	engine := makeEnginePKI(t, "")
	e, err := pki.OpenStore(engine)
	if err != nil {
		t.Fatal(err)
	}
	pemDER := pkitest.ReadFile(t, e.CADERPath())
	if problems, err := e.Check(t.Context()); err != nil || len(problems) != 0 {
		t.Errorf("check of the engine's PEM ca.der: %v %q", err, problems)
	}
	if pkitest.ReadFile(t, e.CADERPath()) != pemDER {
		t.Error("check rewrote the engine's ca.der, which held the CA certificate")
	}
}

// TestInitStoreInPackageLayout (issue 13 item 5): ca init in the directory
// the engine's package leaves (the service account's, private/ 0750,
// engine-setup's cert.template) makes cert.conf from the template, as
// pki-create-ca.sh does, and, run as root, gives the key the owner of
// private/ and serial.txt and database.txt that of the directory. Signing
// then takes the template's caIssuers URL, and ca check is clean.
func TestInitStoreInPackageLayout(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pki")
	for _, d := range []string{dir, filepath.Join(dir, "certs"), filepath.Join(dir, "requests"), filepath.Join(dir, "keys")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "private"), 0o750); err != nil {
		t.Fatal(err)
	}
	template := strings.ReplaceAll(pkitest.ReadFile(t, filepath.Join(makeEnginePKI(t, ""), "cert.conf")), engineAIA, "http://engine.example.com/ca.pem")
	pkitest.WriteFile(t, filepath.Join(dir, "cert.template"), []byte(template), 0o644)
	root := os.Geteuid() == 0
	const uid, gid = 1, 1 // daemon, standing for the engine's account
	if root {
		for _, d := range []string{dir, filepath.Join(dir, "private"), filepath.Join(dir, "certs"), filepath.Join(dir, "requests")} {
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}

	s, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject)}, pkitest.SharedCAKeyGenerator(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := pkitest.ReadFile(t, filepath.Join(dir, "cert.conf")); got != template {
		t.Error("cert.conf is not engine-setup's cert.template")
	}
	if root {
		for path, want := range map[string]int{"private/ca.pem": uid, "serial.txt": uid, "database.txt": uid, "ca.pem": 0} {
			var st syscall.Stat_t
			if err := syscall.Stat(filepath.Join(dir, path), &st); err != nil {
				t.Fatal(err)
			}
			if int(st.Uid) != want || int(st.Gid) != want {
				t.Errorf("%s owned by %d:%d, want %d:%d", path, st.Uid, st.Gid, want, want)
			}
		}
	}
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	if got := issued.Certificate.IssuingCertificateURL; len(got) != 1 || got[0] != "http://engine.example.com/ca.pem" {
		t.Errorf("caIssuers %q, want the template's", got)
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) != 0 {
		t.Errorf("check: %v %q", err, problems)
	}
}

// TestSubjectAgainstEngineScript: for the same subject, the engine's openssl
// ca (policy_match) drops L and reorders to its policy's order, pkienroll
// keeps the subject as given; for the engine's own subjects (C, O, CN) the
// two encode the subject byte for byte alike.
func TestSubjectAgainstEngineScript(t *testing.T) {
	t.Parallel()
	dir := makeEnginePKI(t, "")
	s, err := pki.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ subject, engine string }{
		{"/C=US/L=Town/O=Example Inc./OU=Ops/CN=loc.example.com", "/C=US/O=Example Inc./OU=Ops/CN=loc.example.com"},
		{"/CN=rev.example.com/O=Example Inc./C=US", "/C=US/O=Example Inc./CN=rev.example.com"},
		{"/C=US/O=Example Inc./CN=host1.example.com", "/C=US/O=Example Inc./CN=host1.example.com"},
	} {
		pkitest.WriteRequest(t, s, "e", c.subject)
		engineScriptSign(t, dir, "e", "", "", "", "")
		pkitest.WriteRequest(t, s, "p", c.subject)
		issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "p"})
		if err != nil {
			t.Fatal(err)
		}
		engineCert := pkitest.ReadCert(t, s.CertPath("e"))
		engineName, err := dn.ParseDER(engineCert.RawSubject)
		if err != nil {
			t.Fatal(err)
		}
		if got := engineName.OneLine(); got != c.engine {
			t.Errorf("the engine's openssl ca made %s of %s, want %s", got, c.subject, c.engine)
		}
		ours, _ := dn.ParseDER(issued.Certificate.RawSubject)
		if got := ours.OneLine(); got != c.subject {
			t.Errorf("pkienroll made %s of %s", got, c.subject)
		}
		if c.subject == c.engine && !bytes.Equal(issued.Certificate.RawSubject, engineCert.RawSubject) {
			t.Errorf("%s: pkienroll and the engine encode the subject differently", c.subject)
		}
	}
}
