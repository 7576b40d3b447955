package inspect_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/inspect"
)

// inspectFixtures is where testdata/inspect/generate.sh writes.
const inspectFixtures = "../../testdata/inspect"

// inspectNow is the time the fixtures are judged at: proxy.cer and the CA
// are valid, ec.cer has expired, the CRL is due in 28 days.
var inspectNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func fixture(name string) string { return filepath.Join(inspectFixtures, name) }

// inspectFixture inspects a fixture at inspectNow.
func inspectFixture(t *testing.T, name string) *inspect.Result {
	t.Helper()
	in, err := inspect.File(fixture(name), inspect.Options{Now: inspectNow})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// only returns the single object of an inspection.
func only(t *testing.T, in *inspect.Result) inspect.Object {
	t.Helper()
	if len(in.Objects) != 1 {
		t.Fatalf("got %d objects, want 1", len(in.Objects))
	}
	return in.Objects[0]
}

// colonHex is what openssl prints for fingerprints and key identifiers.
func colonHex(b []byte) string {
	var parts []string
	for _, c := range b {
		parts = append(parts, strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
	}
	return strings.Join(parts, ":")
}

// opensslField returns the value after "key=" in openssl's output.
func opensslField(t *testing.T, out, key string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("openssl output has no %s=:\n%s", key, out)
	return ""
}

// opensslExtID returns the key identifier openssl prints for extension ext.
func opensslExtID(t *testing.T, file, form, ext string) string {
	t.Helper()
	out := pkitest.RunOpenSSL(t, "", "x509", "-in", file, "-inform", form, "-noout", "-ext", ext)
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		t.Fatalf("openssl -ext %s: %q", ext, out)
	}
	return strings.TrimPrefix(strings.TrimSpace(lines[1]), "keyid:")
}

// opensslPublicKeySHA256 is the SHA-256 of the DER SubjectPublicKeyInfo
// that openssl extracts with args (x509 -pubkey, pkey -pubout, ...).
func opensslPublicKeySHA256(t *testing.T, args ...string) string {
	t.Helper()
	pemKey := pkitest.RunOpenSSL(t, "", args...)
	der := pkitest.RunOpenSSL(t, "", "pkey", "-pubin", "-in", writeTemp(t, pemKey), "-outform", "DER")
	sum := sha256.Sum256([]byte(der))
	return colonHex(sum[:])
}

func writeTemp(t *testing.T, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInspectCertificateMatchesOpenSSL compares what we show of each
// certificate, PEM and DER, with what openssl prints for the same file.
func TestInspectCertificateMatchesOpenSSL(t *testing.T) {
	for _, tc := range []struct{ file, form string }{
		{"proxy.cer", "PEM"}, {"proxy.cer.der", "DER"}, {"ca.pem", "PEM"}, {"ec.cer", "PEM"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := only(t, inspectFixture(t, tc.file)).Certificate
			if c == nil {
				t.Fatal("not inspected as a certificate")
			}
			file := fixture(tc.file)
			out := pkitest.RunOpenSSL(t, "", "x509", "-in", file, "-inform", tc.form, "-noout",
				"-serial", "-subject", "-issuer", "-nameopt", "compat", "-fingerprint", "-sha256")
			checks := []struct{ what, got, want string }{
				{"serial", pki.FormatSerial(c.Serial), opensslField(t, out, "serial")},
				{"subject", c.Subject.String(), opensslField(t, out, "subject")},
				{"issuer", c.Issuer.String(), opensslField(t, out, "issuer")},
				{"fingerprint", colonHex(c.SHA256), opensslField(t, out, "sha256 Fingerprint")},
				{"subject key id", colonHex(c.Extensions.SubjectKeyID), opensslExtID(t, file, tc.form, "subjectKeyIdentifier")},
				{"authority key id", colonHex(c.Extensions.AuthorityKeyID), opensslExtID(t, file, tc.form, "authorityKeyIdentifier")},
				{"public key", colonHex(c.PublicKey.SHA256), opensslPublicKeySHA256(t, "x509", "-in", file, "-inform", tc.form, "-noout", "-pubkey")},
			}
			for _, ck := range checks {
				if ck.got != ck.want {
					t.Errorf("%s: got %q, openssl says %q", ck.what, ck.got, ck.want)
				}
			}
		})
	}
}

func TestInspectCertificateFields(t *testing.T) {
	c := only(t, inspectFixture(t, "proxy.cer")).Certificate
	ext := c.Extensions
	if got := ext.SANs.String(); got != "DNS:proxy.example.com,IP:192.0.2.10" {
		t.Errorf("SANs = %q", got)
	}
	if ext.KeyUsage == nil || !ext.KeyUsage.Critical || strings.Join(ext.KeyUsage.Usages, ",") != "digitalSignature,keyEncipherment" {
		t.Errorf("key usage = %+v", ext.KeyUsage)
	}
	if ext.ExtKeyUsage == nil || !ext.ExtKeyUsage.Critical || strings.Join(ext.ExtKeyUsage.Usages, ",") != "serverAuth,clientAuth" {
		t.Errorf("extended key usage = %+v", ext.ExtKeyUsage)
	}
	if bc := ext.BasicConstraints; bc == nil || bc.CA || bc.Critical || bc.MaxPathLen != -1 {
		t.Errorf("basic constraints = %+v", bc)
	}
	if c.PublicKey.Algorithm != "RSA" || c.PublicKey.Bits != 2048 || c.SelfSigned {
		t.Errorf("key %+v, self-signed %v", c.PublicKey, c.SelfSigned)
	}
	if c.Status != inspect.ValidityValid || c.TimeLeft != time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC).Sub(inspectNow) {
		t.Errorf("status %s, time left %v", c.Status, c.TimeLeft)
	}
	if c.SignatureAlgorithm != "sha256WithRSAEncryption" {
		t.Errorf("signature algorithm %q", c.SignatureAlgorithm)
	}
	var names []string
	for _, e := range ext.All {
		names = append(names, e.Name)
	}
	want := "basicConstraints keyUsage extendedKeyUsage subjectKeyIdentifier authorityKeyIdentifier subjectAltName authorityInfoAccess"
	if strings.Join(names, " ") != want {
		t.Errorf("extensions %q, want %q", names, want)
	}

	ca := only(t, inspectFixture(t, "ca.pem")).Certificate
	if !ca.SelfSigned || ca.Extensions.BasicConstraints == nil || !ca.Extensions.BasicConstraints.CA || !ca.Extensions.BasicConstraints.Critical {
		t.Errorf("CA: self-signed %v, basic constraints %+v", ca.SelfSigned, ca.Extensions.BasicConstraints)
	}
	if ca.Extensions.ExtKeyUsage != nil || !ca.Extensions.SANs.Empty() {
		t.Errorf("CA has no EKU and no SAN, got %+v", ca.Extensions)
	}
}

