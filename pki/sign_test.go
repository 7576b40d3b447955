package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

var (
	oidExtnKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtnExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// engineConfigTemplate is the `openssl ca` configuration of testdata.
var engineConfigTemplate = filepath.Join("..", "testdata", "engine", "openssl.cnf")

// TestSignLeafProfile signs one request and checks every file and the
// certificate against pkienroll's profile with openssl.
func TestSignLeafProfile(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := pkitest.NewStore(t)
	pkitest.WriteRequestTemplate(t, s, "proxy", pki.RequestTemplate{Subject: pkitest.Name(t, pkitest.EngineProxySubject), NoDefaultSAN: true})

	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	if issued.Name != "proxy" || issued.Serial != "1001" || issued.Backup != "" ||
		issued.CertPath != s.CertPath("proxy") || issued.SerialCertPath != s.SerialCertPath("1001") {
		t.Errorf("Issued = %+v", issued)
	}

	out := pkitest.RunOpenSSL(t, s.Dir(), "verify", "-CAfile", "ca.pem", "certs/proxy.cer")
	if strings.TrimSpace(out) != "certs/proxy.cer: OK" {
		t.Errorf("openssl verify: %q", out)
	}
	out = pkitest.RunOpenSSL(t, s.Dir(), "verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "-verify_hostname", "proxy.example.com", "certs/proxy.cer")
	if strings.TrimSpace(out) != "certs/proxy.cer: OK" {
		t.Errorf("openssl verify as a server for proxy.example.com: %q", out)
	}

	caCert := pkitest.ReadCert(t, s.CACertPath())
	caSKI := opensslKeyID(caCert.SubjectKeyId)
	text := opensslCertText(t, s.CertPath("proxy"))
	assertTextHas(t, "leaf certificate", text,
		"Serial Number: 4097 (0x1001)",
		"Signature Algorithm: sha256WithRSAEncryption",
		"Issuer: C = US, O = Example Inc., CN = engine.example.com.81108",
		"Subject: C = US, O = Example Inc., CN = proxy.example.com",
		"X509v3 Basic Constraints: critical\n                CA:FALSE",
		"X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment\n",
		"X509v3 Extended Key Usage: critical\n                TLS Web Server Authentication, TLS Web Client Authentication\n",
		"X509v3 Subject Key Identifier: \n                ",
		"X509v3 Authority Key Identifier: \n                keyid:"+caSKI+
			"\n                DirName:/C=US/O=Example Inc./CN=engine.example.com.81108"+
			"\n                serial:"+opensslKeyID(caCert.SerialNumber.Bytes())+"\n",
		"X509v3 Subject Alternative Name: \n                DNS:proxy.example.com\n",
	)
	for _, unwanted := range []string{"Authority Information Access", "CA:TRUE", "Certificate Sign"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("leaf certificate has %q:\n%s", unwanted, text)
		}
	}

	cert := pkitest.ReadCert(t, s.CertPath("proxy"))
	if want := sha1KeyID(t, cert); string(cert.SubjectKeyId) != string(want) {
		t.Errorf("SKI %X, want SHA-1 of the public key %X", cert.SubjectKeyId, want)
	}
	if string(cert.AuthorityKeyId) != string(caCert.SubjectKeyId) {
		t.Errorf("AKI %X, want the CA's SKI %X", cert.AuthorityKeyId, caCert.SubjectKeyId)
	}
	if !pkitest.SharedKey(t, pkitest.RequestKey).PublicKey.Equal(cert.PublicKey) {
		t.Errorf("certificate does not carry the request's key")
	}
	assertNear(t, "notBefore", cert.NotBefore, start.Add(-24*time.Hour))
	// notBefore through notAfter inclusive is DefaultDays, the backdated
	// day included (RFC 5280 4.1.2.5, as zlint and Apple count).
	assertNear(t, "notAfter", cert.NotAfter, start.Add((pki.DefaultDays-1)*24*time.Hour-time.Second))
	if got := cert.NotAfter.Sub(cert.NotBefore); got != pki.DefaultDays*24*time.Hour-time.Second {
		t.Errorf("validity %v, want %d days less a second", got, pki.DefaultDays)
	}
	if !cert.Equal(issued.Certificate) {
		t.Errorf("Issued.Certificate is not certs/proxy.cer")
	}

	assertSameFile(t, s.CertPath("proxy"), s.SerialCertPath("1001"))
	for _, p := range []string{s.CertPath("proxy"), s.SerialCertPath("1001")} {
		if m := pkitest.PermOf(t, p); m != 0o644 {
			t.Errorf("%s mode %v, want 0644", p, m)
		}
	}
	wantLine := "V\t" + indexUTCTime(cert.NotAfter) + "\t\t1001\tunknown\t/C=US/O=Example Inc./CN=proxy.example.com\n"
	if lines := storeDatabaseLines(t, s); len(lines) != 1 || lines[0] != wantLine {
		t.Errorf("database.txt = %q, want the CA's line and %q", lines, wantLine)
	}
	if got := pkitest.ReadFile(t, s.SerialPath()); got != "1002\n" {
		t.Errorf("serial.txt = %q, want 1002", got)
	}
	pkitest.AssertNoTempFiles(t, s.Dir())

	// The next certificate takes the next serial.
	pkitest.WriteRequest(t, s, "proxy2", "/C=US/O=Example Inc./CN=proxy2.example.com")
	issued, err = s.Sign(t.Context(), pki.SignRequest{Name: "proxy2"})
	if err != nil {
		t.Fatal(err)
	}
	if issued.Serial != "1002" || issued.Certificate.SerialNumber.Int64() != 0x1002 {
		t.Errorf("second serial %s (%v), want 1002", issued.Serial, issued.Certificate.SerialNumber)
	}
	if got := pkitest.ReadFile(t, s.SerialPath()); got != "1003\n" {
		t.Errorf("serial.txt = %q, want 1003", got)
	}
	if lines := storeDatabaseLines(t, s); len(lines) != 2 || lines[0] != wantLine || !strings.Contains(lines[1], "\t1002\tunknown\t/C=US/O=Example Inc./CN=proxy2.example.com\n") {
		t.Errorf("database.txt lines %q", lines)
	}
	assertSameFile(t, s.CertPath("proxy2"), s.SerialCertPath("1002"))
}

// TestSignSANs: --san, else the request's SAN, else the CN.
func TestSignSANs(t *testing.T) {
	t.Parallel()
	override, err := pki.ParseSANs("DNS:override.example.com,IP:2001:db8::1,email:ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	fromRequest, err := pki.ParseSANs("DNS:proxy.example.com,DNS:alias.example.com,IP:192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		subject string
		reqSANs pki.SANs
		sign    pki.SANs
		want    string // as openssl prints the extension
	}{
		{"from CN", pkitest.EngineProxySubject, pki.SANs{}, pki.SANs{}, "DNS:proxy.example.com"},
		{"from IP CN", "/C=US/CN=192.0.2.7", pki.SANs{}, pki.SANs{}, "IP Address:192.0.2.7"},
		{"no SAN for a CN that is no host", "/C=US/CN=Proxy Server", pki.SANs{}, pki.SANs{}, ""},
		{"from request", pkitest.EngineProxySubject, fromRequest, pki.SANs{}, "DNS:proxy.example.com, DNS:alias.example.com, IP Address:192.0.2.10"},
		{"override", pkitest.EngineProxySubject, fromRequest, override, "DNS:override.example.com, email:ops@example.com, IP Address:2001:DB8:0:0:0:0:0:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteRequestTemplate(t, s, "proxy", pki.RequestTemplate{Subject: pkitest.Name(t, tc.subject), SANs: tc.reqSANs, NoDefaultSAN: true})
			if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", SANs: tc.sign}); err != nil {
				t.Fatal(err)
			}
			text := opensslCertText(t, s.CertPath("proxy"))
			if tc.want == "" {
				if strings.Contains(text, "Subject Alternative Name") {
					t.Errorf("unexpected SAN:\n%s", text)
				}
				return
			}
			assertTextHas(t, "certificate", text, "X509v3 Subject Alternative Name: \n                "+tc.want+"\n")
		})
	}
}

