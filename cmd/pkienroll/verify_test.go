package main

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// verifyFailedCode is the exit code docs/cli.md gives a verification that
// ran and found problems. It is spelled out rather than taken from main.go
// so that the tests pin the documented number.
const verifyFailedCode = 2

// runVerify runs `pkienroll verify args...` in-process.
func runVerify(t *testing.T, args ...string) result {
	t.Helper()
	return runCLI(t, append([]string{"verify"}, args...)...)
}

// verifyFixture is the engine fixture with the proxy's certificate signed,
// and the strangers an administrator may check it against by mistake.
type verifyFixture struct {
	*fixture
	cert     string // pki/certs/proxy.cer: DNS:proxy.example.com, IP:192.0.2.10; serverAuth, clientAuth
	client   string // pki/certs/client.cer: same key, clientAuth only
	otherCA  string // other/ca.pem: /C=US/O=Other Inc./CN=other-ca.example.com
	otherKey string // other/private/ca.pem, not the proxy's key
	encKey   string // proxy.key encrypted by openssl with the passphrase in passFile
	passFile string
	bundle   string // other CA then the engine CA, one file
	// CRLs (PEM; der names the DER twin): current, revoking the proxy,
	// of the other CA; all current until crlNextUpdate.
	crl, crlRevoked, crlOther string
	crlNextUpdate             time.Time
	revokedOn                 time.Time
	serial                    *big.Int
}

const (
	otherCASubject = "/C=US/O=Other Inc./CN=other-ca.example.com"
	verifyPass     = "s3cret-verify-pass"
)

func newVerifyFixture(t *testing.T) *verifyFixture {
	t.Helper()
	f := &verifyFixture{fixture: newFixture(t)}
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "proxy", "--san", "DNS:proxy.example.com,IP:192.0.2.10")
	f.cert = filepath.Join(f.pki, "certs", "proxy.cer")
	pkitest.MustCopyFile(t, f.req, filepath.Join(f.pki, "requests", "client.req"))
	mustRun(t, "-q", "sign", "--pki-dir", f.pki, "--name", "client", "--eku", "clientAuth")
	f.client = filepath.Join(f.pki, "certs", "client.cer")

	otherDir := f.path("other")
	mustRun(t, "-q", "ca", "init", "--pki-dir", otherDir, "--subject", otherCASubject)
	f.otherCA, f.otherKey = filepath.Join(otherDir, "ca.pem"), filepath.Join(otherDir, "private", "ca.pem")
	f.bundle = f.path("bundle.pem")
	writeFile(t, f.bundle, pkitest.ReadFile(t, f.otherCA)+pkitest.ReadFile(t, f.caPEM))

	f.passFile = f.path("pass.txt")
	writeFile(t, f.passFile, verifyPass+"\n")
	f.encKey = f.path("proxy-enc.key")
	openssl(t, "pkey", "-in", f.key, "-aes256", "-passout", "file:"+f.passFile, "-out", f.encKey)

	cert := pkitest.ReadCert(t, f.cert)
	f.serial = cert.SerialNumber
	now := time.Now()
	f.revokedOn = now.Add(-2 * time.Hour)
	f.crlNextUpdate = now.Add(30 * 24 * time.Hour)
	f.crl = f.writeCRL(t, "current", f.caPEM, filepath.Join(f.pki, "private", "ca.pem"), now, nil)
	f.crlRevoked = f.writeCRL(t, "revoked", f.caPEM, filepath.Join(f.pki, "private", "ca.pem"), now,
		[]x509.RevocationListEntry{{SerialNumber: f.serial, RevocationTime: f.revokedOn, ReasonCode: 1}})
	f.crlOther = f.writeCRL(t, "other", f.otherCA, f.otherKey, now, nil)
	return f
}

// writeCRL signs a CRL with the CA's key, current from an hour before now
// to crlNextUpdate, and writes it as NAME.pem and, in DER, NAME.crl. It
// returns the PEM file's path; der gives the other.
func (f *verifyFixture) writeCRL(t *testing.T, name, caPath, keyPath string, now time.Time, revoked []x509.RevocationListEntry) string {
	t.Helper()
	ca := pkitest.ReadCert(t, caPath)
	key, err := pki.ReadKey(keyPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: f.crlNextUpdate, RevokedCertificateEntries: revoked,
	}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	path := f.path(name + ".pem")
	writeFile(t, path, string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: data})))
	writeFile(t, der(path), string(data))
	return path
}

// der is the DER twin of a CRL that writeCRL wrote.
func der(pemPath string) string { return strings.TrimSuffix(pemPath, ".pem") + ".crl" }