func TestInspectValidityStatus(t *testing.T) {
	tests := []struct {
		file string
		now  time.Time
		want inspect.ValidityStatus
		left time.Duration
	}{
		{"proxy.cer", time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC), inspect.ValidityNotYetValid, (1 + 5*365 + 2) * 24 * time.Hour},
		{"proxy.cer", time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC), inspect.ValidityValid, 0},
		{"proxy.cer", time.Date(2029, 1, 1, 0, 0, 1, 0, time.UTC), inspect.ValidityExpired, -time.Second},
		{"ec.cer", inspectNow, inspect.ValidityExpired, -(365*24 + 12) * time.Hour},
	}
	for _, tc := range tests {
		in, err := inspect.File(fixture(tc.file), inspect.Options{Now: tc.now})
		if err != nil {
			t.Fatal(err)
		}
		c := only(t, in).Certificate
		if c.Status != tc.want || c.TimeLeft != tc.left {
			t.Errorf("%s at %s: %s, %v left; want %s, %v", tc.file, tc.now, c.Status, c.TimeLeft, tc.want, tc.left)
		}
	}
}

func TestInspectChainKeepsOrder(t *testing.T) {
	in := inspectFixture(t, "chain.pem")
	if len(in.Objects) != 2 {
		t.Fatalf("chain.pem: %d objects, want 2", len(in.Objects))
	}
	for i, want := range []string{"/C=US/O=Example Inc./CN=proxy.example.com", "/C=US/O=Example Inc./CN=engine.example.com.81108"} {
		o := in.Objects[i]
		if o.Kind != inspect.KindCertificate || o.PEMType != "CERTIFICATE" || o.Certificate.Subject.String() != want {
			t.Errorf("object %d: %s %q %v, want certificate %s", i, o.Kind, o.PEMType, o.Certificate, want)
		}
	}
	if !in.Now.Equal(inspectNow) {
		t.Errorf("Now = %v", in.Now)
	}
}