func TestSignAIA(t *testing.T) {
	t.Parallel()
	const url = "http://engine.example.com/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA"
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", AIAURL: url}); err != nil {
		t.Fatal(err)
	}
	assertTextHas(t, "certificate", opensslCertText(t, s.CertPath("proxy")),
		"Authority Information Access: \n                CA Issuers - URI:"+url+"\n")
	if strings.Contains(opensslCertText(t, s.CertPath("proxy")), "OCSP") {
		t.Errorf("AIA has an OCSP entry")
	}
}

// TestSignSubjectOverride: SignRequest.Subject replaces the request's
// subject, attribute order included.
func TestSignSubjectOverride(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	const subject = "/CN=override.example.com/OU=Proxies/O=Other Org/C=DE"
	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Subject: pkitest.Name(t, subject)})
	if err != nil {
		t.Fatal(err)
	}
	got := pkitest.RunOpenSSL(t, "", "x509", "-noout", "-subject", "-in", s.CertPath("proxy"))
	if want := "subject=CN = override.example.com, OU = Proxies, O = Other Org, C = DE\n"; got != want {
		t.Errorf("openssl subject %q, want %q", got, want)
	}
	name, err := dn.FromCertificate(issued.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if name.OneLine() != subject {
		t.Errorf("subject %s, want %s", name.OneLine(), subject)
	}
	if lines := storeDatabaseLines(t, s); len(lines) != 1 || !strings.HasSuffix(lines[0], "\t1001\tunknown\t"+subject+"\n") {
		t.Errorf("database.txt %q, want the override subject", lines)
	}
}