func ymd(t time.Time) string { return t.UTC().Format("2006-01-02") }

func TestVerify(t *testing.T) {
	f := newVerifyFixture(t)
	cert := pkitest.ReadCert(t, f.cert)
	ca := pkitest.ReadCert(t, f.caPEM)
	chainOK := "ok   chain: signed by " + caSubject
	validOK := "ok   validity: valid until " + ymd(cert.NotAfter)
	usageOK := "ok   usage: serverAuth allowed (extended key usage serverAuth, clientAuth)"
	far := cert.NotAfter.Add(24 * time.Hour)
	sans := "(DNS:proxy.example.com, IP:192.0.2.10)"

	tests := []struct {
		name string
		args []string
		ok   []string // prefixes of the lines on stdout, in order
		bad  []string // prefixes of the lines on stderr after "pkienroll: FAILED "
		// openssl verify, run on the same files with these extra
		// arguments, must fail with this message ("" succeed); nil skips.
		openssl     []string
		opensslSays string
	}{
		{name: "minimal", args: []string{"--ca", f.caPEM, "--cert", f.cert},
			ok: []string{chainOK, validOK, usageOK}, openssl: []string{"-CAfile", f.caPEM}},
		{name: "every check", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.key, "--host", proxyCN, "--crl", f.crl},
			ok: []string{chainOK, validOK, "ok   key: key matches the certificate", "ok   host: proxy.example.com in SANs " + sans,
				"ok   revocation: not revoked (CRL of " + caSubject, usageOK},
			openssl: []string{"-CAfile", f.caPEM, "-verify_hostname", proxyCN, "-crl_check", "-CRLfile", f.crl}},
		{name: "DER CRL and bundle", args: []string{"--ca", f.bundle, "--cert", f.cert, "--crl", der(f.crl)},
			ok: []string{chainOK, validOK, "ok   revocation: not revoked", usageOK}},
		{name: "encrypted key", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.encKey, "--passphrase-file", f.passFile},
			ok: []string{chainOK, validOK, "ok   key: key matches", usageOK}},
		{name: "IP host", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--host", "192.0.2.10"},
			ok:      []string{chainOK, validOK, "ok   host: 192.0.2.10 in SANs " + sans, usageOK},
			openssl: []string{"-CAfile", f.caPEM, "-verify_ip", "192.0.2.10"}},
		{name: "at a date", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--at", ymd(cert.NotAfter.Add(-48 * time.Hour))},
			ok: []string{chainOK, "ok   validity: valid until " + ymd(cert.NotAfter) + " (2 days left)", usageOK}},

		{name: "expired", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--at", far.Format(time.RFC3339)},
			ok: []string{chainOK, usageOK}, bad: []string{"validity: expired on " + ymd(cert.NotAfter)},
			openssl: []string{"-CAfile", f.caPEM, "-attime", unix(far)}, opensslSays: "certificate has expired"},
		{name: "not yet valid", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--at", "2001-02-03"},
			ok:      []string{usageOK},
			bad:     []string{"chain: CA " + caSubject + " not yet valid until " + ymd(ca.NotBefore), "validity: not yet valid until " + ymd(cert.NotBefore)},
			openssl: []string{"-CAfile", f.caPEM, "-attime", unix(time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC))}, opensslSays: "certificate is not yet valid"},
		// Go's zero time, which verify.Options once read as "now".
		{name: "at year 1", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--at", "0001-01-01"},
			ok:      []string{usageOK},
			bad:     []string{"chain: CA " + caSubject + " not yet valid until " + ymd(ca.NotBefore), "validity: not yet valid until " + ymd(cert.NotBefore)},
			openssl: []string{"-CAfile", f.caPEM, "-attime", unix(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))}, opensslSays: "certificate is not yet valid"},
		{name: "at year 1, RFC 3339", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--at", "0001-01-01T00:00:00Z"},
			ok:  []string{usageOK},
			bad: []string{"chain: CA " + caSubject + " not yet valid until " + ymd(ca.NotBefore), "validity: not yet valid until " + ymd(cert.NotBefore)}},
		{name: "other CA", args: []string{"--ca", f.otherCA, "--cert", f.cert},
			ok:      []string{validOK, usageOK},
			bad:     []string{"chain: signed by another CA (issuer " + caSubject + ", CA file holds " + otherCASubject + ")"},
			openssl: []string{"-CAfile", f.otherCA}, opensslSays: "unable to get local issuer certificate"},
		{name: "key mismatch", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.otherKey},
			ok: []string{chainOK, validOK, usageOK}, bad: []string{"key: key does not match the certificate"}},
		{name: "host not in SANs", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--host", "engine.example.com"},
			ok: []string{chainOK, validOK, usageOK}, bad: []string{"host: engine.example.com not in SANs " + sans},
			openssl: []string{"-CAfile", f.caPEM, "-verify_hostname", "engine.example.com"}, opensslSays: "hostname mismatch"},
		{name: "IP host not in SANs", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--host", "192.0.2.99"},
			ok: []string{chainOK, validOK, usageOK}, bad: []string{"host: 192.0.2.99 not in SANs " + sans},
			openssl: []string{"-CAfile", f.caPEM, "-verify_ip", "192.0.2.99"}, opensslSays: "IP address mismatch"},
		{name: "revoked", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--crl", der(f.crlRevoked)},
			ok: []string{chainOK, validOK, usageOK}, bad: []string{"revocation: revoked on " + ymd(f.revokedOn) + " (keyCompromise)"},
			openssl: []string{"-CAfile", f.caPEM, "-crl_check", "-CRLfile", f.crlRevoked}, opensslSays: "certificate revoked"},
		{name: "CRL of another CA", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--crl", f.crlOther},
			ok:      []string{chainOK, validOK, usageOK},
			bad:     []string{"revocation: CRL signed by another CA (CRL issuer " + otherCASubject + ", certificate issuer " + caSubject + ")"},
			openssl: []string{"-CAfile", f.caPEM, "-crl_check", "-CRLfile", f.crlOther}, opensslSays: "unable to get certificate CRL"},
		{name: "CRL expired at --at", args: []string{"--ca", f.caPEM, "--cert", f.cert, "--crl", f.crl, "--at", f.crlNextUpdate.Add(24 * time.Hour).Format(time.RFC3339)},
			ok: []string{chainOK, "ok   validity:", usageOK}, bad: []string{"revocation: CRL expired on " + ymd(f.crlNextUpdate)},
			openssl: []string{"-CAfile", f.caPEM, "-crl_check", "-CRLfile", f.crl, "-attime", unix(f.crlNextUpdate.Add(24 * time.Hour))}, opensslSays: "CRL has expired"},
		{name: "clientAuth only", args: []string{"--ca", f.caPEM, "--cert", f.client},
			ok: []string{chainOK, "ok   validity:"}, bad: []string{"usage: extended key usage lacks serverAuth (has clientAuth)"},
			openssl: []string{"-CAfile", f.caPEM, "-purpose", "sslserver"}, opensslSays: "unsuitable certificate purpose"},
		{name: "several failures", args: []string{"--ca", f.otherCA, "--cert", f.client, "--key", f.otherKey, "--host", "engine.example.com", "--crl", f.crlRevoked, "--at", far.Format(time.RFC3339)},
			bad: []string{"chain: signed by another CA", "validity: expired on ", "key: key does not match", "host: engine.example.com not in SANs",
				"revocation: cannot check the CRL", "usage: extended key usage lacks serverAuth"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runVerify(t, tc.args...)
			t.Logf("pkienroll verify %s\n%s", strings.Join(tc.args, " "), r)
			wantCode := exitOK
			if tc.bad != nil {
				wantCode = verifyFailedCode
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d", r.code, wantCode)
			}
			checkLines(t, "stdout", r.stdout, "", tc.ok)
			checkLines(t, "stderr", r.stderr, "pkienroll: FAILED ", tc.bad)
			checkNoSecrets(t, r.stdout+r.stderr, verifyPass)
			if tc.openssl != nil {
				checkOpenSSLVerify(t, tc.openssl, tc.args, tc.opensslSays)
			}
		})
	}
}