func TestInspectRequest(t *testing.T) {
	for _, file := range []string{"proxy.req", "proxy.req.der"} {
		o := only(t, inspectFixture(t, file))
		r := o.Request
		if o.Kind != inspect.KindRequest || r == nil {
			t.Fatalf("%s: kind %s", file, o.Kind)
		}
		if r.Subject.String() != "/C=US/O=Example Inc./CN=proxy.example.com" || !r.SignatureValid {
			t.Errorf("%s: subject %s, signature valid %v", file, r.Subject, r.SignatureValid)
		}
		if got := r.Extensions.SANs.String(); got != "DNS:proxy.example.com,IP:192.0.2.10" {
			t.Errorf("%s: requested SANs %q", file, got)
		}
		ku, eku, bc := r.Extensions.KeyUsage, r.Extensions.ExtKeyUsage, r.Extensions.BasicConstraints
		if ku == nil || !ku.Critical || strings.Join(ku.Usages, ",") != "digitalSignature,keyEncipherment" ||
			eku == nil || eku.Critical || strings.Join(eku.Usages, ",") != "serverAuth,clientAuth" ||
			bc == nil || bc.CA {
			t.Errorf("%s: requested ku %+v, eku %+v, bc %+v", file, ku, eku, bc)
		}
		want := opensslPublicKeySHA256(t, "req", "-in", fixture("proxy.req"), "-noout", "-pubkey")
		if got := colonHex(r.PublicKey.SHA256); got != want {
			t.Errorf("%s: public key %s, openssl %s", file, got, want)
		}
	}
}

// TestInspectRequestBadSignature alters the signature: the request is
// still shown, and says that it does not verify.
func TestInspectRequestBadSignature(t *testing.T) {
	der, err := os.ReadFile(fixture("proxy.req.der"))
	if err != nil {
		t.Fatal(err)
	}
	der[len(der)-1] ^= 0xff // the last byte of the signature
	in, err := inspect.Bytes(der, inspect.Options{Now: inspectNow})
	if err != nil {
		t.Fatal(err)
	}
	if r := only(t, in).Request; r == nil || r.SignatureValid {
		t.Errorf("altered request: %+v, want SignatureValid false", r)
	}
}