// TestSignIgnoresRequestedExtensions: a request made by openssl that asks
// for CA:TRUE and keyCertSign still gets the leaf profile.
func TestSignIgnoresRequestedExtensions(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	keyFile := pkitest.WriteSharedKey(t, filepath.Join(t.TempDir(), "proxy.key"), pkitest.RequestKey)
	pkitest.RunOpenSSL(t, "", "req", "-new", "-config", engineConfigTemplate, "-key", keyFile,
		"-subj", pkitest.EngineProxySubject, "-out", s.RequestPath("proxy"),
		"-addext", "basicConstraints=critical,CA:TRUE",
		"-addext", "keyUsage=critical,keyCertSign,cRLSign",
		"-addext", "extendedKeyUsage=OCSPSigning",
		"-addext", "nameConstraints=permitted;DNS:example.com")
	reqText := pkitest.RunOpenSSL(t, "", "req", "-noout", "-text", "-in", s.RequestPath("proxy"))
	assertTextHas(t, "request", reqText, "CA:TRUE")

	issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	if err != nil {
		t.Fatal(err)
	}
	c := issued.Certificate
	if c.IsCA || !c.BasicConstraintsValid || c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment {
		t.Errorf("IsCA %v, KeyUsage %b: the request's extensions were copied", c.IsCA, c.KeyUsage)
	}
	text := opensslCertText(t, s.CertPath("proxy"))
	assertTextHas(t, "certificate", text, "CA:FALSE", "TLS Web Server Authentication, TLS Web Client Authentication")
	for _, unwanted := range []string{"CA:TRUE", "Certificate Sign", "OCSP Signing", "Name Constraints"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("certificate has %q from the request:\n%s", unwanted, text)
		}
	}
	if out, err := pkitest.TryOpenSSL(t, "", "verify", "-CAfile", s.CACertPath(), "-untrusted", s.CertPath("proxy"), s.CertPath("proxy")); err != nil || !strings.Contains(out, "OK") {
		t.Errorf("openssl verify: %v %s", err, out)
	}
}

// TestSignKeyUsage: --ku and --eku lists replace the defaults and stay
// critical.
func TestSignKeyUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ku, eku         string
		wantKU, wantEKU string
	}{
		{"digitalSignature", "clientAuth", "Digital Signature", "TLS Web Client Authentication"},
		{"critical,keyEncipherment,digitalSignature,nonRepudiation", "serverAuth", "Digital Signature, Non Repudiation, Key Encipherment", "TLS Web Server Authentication"},
		{"digitalSignature,dataEncipherment", "1.3.6.1.5.5.7.3.4,codeSigning,1.2.3.4.5", "Digital Signature, Data Encipherment", "E-mail Protection, Code Signing, 1.2.3.4.5"},
		{"", "timeStamping", "Digital Signature, Key Encipherment", "Time Stamping"},
		{"dataEncipherment", "", "Data Encipherment", "TLS Web Server Authentication, TLS Web Client Authentication"},
	} {
		t.Run(tc.ku+"+"+tc.eku, func(t *testing.T) {
			t.Parallel()
			req := pki.SignRequest{Name: "proxy"}
			var err error
			if tc.ku != "" {
				if req.KeyUsage, err = pki.ParseKeyUsage(tc.ku); err != nil {
					t.Fatal(err)
				}
			}
			if tc.eku != "" {
				if req.ExtKeyUsage, err = pki.ParseExtKeyUsage(tc.eku); err != nil {
					t.Fatal(err)
				}
			}
			s := pkitest.NewStore(t)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			issued, err := s.Sign(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			assertTextHas(t, "certificate", opensslCertText(t, s.CertPath("proxy")),
				"X509v3 Key Usage: critical\n                "+tc.wantKU+"\n",
				"X509v3 Extended Key Usage: critical\n                "+tc.wantEKU+"\n")
			assertCriticalExt(t, issued.Certificate, oidExtnKeyUsage, oidExtnExtKeyUsage)
			if n := countExt(issued.Certificate, oidExtnExtKeyUsage); n != 1 {
				t.Errorf("%d extended key usage extensions, want 1", n)
			}
		})
	}
}

