package pki_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

func TestCreateRequestOpenSSLVerifies(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		subject  string
		sans     string
		noDefult bool
		wantSAN  string // what openssl prints after "X509v3 Subject Alternative Name:", "" for none
	}{
		{"cn is host", "/C=US/O=Example Inc./CN=proxy.example.com", "", false, "DNS:proxy.example.com"},
		{"cn is ip", "/C=US/O=Example Inc./CN=192.0.2.10", "", false, "IP Address:192.0.2.10"},
		{"cn is no host", "/O=Example Inc./CN=Proxy Service", "", false, ""},
		{"no default san", "/C=US/CN=proxy.example.com", "", true, ""},
		{"given sans", "/CN=proxy.example.com", "DNS:proxy.example.com,DNS:*.proxy.example.com,IP:2001:db8::1,email:admin@example.com,URI:https://proxy.example.com/", false,
			"DNS:proxy.example.com, DNS:*.proxy.example.com, email:admin@example.com, IP Address:2001:DB8:0:0:0:0:0:1, URI:https://proxy.example.com/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sans, err := pki.ParseSANs(tc.sans)
			if err != nil {
				t.Fatal(err)
			}
			subject := pkitest.Name(t, tc.subject)
			der, err := pki.CreateRequest(proxyKey(t), pki.RequestTemplate{Subject: subject, SANs: sans, NoDefaultSAN: tc.noDefult})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".req")
			if err := os.WriteFile(path, pki.EncodeRequestPEM(der), 0o644); err != nil {
				t.Fatal(err)
			}
			text := pkitest.RunOpenSSL(t, dir, "req", "-verify", "-in", path, "-noout", "-text", "-nameopt", "compat")
			if got := pkitest.RunOpenSSL(t, dir, "req", "-in", path, "-noout", "-subject", "-nameopt", "compat"); strings.TrimSpace(got) != "subject="+tc.subject {
				t.Errorf("openssl sees subject %q, want %q", strings.TrimSpace(got), "subject="+tc.subject)
			}
			if !strings.Contains(text, "sha256WithRSAEncryption") {
				t.Error("request is not signed with sha256WithRSAEncryption")
			}
			gotSAN := sanLine(text)
			if gotSAN != tc.wantSAN {
				t.Errorf("SAN = %q, want %q", gotSAN, tc.wantSAN)
			}
			csr, err := pki.ParseRequest(der)
			if err != nil {
				t.Fatalf("ParseRequest of our own request: %v", err)
			}
			if !bytes.Equal(csr.Raw, der) {
				t.Error("ParseRequest of DER changed it")
			}
		})
	}
}

// sanLine returns the line after "Subject Alternative Name:" in openssl -text output.
func sanLine(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.Contains(l, "Subject Alternative Name") && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	return ""
}

func TestReadRequestFromOpenSSL(t *testing.T) {
	dir := t.TempDir()
	subject := "/C=US/O=Example Inc./CN=proxy.example.com"
	pemPath := filepath.Join(dir, "proxy.req")
	pkitest.RunOpenSSL(t, dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(dir, "proxy.key"),
		"-subj", subject, "-out", pemPath)
	derPath := filepath.Join(dir, "proxy.der")
	pkitest.RunOpenSSL(t, dir, "req", "-in", pemPath, "-outform", "DER", "-out", derPath)
	pemData, err := os.ReadFile(pemPath)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	oldPath := filepath.Join(dir, "old.req")
	if err := os.WriteFile(oldPath, pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: block.Bytes}), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{pemPath, derPath, oldPath} {
		csr, err := pki.ReadRequest(path)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		name, err := dn.ParseDER(csr.RawSubject)
		if err != nil {
			t.Fatal(err)
		}
		if name.String() != subject {
			t.Errorf("%s: subject %q, want %q", filepath.Base(path), name.String(), subject)
		}
	}
}

func TestParseRequestRejects(t *testing.T) {
	dir := t.TempDir()
	good, err := pki.CreateRequest(proxyKey(t), pki.RequestTemplate{Subject: pkitest.Name(t, "/CN=proxy.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(good)
	tampered[len(tampered)-5] ^= 0xff // inside the signature
	alteredSubject := bytes.Replace(good, []byte("proxy.example.com"), []byte("proxy.example.org"), 1)

	weakPath := filepath.Join(dir, "weak.req")
	pkitest.RunOpenSSL(t, dir, "req", "-new", "-newkey", "rsa:1024", "-nodes", "-keyout", filepath.Join(dir, "weak.key"),
		"-subj", "/CN=weak.example.com", "-out", weakPath)
	weak, _ := os.ReadFile(weakPath)
	// Signature algorithms Go's x509 does not check: named, not taken for
	// an altered request. The key of the Go-made ones is SharedKey 0.
	fromGo, err := pki.CreateRequest(pkitest.SharedKey(t, 0), pki.RequestTemplate{Subject: pkitest.Name(t, "/CN=proxy.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	pkitest.RunOpenSSL(t, dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(dir, "pss.key"),
		"-subj", "/CN=pss.example.com", "-sigopt", "rsa_padding_mode:pss", "-out", filepath.Join(dir, "pss.req"))
	pss, _ := os.ReadFile(filepath.Join(dir, "pss.req"))
	pkitest.RunOpenSSL(t, dir, "req", "-new", "-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048", "-nodes", "-keyout", filepath.Join(dir, "psskey.key"),
		"-subj", "/CN=pss.example.com", "-sigopt", "rsa_pss_saltlen:digest", "-out", filepath.Join(dir, "psskey.req"))
	pssKey, _ := os.ReadFile(filepath.Join(dir, "psskey.req"))
	cert := []byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")

	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, pki.ErrBadRequest, "neither"},
		{"text", []byte("hello"), pki.ErrBadRequest, "neither"},
		{"wrong pem type", cert, pki.ErrBadRequest, `"CERTIFICATE"`},
		{"bad base64", []byte("-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n"), pki.ErrBadRequest, "neither"},
		{"truncated der", good[:len(good)/2], pki.ErrBadRequest, "malformed"},
		{"tampered signature", tampered, pki.ErrBadRequest, "signature does not verify"},
		{"altered subject", alteredSubject, pki.ErrBadRequest, "signature does not verify"},
		{"weak key", weak, pki.ErrWeakKey, "1024-bit"},
		{"md5", md5Request(t, fromGo), pki.ErrBadRequest, "signature algorithm md5WithRSAEncryption is insecure, not accepted"},
		{"pss longest salt", pssMaxSaltRequest(t, fromGo), pki.ErrBadRequest, "signature algorithm rsassaPss (sha256, salt length 222) is not supported"},
		{"pss of openssl", pss, pki.ErrBadRequest, "signature algorithm rsassaPss (sha256, salt length 222) is not supported"},
		{"rsa-pss key of openssl", pssKey, pki.ErrWeakKey, "public key algorithm rsassaPss is not supported"},
		{"oversized", bytes.Repeat([]byte{'A'}, 70<<10), pki.ErrBadRequest, "larger than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pki.ParseRequest(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
		})
	}
}

func TestCreateRequestRejectsBadSubject(t *testing.T) {
	bad := dn.Name{{{Type: []int{2, 5, 4, 6}, Value: "USA"}}}
	_, err := pki.CreateRequest(proxyKey(t), pki.RequestTemplate{Subject: bad})
	if !errors.Is(err, dn.ErrInvalid) {
		t.Fatalf("err = %v, want dn.ErrInvalid", err)
	}
}