// TestInspectRequestSignatureNotChecked: a request openssl signs with
// RSASSA-PSS and its default salt (as long as the key allows), whose
// signature Go's x509 does not check, is named from the request itself,
// not as "0", and said to be not checked, not to fail: openssl verifies
// it.
func TestInspectRequestSignatureNotChecked(t *testing.T) {
	dir := t.TempDir()
	req := filepath.Join(dir, "pss.req")
	pkitest.RunOpenSSL(t, dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(dir, "pss.key"),
		"-subj", "/CN=pss.example.com", "-sigopt", "rsa_padding_mode:pss", "-out", req)
	pkitest.RunOpenSSL(t, dir, "req", "-in", req, "-noout", "-verify")
	in, err := inspect.File(req, inspect.Options{Now: inspectNow})
	if err != nil {
		t.Fatal(err)
	}
	r := only(t, in).Request
	if r == nil || r.SignatureValid || r.SignatureNotChecked != "algorithm not supported" ||
		!strings.HasPrefix(r.SignatureAlgorithm, "rsassaPss (sha256, salt length ") {
		t.Fatalf("PSS request: %+v, want rsassaPss, not checked", r)
	}
	var text bytes.Buffer
	if err := in.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "NOT CHECKED (algorithm not supported)") || strings.Contains(text.String(), "DOES NOT VERIFY") {
		t.Errorf("text:\n%s", text.String())
	}
}

func TestInspectCRL(t *testing.T) {
	for _, tc := range []struct{ file, form string }{{"ca.crl", "PEM"}, {"ca.crl.der", "DER"}} {
		c := only(t, inspectFixture(t, tc.file)).CRL
		if c == nil {
			t.Fatalf("%s: not a CRL", tc.file)
		}
		out := pkitest.RunOpenSSL(t, "", "crl", "-in", fixture(tc.file), "-inform", tc.form, "-noout", "-fingerprint", "-sha256", "-crlnumber")
		if got, want := colonHex(c.SHA256), opensslField(t, out, "SHA2-256 Fingerprint"); got != want {
			t.Errorf("%s: fingerprint %s, openssl %s", tc.file, got, want)
		}
		if got, want := "0x"+pki.FormatSerial(c.Number), opensslField(t, out, "crlNumber"); got != want {
			t.Errorf("%s: CRL number %s, openssl %s", tc.file, got, want)
		}
		if c.Issuer.String() != "/C=US/O=Example Inc./CN=engine.example.com.81108" ||
			!c.ThisUpdate.Equal(time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)) ||
			!c.NextUpdate.Equal(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)) ||
			c.TimeLeft != c.NextUpdate.Sub(inspectNow) {
			t.Errorf("%s: %+v", tc.file, c)
		}
		want := []inspect.RevokedInfo{
			{RevokedAt: time.Date(2025, 1, 15, 9, 30, 0, 0, time.UTC), Reason: "keyCompromise"},
			{RevokedAt: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		}
		if len(c.Revoked) != len(want) {
			t.Fatalf("%s: %d revoked, want %d", tc.file, len(c.Revoked), len(want))
		}
		for i, w := range want {
			r := c.Revoked[i]
			if pki.FormatSerial(r.Serial) != []string{"1002", "1003"}[i] || !r.RevokedAt.Equal(w.RevokedAt) || r.Reason != w.Reason {
				t.Errorf("%s: revoked[%d] = %s %v %q, want %v %q", tc.file, i, pki.FormatSerial(r.Serial), r.RevokedAt, r.Reason, w.RevokedAt, w.Reason)
			}
		}
	}
}