// TestSignWarnings: more than 825 days for a server, or past the CA's
// expiry, is signed with a warning.
func TestSignWarnings(t *testing.T) {
	t.Parallel()
	clientOnly, err := pki.ParseExtKeyUsage("clientAuth")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		caDays int
		req    pki.SignRequest
		want   []string // substrings, one per warning
	}{
		{"default days", 0, pki.SignRequest{}, nil},
		{"825 days", 0, pki.SignRequest{Days: 825}, nil},
		{"826 days", 0, pki.SignRequest{Days: 826}, []string{"826 days"}},
		{"client only", 0, pki.SignRequest{Days: 3650, ExtKeyUsage: clientOnly}, nil},
		{"past the CA", 100, pki.SignRequest{Days: 200}, []string{"after its CA"}},
		{"past the CA and long", 100, pki.SignRequest{Days: 1000}, []string{"after its CA", "825"}},
		{"inside the CA", 100, pki.SignRequest{Days: 98}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "pki")
			s, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject), Days: tc.caDays}, pkitest.SharedCAKeyGenerator(t))
			if err != nil {
				t.Fatal(err)
			}
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			tc.req.Name = "proxy"
			issued, err := s.Sign(t.Context(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(issued.Warnings) != len(tc.want) {
				t.Fatalf("warnings %q, want %d", issued.Warnings, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(issued.Warnings[i], w) {
					t.Errorf("warning %q lacks %q", issued.Warnings[i], w)
				}
			}
		})
	}
}

// TestSignDays: Days 0 is DefaultDays; the bounds are 2 and 36500; a
// certificate of N days is valid N days, notBefore through notAfter
// inclusive.
func TestSignDays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ days, want int }{{0, pki.DefaultDays}, {2, 2}, {825, 825}, {3650, 3650}, {36500, 36500}} {
		t.Run(fmt.Sprint(tc.days), func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy", Days: tc.days})
			if err != nil {
				t.Fatal(err)
			}
			c := issued.Certificate
			if got := c.NotAfter.Sub(c.NotBefore); got != time.Duration(tc.want)*24*time.Hour-time.Second {
				t.Errorf("validity %v, want %d days less a second", got, tc.want)
			}
			// From 2050 the index holds a GeneralizedTime, as openssl writes it.
			layout := "060102150405Z"
			if c.NotAfter.Year() >= 2050 {
				layout = "20060102150405Z"
			}
			if lines := storeDatabaseLines(t, s); len(lines) != 1 || !strings.HasPrefix(lines[0], "V\t"+c.NotAfter.UTC().Format(layout)+"\t\t1001\t") {
				t.Errorf("database.txt %q, want expiry %s", lines, c.NotAfter.UTC().Format(layout))
			}
		})
	}
}

// TestSignBackup: signing a name again keeps the old certificate as
// certs/NAME.cer.YYYYMMDDHHMMSS (then .1, .2 within the same second).
func TestSignBackup(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	s := pkitest.NewStore(t, pki.WithNow(func() time.Time { return now }))
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	stamp := now.Format("20060102150405")
	var previous []string
	for i, wantBackup := range []string{"", "proxy.cer." + stamp, "proxy.cer." + stamp + ".1"} {
		issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%04X", 0x1001+i); issued.Serial != want {
			t.Errorf("sign %d: serial %s, want %s", i, issued.Serial, want)
		}
		if wantBackup == "" {
			if issued.Backup != "" {
				t.Errorf("first sign made a backup %s", issued.Backup)
			}
		} else {
			if want := filepath.Join(s.Dir(), "certs", wantBackup); issued.Backup != want {
				t.Errorf("sign %d: backup %s, want %s", i, issued.Backup, want)
			}
			if got := pkitest.ReadFile(t, issued.Backup); got != previous[len(previous)-1] {
				t.Errorf("backup %s does not hold the previous certificate", issued.Backup)
			}
		}
		cur := pkitest.ReadFile(t, s.CertPath("proxy"))
		if slices.Contains(previous, cur) {
			t.Errorf("sign %d: certs/proxy.cer was not replaced", i)
		}
		previous = append(previous, cur)
	}
	if n := len(storeDatabaseLines(t, s)); n != 3 {
		t.Errorf("%d database lines, want 3", n)
	}
	if got := pkitest.ReadFile(t, s.SerialCertPath("1001")); got != previous[0] {
		t.Errorf("certs/1001.pem changed after re-signing")
	}
}