// checkLines checks that output has one line per want, each starting with
// prefix+want.
func checkLines(t *testing.T, what, output, prefix string, want []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(output, "\n"), "\n")
	if output == "" {
		lines = nil
	} else if !strings.HasSuffix(output, "\n") {
		t.Errorf("%s does not end with a newline", what)
	}
	if len(lines) != len(want) {
		t.Errorf("%s has %d lines, want %d: %q", what, len(lines), len(want), output)
		return
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], prefix+w) {
			t.Errorf("%s line %d is %q, want it to start with %q", what, i+1, lines[i], prefix+w)
		}
	}
}

// checkOpenSSLVerify runs `openssl verify extra... CERT` with the --cert of
// args: it must fail saying says, or succeed when says is "".
func checkOpenSSLVerify(t *testing.T, extra, args []string, says string) {
	t.Helper()
	pkitest.OpenSSL(t)
	var cert string
	for i, a := range args {
		if a == "--cert" {
			cert = args[i+1]
		}
	}
	cmdArgs := append(append([]string{"verify"}, extra...), cert)
	out, err := exec.Command("openssl", cmdArgs...).CombinedOutput()
	switch {
	case says == "" && err != nil:
		t.Errorf("openssl %s failed, we pass:\n%s", strings.Join(cmdArgs, " "), out)
	case says != "" && err == nil:
		t.Errorf("openssl %s succeeded, we fail:\n%s", strings.Join(cmdArgs, " "), out)
	case says != "" && !bytes.Contains(out, []byte(says)):
		t.Errorf("openssl %s says\n%s\nwant %q", strings.Join(cmdArgs, " "), out, says)
	}
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func TestVerifyBadInput(t *testing.T) {
	f := newVerifyFixture(t)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"cert missing", []string{"--ca", f.caPEM, "--cert", f.path("nope.cer")}, exitError, []string{"nope.cer", "no such file"}},
		{"cert is a key", []string{"--ca", f.caPEM, "--cert", f.key}, exitError, []string{"proxy.key", "not a certificate"}},
		{"CA missing", []string{"--ca", f.path("nope.pem"), "--cert", f.cert}, exitError, []string{"nope.pem", "no such file"}},
		{"CA is a key", []string{"--ca", f.key, "--cert", f.cert}, exitError, []string{"proxy.key", `only "PRIVATE KEY"`, "not a certificate"}},
		{"CA is a request", []string{"--ca", f.req, "--cert", f.cert}, exitError, []string{"proxy.req", "CERTIFICATE REQUEST", "not a certificate"}},
		{"key missing", []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.path("nope.key")}, exitError, []string{"nope.key", "no such file"}},
		{"key is a certificate", []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.cert}, exitError, []string{"proxy.cer", "not a private key"}},
		{"key encrypted, no passphrase", []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.encKey}, exitError, []string{"proxy-enc.key", "passphrase"}},
		{"key wrong passphrase", []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.encKey, "--passphrase-file", f.caPEM}, exitError, []string{"proxy-enc.key", "passphrase"}},
		{"passphrase without key", []string{"--ca", f.caPEM, "--cert", f.cert, "--passphrase-file", f.passFile}, exitError, []string{"passphrase", "--key"}},
		{"CRL missing", []string{"--ca", f.caPEM, "--cert", f.cert, "--crl", f.path("nope.crl")}, exitError, []string{"nope.crl", "no such file"}},
		{"CRL is a certificate", []string{"--ca", f.caPEM, "--cert", f.cert, "--crl", f.cert}, exitError, []string{"proxy.cer", "not an \"X509 CRL\""}},
		{"at unreadable", []string{"--ca", f.caPEM, "--cert", f.cert, "--at", "tomorrow"}, exitUsage, []string{"--at", "tomorrow", "RFC 3339"}},
		{"at without zone", []string{"--ca", f.caPEM, "--cert", f.cert, "--at", "2026-01-02T10:00:00"}, exitUsage, []string{"--at"}},
		{"no CA", []string{"--cert", f.cert}, exitUsage, []string{"--ca"}},
		{"no cert", []string{"--ca", f.caPEM}, exitUsage, []string{"--cert"}},
		{"two passphrase sources", []string{"--ca", f.caPEM, "--cert", f.cert, "--key", f.encKey, "--passphrase-file", f.passFile, "--passphrase-env", "X"}, exitUsage, []string{"--passphrase-file", "--passphrase-env"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runVerify(t, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty: %q", r.stdout)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "pkienroll: ") {
				t.Errorf("stderr is not one line starting with %q: %q", "pkienroll: ", r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q lacks %q", r.stderr, w)
				}
			}
			checkNoSecrets(t, r.stderr, verifyPass)
		})
	}
}

// TestVerifyBinaryExitCodes checks exit 2 through os.Exit, as a script
// sees it.
func TestVerifyBinaryExitCodes(t *testing.T) {
	f := newVerifyFixture(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"ok", []string{"verify", "--ca", f.caPEM, "--cert", f.cert}, exitOK},
		{"failed check", []string{"verify", "--ca", f.otherCA, "--cert", f.cert}, verifyFailedCode},
		{"input error", []string{"verify", "--ca", f.caPEM, "--cert", f.path("nope")}, exitError},
		{"usage", []string{"verify", "--cert", f.cert}, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := runBinary(t, "022", tc.args...); r.code != tc.code {
				t.Errorf("pkienroll %s:\n%s\nwant exit %d", strings.Join(tc.args, " "), r, tc.code)
			}
		})
	}
}