func TestInspectKeys(t *testing.T) {
	proxyPub := func(t *testing.T) string {
		return opensslPublicKeySHA256(t, "pkey", "-in", fixture("proxy.key"), "-pubout")
	}
	tests := []struct {
		file      string
		kind      inspect.Kind
		algorithm string
		bits      int
		format    string
		encrypted bool
		cipher    string
		// pub is openssl's public key fingerprint, "" when none is shown.
		pub func(t *testing.T) string
	}{
		{"proxy.key", inspect.KindPrivateKey, "RSA", 2048, "PKCS#1", false, "", proxyPub},
		{"proxy-pkcs8.key", inspect.KindPrivateKey, "RSA", 2048, "PKCS#8", false, "", proxyPub},
		{"proxy.key.der", inspect.KindPrivateKey, "RSA", 2048, "PKCS#1", false, "", proxyPub},
		{"ec.key", inspect.KindPrivateKey, "EC", 256, "SEC 1", false, "", func(t *testing.T) string {
			return opensslPublicKeySHA256(t, "pkey", "-in", fixture("ec.key"), "-pubout")
		}},
		{"ed25519.key", inspect.KindPrivateKey, "Ed25519", 256, "PKCS#8", false, "", func(t *testing.T) string {
			return opensslPublicKeySHA256(t, "pkey", "-in", fixture("ed25519.key"), "-pubout")
		}},
		{"ec.pub", inspect.KindPublicKey, "EC", 256, "SubjectPublicKeyInfo", false, "", func(t *testing.T) string {
			return opensslPublicKeySHA256(t, "pkey", "-pubin", "-in", fixture("ec.pub"))
		}},
		{"proxy-pkcs8-encrypted.key", inspect.KindPrivateKey, inspect.EncryptedKeyType, 0, "PKCS#8", true, "AES-256-CBC", nil},
		{"proxy-legacy-encrypted.key", inspect.KindPrivateKey, "RSA", 0, "PKCS#1", true, "AES-256-CBC", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			o := only(t, inspectFixture(t, tc.file))
			k := o.Key
			if o.Kind != tc.kind || k == nil {
				t.Fatalf("kind %s, want %s", o.Kind, tc.kind)
			}
			if k.PublicKey.Algorithm != tc.algorithm || k.PublicKey.Bits != tc.bits || k.Format != tc.format ||
				k.Encrypted != tc.encrypted || k.Cipher != tc.cipher {
				t.Errorf("got %+v", k)
			}
			want := ""
			if tc.pub != nil {
				want = tc.pub(t)
			}
			if got := colonHex(k.PublicKey.SHA256); got != want {
				t.Errorf("public key fingerprint %q, openssl %q", got, want)
			}
		})
	}
}

// TestInspectShowsNoPrivateMaterial renders every key fixture as text and
// JSON and looks for any trace of the private key: PEM armour, a line of
// its base64, the private exponent or scalar in decimal or hex.
func TestInspectShowsNoPrivateMaterial(t *testing.T) {
	secrets := privateNumbers(t)
	// The check must be able to fail: openssl's own dump shows the numbers.
	dump := hexDigits(pkitest.RunOpenSSL(t, "", "pkey", "-in", fixture("proxy.key"), "-noout", "-text"))
	for _, what := range []string{"RSA private exponent (hex)", "RSA prime p (hex)"} {
		if !strings.Contains(dump, strings.ToUpper(secrets[what])) {
			t.Fatalf("the %s is not found in openssl's dump of the key: the check is broken", what)
		}
	}
	for _, file := range []string{"proxy.key", "proxy-pkcs8.key", "proxy.key.der", "ec.key", "ed25519.key",
		"proxy-pkcs8-encrypted.key", "proxy-legacy-encrypted.key"} {
		t.Run(file, func(t *testing.T) {
			in := inspectFixture(t, file)
			var text bytes.Buffer
			if err := in.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			js, err := in.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(fixture(file))
			for name, out := range map[string]string{"text": text.String(), "JSON": string(js)} {
				if strings.Contains(out, "PRIVATE KEY-----") || strings.Contains(out, "-----BEGIN") {
					t.Errorf("%s output has PEM armour:\n%s", name, out)
				}
				for _, line := range strings.Split(string(raw), "\n") {
					if len(line) >= 16 && !strings.HasPrefix(line, "-----") && !strings.Contains(line, ":") && strings.Contains(out, line) {
						t.Errorf("%s output has a line of the key file: %q", name, line)
					}
				}
				for what, s := range secrets {
					if strings.Contains(hexDigits(out), strings.ToUpper(s)) {
						t.Errorf("%s output shows the %s", name, what)
					}
				}
			}
		})
	}
}