// TestSignBatch: one lock, consecutive serials, one line each.
func TestSignBatch(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	names := []string{"proxy-a", "proxy-b", "proxy-c"}
	var reqs []pki.SignRequest
	for _, n := range names {
		pkitest.WriteRequest(t, s, n, "/C=US/O=Example Inc./CN="+n+".example.com")
		reqs = append(reqs, pki.SignRequest{Name: n})
	}
	issued, err := s.SignBatch(t.Context(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	lines := storeDatabaseLines(t, s)
	if len(issued) != 3 || len(lines) != 3 {
		t.Fatalf("%d issued, %d lines, want 3", len(issued), len(lines))
	}
	for i, is := range issued {
		serial := fmt.Sprintf("%X", 0x1001+i)
		if is.Name != names[i] || is.Serial != serial {
			t.Errorf("issued[%d] = %s %s, want %s %s", i, is.Name, is.Serial, names[i], serial)
		}
		want := "V\t" + indexUTCTime(is.Certificate.NotAfter) + "\t\t" + serial + "\tunknown\t/C=US/O=Example Inc./CN=" + names[i] + ".example.com\n"
		if lines[i] != want {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], want)
		}
		assertSameFile(t, s.CertPath(names[i]), s.SerialCertPath(serial))
	}
	if got := pkitest.ReadFile(t, s.SerialPath()); got != "1004\n" {
		t.Errorf("serial.txt = %q, want 1004", got)
	}
	if issued, err := s.SignBatch(t.Context(), nil); issued != nil || err != nil {
		t.Errorf("empty batch: %v, %v", issued, err)
	}

	// A batch with one bad member signs none of them.
	pkitest.WriteRequest(t, s, "proxy-d", "/C=US/O=Example Inc./CN=proxy-d.example.com")
	for _, tc := range []struct {
		name string
		reqs []pki.SignRequest
		want error
	}{
		{"name twice", []pki.SignRequest{{Name: "proxy-d"}, {Name: "proxy-a"}, {Name: "proxy-d"}}, pki.ErrBadName},
		{"last request missing", []pki.SignRequest{{Name: "proxy-d"}, {Name: "proxy-e"}}, fs.ErrNotExist},
		{"bad days in the middle", []pki.SignRequest{{Name: "proxy-d"}, {Name: "proxy-a", Days: -5}, {Name: "proxy-b"}}, pki.ErrBadDays},
		{"bad name", []pki.SignRequest{{Name: "proxy-d"}, {Name: "../proxy-a"}}, pki.ErrBadName},
		{"precondition fails under the lock", []pki.SignRequest{{Name: "proxy-d"}, {Name: "proxy-a", Precondition: func() error { return errStale }}}, errStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := pkitest.Snapshot(t, s.Dir())
			issued, err := s.SignBatch(t.Context(), tc.reqs)
			if !errors.Is(err, tc.want) || issued != nil {
				t.Errorf("SignBatch: %v, %v; want %v", issued, err, tc.want)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
	t.Run("serial of a later member used already", func(t *testing.T) {
		pkitest.WriteFile(t, s.SerialCertPath("1005"), []byte("someone else's\n"), 0o644)
		before := pkitest.Snapshot(t, s.Dir())
		_, err := s.SignBatch(t.Context(), []pki.SignRequest{{Name: "proxy-d"}, {Name: "proxy-a"}})
		if !errors.Is(err, pki.ErrBadStore) {
			t.Errorf("SignBatch: %v, want ErrBadStore", err)
		}
		pkitest.AssertUnchanged(t, s.Dir(), before)
	})
}

// errStale is a Precondition's refusal.
var errStale = errors.New("not the current certificate any more")

// TestSignECRequest: EC P-256 and P-384 requests are signed by the RSA CA
// with sha256WithRSAEncryption; other curves are weak.
func TestSignECRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		curve elliptic.Curve
		ok    bool
	}{{elliptic.P256(), true}, {elliptic.P384(), true}, {elliptic.P224(), false}, {elliptic.P521(), false}} {
		t.Run(tc.curve.Params().Name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			key, err := ecdsa.GenerateKey(tc.curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			// Made with crypto/x509, as pki.CreateRequest refuses weak curves.
			der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
				Subject: pkix.Name{CommonName: "proxy.example.com"},
			}, key)
			if err != nil {
				t.Fatal(err)
			}
			pkitest.WriteFile(t, s.RequestPath("proxy"), pki.EncodeRequestPEM(der), 0o644)
			before := pkitest.Snapshot(t, s.Dir())
			issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if !tc.ok {
				if !errors.Is(err, pki.ErrWeakKey) {
					t.Errorf("Sign: %v, want ErrWeakKey", err)
				}
				pkitest.AssertUnchanged(t, s.Dir(), before)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if issued.Certificate.PublicKeyAlgorithm != x509.ECDSA || issued.Certificate.SignatureAlgorithm != x509.SHA256WithRSA {
				t.Errorf("key %v signed with %v", issued.Certificate.PublicKeyAlgorithm, issued.Certificate.SignatureAlgorithm)
			}
			out := pkitest.RunOpenSSL(t, s.Dir(), "verify", "-CAfile", "ca.pem", "certs/proxy.cer")
			if strings.TrimSpace(out) != "certs/proxy.cer: OK" {
				t.Errorf("openssl verify: %q", out)
			}
		})
	}
}

