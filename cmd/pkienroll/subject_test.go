package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

func TestSubject(t *testing.T) {
	f := newFixture(t)
	const proxyJSON = `[[{"type":"C","oid":"2.5.4.6","value":"US"}],` +
		`[{"type":"O","oid":"2.5.4.10","value":"Example Inc."}],` +
		`[{"type":"CN","oid":"2.5.4.3","value":"proxy.example.com"}]]`
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"CA subject", []string{"--cert", f.caPEM}, caSubject},
		{"CA subject from DER", []string{"--cert", filepath.Join(f.pki, "certs", "ca.der")}, caSubject},
		{"derived", []string{"--cert", f.caPEM, "--cn", proxyCN}, proxySubject},
		{"derived openssl format", []string{"--cert", f.caPEM, "--cn", proxyCN, "--format", "openssl"}, proxySubject},
		{"derived rfc4514", []string{"--cert", f.caPEM, "--cn", proxyCN, "--format", "rfc4514"}, "CN=proxy.example.com,O=Example Inc.,C=US"},
		{"derived json", []string{"--cert", f.caPEM, "--cn", proxyCN, "--format", "json"}, proxyJSON},
		{"slash", []string{"--subject", proxySubject}, proxySubject},
		{"rfc4514 in", []string{"--subject", "CN=proxy.example.com,O=Example Inc.,C=US"}, proxySubject},
		{"openssl 3 output", []string{"--subject", "subject=C = US, O = Example Inc., CN = proxy.example.com"}, proxySubject},
		{"openssl 1 output", []string{"--subject", "subject= /C=US/O=Example Inc./CN=proxy.example.com"}, proxySubject},
		{"subject derived", []string{"--subject", caSubject, "--cn", proxyCN}, proxySubject},
		{"no CN to replace", []string{"--subject", "/C=US/O=Example Inc.", "--cn", proxyCN}, proxySubject},
		{"escaped slash", []string{"--subject", `/O=A\/B/CN=x`}, `/O=A\/B/CN=x`},
		{"multi-valued RDN", []string{"--subject", "/O=Example/OU=a+CN=b", "--format", "rfc4514"}, "CN=b+OU=a,O=Example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, append([]string{"subject"}, tc.args...)...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("subject %s:\n%s", strings.Join(tc.args, " "), r)
			}
			if r.stdout != tc.want+"\n" {
				t.Errorf("subject %s printed %q, want %q", strings.Join(tc.args, " "), r.stdout, tc.want+"\n")
			}
		})
	}
}

// TestSubjectOpenSSLRoundTrip makes certificates with openssl and checks
// that we print the subject in slash form as openssl does, and that we read
// back every form openssl prints it in.
func TestSubjectOpenSSLRoundTrip(t *testing.T) {
	pkitest.OpenSSL(t)
	tests := []struct {
		subj string // given to openssl req -subj
		want string // what we print: the slash form, in the certificate's order
	}{
		{caSubject, caSubject},
		{"/C=US/ST=North Carolina/L=Raleigh/O=Example, Inc./OU=Proxies/CN=proxy.example.com/emailAddress=root@example.com",
			"/C=US/ST=North Carolina/L=Raleigh/O=Example, Inc./OU=Proxies/CN=proxy.example.com/emailAddress=root@example.com"},
		{`/O=Slash\/Inc./CN=x.example.com`, `/O=Slash\/Inc./CN=x.example.com`},
		{`/O=Quote "q" Inc./CN=x.example.com`, `/O=Quote "q" Inc./CN=x.example.com`},
		// DER sorts the members of a multi-valued RDN; openssl prints them so.
		{"/O=Example/OU=a+CN=b", "/O=Example/CN=b+OU=a"},
		{"/C=DE/O=Müller GmbH/CN=proxy.example.de", "/C=DE/O=Müller GmbH/CN=proxy.example.de"},
	}
	for _, tc := range tests {
		t.Run(tc.subj, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cert := filepath.Join(dir, "c.pem")
			openssl(t, "req", "-x509", "-utf8", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
				"-keyout", filepath.Join(dir, "k.pem"), "-subj", tc.subj, "-days", "1", "-out", cert)
			if got := mustRun(t, "subject", "--cert", cert); got != tc.want+"\n" {
				t.Errorf("subject --cert printed %q, want %q", got, tc.want+"\n")
			}
			// openssl 3's default (oneline), RFC 2253, and OpenSSL 1.x's
			// default (compat, with non-ASCII bytes as \xHH).
			for _, nameopt := range [][]string{nil, {"-nameopt", "RFC2253"}, {"-nameopt", "compat"}} {
				args := append([]string{"x509", "-in", cert, "-noout", "-subject"}, nameopt...)
				printed := strings.TrimSuffix(openssl(t, args...), "\n")
				r := runCLI(t, "subject", "--subject", printed)
				if r.code != 0 || r.stdout != tc.want+"\n" {
					t.Errorf("subject --subject %q (openssl %v):\n%s\nwant stdout %q", printed, nameopt, r, tc.want)
				}
			}
		})
	}
}