// hexDigits drops the colons and blanks openssl puts in hex numbers and
// upper-cases the rest, so that a number is found however it is printed.
func hexDigits(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ':' || r == ' ' || r == '\n' {
			return -1
		}
		return r
	}, s))
}

// privateNumbers returns pieces of the fixtures' private numbers, in hex
// and decimal: 24 hex digits and 30 decimal digits from the middle of each,
// so that a partial print is caught too.
func privateNumbers(t *testing.T) map[string]string {
	t.Helper()
	parse := func(file string) any {
		data, err := os.ReadFile(fixture(file))
		if err != nil {
			t.Fatal(err)
		}
		var block *pem.Block
		for rest := data; ; {
			if block, rest = pem.Decode(rest); block == nil || block.Type != "EC PARAMETERS" {
				break
			}
		}
		var key any
		switch block.Type {
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return key
	}
	numbers := map[string]*big.Int{}
	r := parse("proxy.key").(*rsa.PrivateKey)
	numbers["RSA private exponent"] = r.D
	numbers["RSA prime p"] = r.Primes[0]
	numbers["RSA prime q"] = r.Primes[1]
	e := parse("ec.key").(*ecdsa.PrivateKey)
	ecd, err := e.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	numbers["EC private scalar"] = new(big.Int).SetBytes(ecd)
	ed := parse("ed25519.key").(ed25519.PrivateKey)
	numbers["Ed25519 seed"] = new(big.Int).SetBytes(ed.Seed())
	out := map[string]string{}
	for name, n := range numbers {
		h, d := n.Text(16), n.Text(10)
		out[name+" (hex)"] = h[len(h)/2-12 : len(h)/2+12]
		out[name+" (decimal)"] = d[len(d)/2-15 : len(d)/2+15]
	}
	return out
}

// pseudoRandom is n reproducible bytes that look random.
func pseudoRandom(n int) []byte {
	var out []byte
	sum := sha256.Sum256([]byte("inspect"))
	for len(out) < n {
		out = append(out, sum[:]...)
		sum = sha256.Sum256(sum[:])
	}
	return out[:n]
}

func TestInspectErrors(t *testing.T) {
	cert, err := os.ReadFile(fixture("proxy.cer"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(cert)
	sequence := append([]byte{0x30, 0x82, 0x01, 0x00}, pseudoRandom(256)...)
	tests := []struct {
		name string
		data []byte
		want string // in the message, besides "not a certificate, request, CRL or key"
	}{
		{"empty", nil, "empty"},
		{"blank", []byte("\n \n"), "empty"},
		{"random bytes", pseudoRandom(4096), ""},
		{"random DER sequence", sequence, ""},
		{"text", []byte("hello, world\n"), ""},
		{"truncated PEM", cert[:len(cert)/2], "PEM block 1 is truncated"},
		{"truncated second block", append(bytes.Clone(cert), cert[:len(cert)/2]...), "PEM block 2 is truncated"},
		{"short body", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes[:len(block.Bytes)/2]}), `PEM block 1 "CERTIFICATE": does not parse (x509: `},
		{"unknown PEM type", pem.EncodeToMemory(&pem.Block{Type: "FOO BAR", Bytes: []byte{1, 2, 3}}), `PEM block 1 "FOO BAR"`},
		{"OpenSSH key", pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: pseudoRandom(64)}), `"OPENSSH PRIVATE KEY"`},
		{"garbage key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pseudoRandom(64)}), `PEM block 1 "PRIVATE KEY": does not parse (`},
		{"EC parameters only", pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}), "EC parameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := inspect.Bytes(tc.data, inspect.Options{})
			if err == nil {
				t.Fatalf("no error; got %d objects", len(in.Objects))
			}
			msg := err.Error()
			if !errors.Is(err, inspect.ErrNotInspectable) || !strings.HasSuffix(msg, "not a certificate, request, CRL or key") {
				t.Errorf("error %q does not end with ErrNotInspectable", msg)
			}
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, tc.want)
			}
		})
	}
}

