package dn_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// interopSubjects are written with String() and handed to `openssl req
// -subj`; everything openssl then prints about them must parse back to the
// same name.
var interopSubjects = []struct{ name, subj string }{
	{"plain", "/C=US/ST=California/L=San Francisco/O=Example Inc./OU=Engines/CN=proxy.example.com/emailAddress=ops@example.com"},
	{"comma", "/C=US/O=Example, Inc./CN=proxy.example.com"},
	{"multi-valued", "/C=US/O=Example Inc./CN=proxy.example.com+UID=p1"},
	{"utf8", "/C=DE/O=Müller GmbH/CN=Jürgen Müller 日本"},
	{"quotes", `/C=US/CN=say "hi"`},
	{"escaped slash plus backslash", `/O=a\/b/OU=x\+y/CN=c\\d`},
	{"specials", `/CN=#1 <a>; b=c/OU= lead/L=trail /ST=a = b`},
	{"printable and ia5 types", "/DC=com/DC=example/serialNumber=1234/dnQualifier=q/CN=x"},
	{"most specific first", "/CN=x/O=o/C=US"},
}

func TestNameOpenSSLInterop(t *testing.T) {
	pkitest.OpenSSL(t)
	dir := t.TempDir()
	pkitest.RunOpenSSL(t, dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "k.pem")
	for i, tt := range interopSubjects {
		t.Run(tt.name, func(t *testing.T) {
			n := derOrder(t, mustParse(t, tt.subj))
			cert := filepath.Join(dir, "c"+string(rune('0'+i))+".pem")
			// -utf8: without it openssl reads -subj as Latin-1 and
			// encodes UTF-8 input twice.
			pkitest.RunOpenSSL(t, dir, "req", "-x509", "-utf8", "-key", "k.pem", "-subj", n.String(), "-out", cert, "-days", "1")
			c := readNameTestCert(t, cert)

			got, err := dn.FromCertificate(c)
			if err != nil {
				t.Fatal(err)
			}
			assertSameName(t, got, n)

			der, err := n.MarshalDER()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(der, c.RawSubject) {
				t.Errorf("MarshalDER = %x\nopenssl wrote %x", der, c.RawSubject)
			}

			for _, opt := range []string{"", "oneline", "compat", "RFC2253"} {
				args := []string{"x509", "-in", cert, "-noout", "-subject"}
				if opt != "" {
					args = append(args, "-nameopt", opt)
				}
				out := pkitest.RunOpenSSL(t, dir, args...)
				inputs := []string{out}
				if opt == "RFC2253" {
					inputs = append(inputs, strings.TrimPrefix(out, "subject="))
				}
				for _, in := range inputs {
					p, err := dn.Parse(in)
					if err != nil {
						t.Errorf("-nameopt %q: Parse(%q): %v", opt, in, err)
						continue
					}
					assertSameName(t, p, n)
				}
				if opt == "compat" {
					if want := strings.TrimSuffix(strings.TrimPrefix(out, "subject="), "\n"); got.OneLine() != want {
						t.Errorf("OneLine() = %q, openssl prints %q", got.OneLine(), want)
					}
				}
			}
		})
	}
}

// TestNameOneLineOpenSSLCA checks OneLine against the subject column that
// `openssl ca` writes to database.txt.
func TestNameOneLineOpenSSLCA(t *testing.T) {
	pkitest.OpenSSL(t)
	dir := t.TempDir()
	conf := `[ca]
default_ca = ca_default
[ca_default]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_none
unique_subject = no
[policy_none]
`
	for name, content := range map[string]string{"ca.cnf": conf, "index.txt": "", "serial": "1000\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n := derOrder(t, mustParse(t, `/C=DE/O=a\/b\\c Müller/CN=x\+y+UID=é/OU=Tab, "q"`))
	pkitest.RunOpenSSL(t, dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-subj", "/CN=ca", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2")
	pkitest.RunOpenSSL(t, dir, "req", "-new", "-utf8", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-subj", n.String(), "-keyout", "l.key", "-out", "l.csr")
	pkitest.RunOpenSSL(t, dir, "ca", "-batch", "-config", "ca.cnf", "-preserveDN", "-utf8", "-cert", "ca.crt",
		"-keyfile", "ca.key", "-in", "l.csr", "-out", "l.crt", "-days", "1")

	db, err := os.ReadFile(filepath.Join(dir, "index.txt"))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Split(strings.TrimSuffix(string(db), "\n"), "\t")
	if len(fields) != 6 {
		t.Fatalf("index.txt line has %d fields: %q", len(fields), db)
	}
	issued, err := dn.FromCertificate(readNameTestCert(t, filepath.Join(dir, "l.crt")))
	if err != nil {
		t.Fatal(err)
	}
	assertSameName(t, issued, n)
	if got := n.OneLine(); got != fields[5] {
		t.Errorf("OneLine() = %q, database.txt has %q", got, fields[5])
	}
	back, err := dn.ParseOneLine(fields[5])
	if err != nil {
		t.Fatal(err)
	}
	assertSameName(t, back, n)
}

func readNameTestCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// derOrder returns n with the members of each multi-valued RDN in the order
// DER sorts them to, which is how they come back from a certificate.
func derOrder(t *testing.T, n dn.Name) dn.Name {
	t.Helper()
	der, err := n.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	sorted, err := dn.ParseDER(der)
	if err != nil {
		t.Fatal(err)
	}
	return sorted
}