func TestSubjectBadInput(t *testing.T) {
	checkBadInput(t, []badCase{
		{name: "cert missing", args: flags("subject", "--cert", "{dir}/nope.pem"), code: exitError,
			want: []string{"nope.pem", "no such file"}},
		{name: "cert empty", args: flags("subject", "--cert", ""), code: exitUsage,
			want: []string{"--cert", "empty"}},
		{name: "cert is a request", args: flags("subject", "--cert", "{req}"), code: exitError,
			want: []string{"proxy.req", "not a certificate"}},
		{name: "cert is a key", args: flags("subject", "--cert", "{key}"), code: exitError,
			want: []string{"proxy.key", "not a certificate"}},
		{name: "subject unknown attribute", args: flags("subject", "--subject", "/XX=1"), code: exitUsage,
			want: []string{"--subject", `"XX"`}},
		{name: "subject empty", args: flags("subject", "--subject", ""), code: exitUsage,
			want: []string{"--subject", "empty"}},
		{name: "cn too long", args: flags("subject", "--cert", "{ca}", "--cn", strings.Repeat("a", 65)), code: exitError,
			want: []string{"CN", "longer than 64"}},
		{name: "cn empty", args: flags("subject", "--cert", "{ca}", "--cn="), code: exitUsage,
			want: []string{"--cn is empty"}},
		{name: "cert and subject", args: flags("subject", "--cert", "{ca}", "--subject", proxySubject), code: exitUsage,
			want: []string{"--cert", "--subject"}},
		{name: "neither", args: flags("subject"), code: exitUsage,
			want: []string{"missing one of --cert=FILE or --subject=TEXT"}},
		{name: "format unknown", args: flags("subject", "--subject", proxySubject, "--format", "xml"), code: exitUsage,
			want: []string{"--format", `"xml"`}},
		{name: "unknown command", args: flags("subjects"), code: exitUsage,
			want: []string{"unexpected argument subjects"}},
	})
}

// TestTrustedCertificateFlags: subject --cert and verify --ca read the
// TRUSTED CERTIFICATE that `openssl x509 -trustout` writes.
func TestTrustedCertificateFlags(t *testing.T) {
	f := newFixture(t)
	trusted := f.path("trusted.pem")
	openssl(t, "x509", "-in", f.caPEM, "-addtrust", "serverAuth", "-trustout", "-out", trusted)
	if got := mustRun(t, "subject", "--cert", trusted); got != caSubject+"\n" {
		t.Errorf("subject --cert of a TRUSTED CERTIFICATE = %q, want %s", got, caSubject)
	}
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy")
	out := mustRun(t, "verify", "--ca", trusted, "--cert", f.path("pki", "certs", "proxy.cer"))
	if !strings.Contains(out, "ok   chain") {
		t.Errorf("verify --ca of a TRUSTED CERTIFICATE:\n%s", out)
	}
}