func TestInspectFileErrors(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.bin")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(20 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	random := filepath.Join(dir, "random.bin")
	if err := os.WriteFile(random, pseudoRandom(1000), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{huge, "inspect " + huge + ": larger than 16777216 bytes"},
		{random, "inspect " + random + ": not a certificate, request, CRL or key"},
		{filepath.Join(dir, "missing"), "inspect " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{dir, "inspect " + dir + ": is a directory"},
	}
	for _, tc := range tests {
		_, err := inspect.File(tc.path, inspect.Options{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("File(%s) = %v, want %q", filepath.Base(tc.path), err, tc.want)
		}
	}
	if _, err := inspect.Bytes(make([]byte, inspect.MaxSize+1), inspect.Options{}); err == nil {
		t.Errorf("Inspect of %d bytes succeeded", inspect.MaxSize+1)
	}
}

// TestInspectSkipsTextAndECParameters reads what openssl writes with
// -text or ecparam -genkey: text before the block, an EC PARAMETERS block.
func TestInspectSkipsTextAndECParameters(t *testing.T) {
	text := pkitest.RunOpenSSL(t, "", "x509", "-in", fixture("proxy.cer"), "-text")
	in, err := inspect.Bytes([]byte(text), inspect.Options{Now: inspectNow})
	if err != nil {
		t.Fatal(err)
	}
	if o := only(t, in); o.Kind != inspect.KindCertificate {
		t.Errorf("x509 -text output: kind %s", o.Kind)
	}
	if o := only(t, inspectFixture(t, "ec.key")); o.PEMType != "EC PRIVATE KEY" {
		t.Errorf("ec.key: PEM type %q", o.PEMType)
	}
}

// FuzzInspect checks that no input makes Inspect or the renderers panic,
// and that every failure is one line wrapping a known error.
func FuzzInspect(f *testing.F) {
	for _, name := range []string{"chain.pem", "proxy.req.der", "ca.crl", "ca.crl.der", "ec.key", "proxy-pkcs8-encrypted.key", "proxy-legacy-encrypted.key"} {
		data, err := os.ReadFile(fixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := inspect.Bytes(data, inspect.Options{Now: inspectNow})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has a newline: %q", err)
			}
			return
		}
		if err := in.WriteText(io.Discard); err != nil {
			t.Error(err)
		}
		if _, err := in.MarshalJSON(); err != nil {
			t.Error(err)
		}
	})
}

// TestInspectPKCS12: a PKCS#12 bundle, default or legacy, is named as one,
// with the commands that open it, instead of "not a certificate, request,
// CRL or key"; it is still an ErrNotInspectable, and the password-protected
// content is not read.
func TestInspectPKCS12(t *testing.T) {
	cert, err := pki.ReadCertificate(fixture("proxy.cer"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.ReadKey(fixture("proxy.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, legacy := range []bool{false, true} {
		data, err := pki.EncodePKCS12(pki.Bundle{Key: key, Certificate: cert}, "secret", legacy)
		if err != nil {
			t.Fatal(err)
		}
		_, err = inspect.Bytes(data, inspect.Options{})
		if !errors.Is(err, inspect.ErrPKCS12) || !errors.Is(err, inspect.ErrNotInspectable) {
			t.Errorf("legacy %v: %v, want ErrPKCS12 and ErrNotInspectable", legacy, err)
		}
		if err != nil && !strings.Contains(err.Error(), "pkcs12 extract") {
			t.Errorf("legacy %v: %q does not say how to open it", legacy, err)
		}
		// A bundle with bytes after it is not taken for one.
		if _, err := inspect.Bytes(append(data, 0), inspect.Options{}); errors.Is(err, inspect.ErrPKCS12) {
			t.Errorf("legacy %v: a bundle with a trailing byte was named a PKCS#12 file", legacy)
		}
	}
}