// TestSignNothingLeftBehind: a successful sign leaves no temporary files
// and exactly the files it reports.
func TestSignNothingLeftBehind(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	before := pkitest.Snapshot(t, s.Dir())
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
		t.Fatal(err)
	}
	after := pkitest.Snapshot(t, s.Dir())
	var added []string
	for p := range after {
		if _, ok := before[p]; !ok {
			added = append(added, p)
		}
	}
	slices.Sort(added)
	if want := []string{"certs/1001.pem", "certs/proxy.cer"}; !slices.Equal(added, want) {
		t.Errorf("sign added %v, want %v", added, want)
	}
	for p, b := range before {
		if p == "serial.txt" || p == "database.txt" {
			continue
		}
		if after[p] != b {
			t.Errorf("sign changed %s", p)
		}
	}
}

func assertCriticalExt(t *testing.T, c *x509.Certificate, oids ...asn1.ObjectIdentifier) {
	t.Helper()
	for _, oid := range oids {
		found := false
		for _, e := range c.Extensions {
			if e.Id.Equal(oid) {
				found = true
				if !e.Critical {
					t.Errorf("extension %v is not critical", oid)
				}
			}
		}
		if !found {
			t.Errorf("no extension %v", oid)
		}
	}
}

func countExt(c *x509.Certificate, oid asn1.ObjectIdentifier) int {
	n := 0
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			n++
		}
	}
	return n
}

// opensslKeyID is b as openssl prints key identifiers: AB:CD:...
func opensslKeyID(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}

// TestSignFailuresLeaveStoreUnchanged: every refusal returns its sentinel
// and leaves the PKI directory byte-identical.
func TestSignFailuresLeaveStoreUnchanged(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		setup func(t *testing.T, s *pki.Store) // after the request is written
		req   pki.SignRequest
		want  error // nil: any error
	}
	outside := t.TempDir()
	cases := []tc{
		{name: "missing request", req: pki.SignRequest{Name: "absent"}, want: fs.ErrNotExist},
		{name: "malformed request", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.RequestPath("proxy"), []byte("-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgcmVxdWVzdA==\n-----END CERTIFICATE REQUEST-----\n"), 0o644)
		}, want: pki.ErrBadRequest},
		{name: "not PEM", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.RequestPath("proxy"), []byte("hello\n"), 0o644)
		}, want: pki.ErrBadRequest},
		{name: "certificate instead of request", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.RequestPath("proxy"), []byte(pkitest.ReadFile(t, s.CACertPath())), 0o644)
		}, want: pki.ErrBadRequest},
		{name: "tampered request", setup: func(t *testing.T, s *pki.Store) {
			der := firstPEMBytes(t, []byte(pkitest.ReadFile(t, s.RequestPath("proxy"))))
			der[len(der)-10] ^= 0x01 // inside the signature
			pkitest.WriteFile(t, s.RequestPath("proxy"), pki.EncodeRequestPEM(der), 0o644)
		}, want: pki.ErrBadRequest},
		{name: "tampered subject", setup: func(t *testing.T, s *pki.Store) {
			data := pkitest.ReadFile(t, s.RequestPath("proxy"))
			der := firstPEMBytes(t, []byte(data))
			i := strings.Index(string(der), "proxy.example.com")
			if i < 0 {
				t.Fatal("CN not found in the request")
			}
			der[i] = 'q'
			pkitest.WriteFile(t, s.RequestPath("proxy"), pki.EncodeRequestPEM(der), 0o644)
		}, want: pki.ErrBadRequest},
		{name: "1024-bit key", setup: func(t *testing.T, s *pki.Store) {
			pkitest.RunOpenSSL(t, "", "req", "-new", "-config", engineConfigTemplate, "-newkey", "rsa:1024", "-nodes",
				"-keyout", filepath.Join(t.TempDir(), "weak.key"), "-subj", pkitest.EngineProxySubject, "-out", s.RequestPath("proxy"))
		}, want: pki.ErrWeakKey},
		{name: "request is a symlink", setup: func(t *testing.T, s *pki.Store) {
			pkitest.ReplaceWithSymlink(t, s.RequestPath("proxy"), "/etc/passwd")
		}, want: pki.ErrSymlink},
		{name: "request is a directory", setup: func(t *testing.T, s *pki.Store) {
			if err := os.Remove(s.RequestPath("proxy")); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(s.RequestPath("proxy"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "request too large", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.RequestPath("proxy"), []byte(strings.Repeat("A", 1<<20)), 0o644)
		}},
		{name: "days -1", req: pki.SignRequest{Days: -1}, want: pki.ErrBadDays},
		{name: "days 36501", req: pki.SignRequest{Days: 36501}, want: pki.ErrBadDays},
		{name: "empty subject override", req: pki.SignRequest{Subject: dn.Name{}}, want: dn.ErrInvalid},
		{name: "AIA not http", req: pki.SignRequest{AIAURL: "ftp://engine.example.com/ca.pem"}},
		{name: "AIA relative", req: pki.SignRequest{AIAURL: "/ca.pem"}},
		{name: "CA key does not match", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteSharedKey(t, s.CAKeyPath(), pkitest.OtherKey)
		}, want: pki.ErrKeyMismatch},
		{name: "CA key missing", setup: func(t *testing.T, s *pki.Store) {
			if err := os.Remove(s.CAKeyPath()); err != nil {
				t.Fatal(err)
			}
		}, want: fs.ErrNotExist},
		{name: "CA certificate is not a CA", setup: func(t *testing.T, s *pki.Store) {
			// A leaf of this CA, signed elsewhere, put in ca.pem's place.
			o := pkitest.NewStore(t)
			pkitest.WriteRequest(t, o, "proxy", pkitest.EngineProxySubject)
			if _, err := o.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
				t.Fatal(err)
			}
			pkitest.WriteFile(t, s.CACertPath(), []byte(pkitest.ReadFile(t, o.CertPath("proxy"))), 0o644)
		}, want: pki.ErrBadStore},
		{name: "certificate is a symlink", setup: func(t *testing.T, s *pki.Store) {
			target := filepath.Join(outside, "target-"+strings.ReplaceAll(t.Name(), "/", "_"))
			pkitest.WriteFile(t, target, []byte("precious\n"), 0o644)
			pkitest.ReplaceWithSymlink(t, s.CertPath("proxy"), target)
			t.Cleanup(func() {
				if got := pkitest.ReadFile(t, target); got != "precious\n" {
					t.Errorf("the symlink's target was written: %q", got)
				}
			})
		}, want: pki.ErrSymlink},
		{name: "database is a symlink", setup: func(t *testing.T, s *pki.Store) {
			target := filepath.Join(outside, "db-"+strings.ReplaceAll(t.Name(), "/", "_"))
			pkitest.WriteFile(t, target, nil, 0o644)
			pkitest.ReplaceWithSymlink(t, s.DatabasePath(), target)
		}, want: pki.ErrSymlink},
		{name: "CA certificate is a symlink", setup: func(t *testing.T, s *pki.Store) {
			if err := os.Rename(s.CACertPath(), s.CACertPath()+".real"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("ca.pem.real", s.CACertPath()); err != nil {
				t.Fatal(err)
			}
		}, want: pki.ErrSymlink},
		{name: "serial used already", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.SerialCertPath("1001"), []byte("issued by someone else\n"), 0o644)
		}, want: pki.ErrBadStore},
		// The caller's state (an EST token's) is flushed before the index
		// line: a flush that fails fails the signing, nothing written.
		{name: "state directory missing", req: pki.SignRequest{StateDir: filepath.Join(outside, "no-such-directory")}, want: fs.ErrNotExist},
		{name: "serial.txt malformed", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.SerialPath(), []byte("10G0\n"), 0o644)
		}, want: pki.ErrBadStore},
		{name: "serial.txt zero", setup: func(t *testing.T, s *pki.Store) {
			pkitest.WriteFile(t, s.SerialPath(), []byte("00\n"), 0o644)
		}, want: pki.ErrBadStore},
		{name: "serial.txt missing", setup: func(t *testing.T, s *pki.Store) {
			if err := os.Remove(s.SerialPath()); err != nil {
				t.Fatal(err)
			}
		}, want: pki.ErrBadStore},
		{name: "database missing", setup: func(t *testing.T, s *pki.Store) {
			if err := os.Remove(s.DatabasePath()); err != nil {
				t.Fatal(err)
			}
		}, want: fs.ErrNotExist},
		{name: "certs not writable", setup: func(t *testing.T, s *pki.Store) {
			certs := filepath.Dir(s.CertPath("proxy"))
			if os.Geteuid() == 0 {
				// root writes through 0555: a file where the directory
				// was fails the write instead.
				if err := os.RemoveAll(certs); err != nil {
					t.Fatal(err)
				}
				pkitest.WriteFile(t, certs, []byte("not a directory\n"), 0o644)
				return
			}
			if err := os.Chmod(certs, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(certs, 0o755) })
		}},
	}
	for _, name := range []string{"../x", "a/b", "", ".hidden", " x", "x ", "..", "/etc/passwd", strings.Repeat("a", 200)} {
		cases = append(cases, tc{name: fmt.Sprintf("name %.20q", name), req: pki.SignRequest{Name: name}, want: pki.ErrBadName})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			if c.setup != nil {
				c.setup(t, s)
			}
			if c.req.Name == "" && !errors.Is(c.want, pki.ErrBadName) {
				c.req.Name = "proxy"
			}
			before := pkitest.Snapshot(t, s.Dir())
			issued, err := s.Sign(t.Context(), c.req)
			if err == nil {
				t.Fatalf("Sign succeeded: serial %s", issued.Serial)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("Sign: %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), "root:") {
				t.Errorf("error discloses the file's content: %v", err)
			}
			t.Logf("error: %v", err)
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestSignLockTimeout: a signer that cannot get the lock in time fails
// with ErrLocked and changes nothing.
func TestSignLockTimeout(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
	held, err := os.Open(s.CACertPath())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	before := pkitest.Snapshot(t, s.Dir())

	const timeout = 300 * time.Millisecond
	o, err := pki.OpenStore(s.Dir(), pki.WithLockTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = o.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
	elapsed := time.Since(start)
	if !errors.Is(err, pki.ErrLocked) {
		t.Errorf("Sign under a held lock: %v, want ErrLocked", err)
	}
	if elapsed < timeout || elapsed > timeout+time.Second {
		t.Errorf("gave up after %v, want about %v", elapsed, timeout)
	}
	pkitest.AssertUnchanged(t, s.Dir(), before)

	t.Run("context ends first", func(t *testing.T) {
		o, err := pki.OpenStore(s.Dir(), pki.WithLockTimeout(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = o.Sign(ctx, pki.SignRequest{Name: "proxy"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Sign: %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Sign waited %v after its context ended", d)
		}
		pkitest.AssertUnchanged(t, s.Dir(), before)
	})
	t.Run("zero timeout tries once", func(t *testing.T) {
		o, err := pki.OpenStore(s.Dir(), pki.WithLockTimeout(0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); !errors.Is(err, pki.ErrLocked) {
			t.Errorf("Sign: %v, want ErrLocked", err)
		}
	})

	// Once the holder lets go, the same store signs.
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
		t.Errorf("Sign after the lock was released: %v", err)
	}
}
