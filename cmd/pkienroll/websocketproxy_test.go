package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// wspCN is the websocket proxy's name in these tests.
const wspCN = "wsp.example.com"

// TestWebsocketProxyConfigDefault checks that --help shows the library's
// default of --out.
func TestWebsocketProxyConfigDefault(t *testing.T) {
	if help := runCLI(t, "websocket-proxy", "config", "--help").stdout; !strings.Contains(help, proxy.DefaultWebsocketConfig) {
		t.Errorf("websocket-proxy config --help does not show the default --out %s:\n%s", proxy.DefaultWebsocketConfig, help)
	}
}

// me is the account the tests run as: files can always be given to it.
func me(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// wspFiles are an engine's PKI directory and a websocket proxy host's,
// made by the commands under test, and what bad input needs beside them.
type wspFiles struct {
	dir       string
	enginePKI string // the engine's PKI directory
	proxyPKI  string // the proxy host's
	conf      string // where the configuration goes
	otherKey  string // a key of no certificate
	foreignCA string // the CA certificate of another CA, with the same name
}

var (
	wspOnce     sync.Once
	wspTemplate wspFiles
	wspErr      error
)

// newWspFiles copies a template made once by the commands themselves:
// request, sign, engine-cert --from.
func newWspFiles(t *testing.T) wspFiles {
	t.Helper()
	wspOnce.Do(func() { wspTemplate, wspErr = makeWspTemplate(me(t)) })
	if wspErr != nil {
		t.Fatalf("make websocket proxy files: %v", wspErr)
	}
	dir := t.TempDir()
	if err := pkitest.CopyTree(wspTemplate.dir, dir); err != nil {
		t.Fatal(err)
	}
	return wspFiles{
		dir:       dir,
		enginePKI: filepath.Join(dir, "engine", "pki"),
		proxyPKI:  filepath.Join(dir, "proxy", "pki"),
		conf:      filepath.Join(dir, "proxy", "etc", "10-setup.conf"),
		otherKey:  filepath.Join(dir, "other.key"),
		foreignCA: filepath.Join(dir, "foreign", "ca.pem"),
	}
}

func makeWspTemplate(owner string) (wspFiles, error) {
	dir := filepath.Join(tmpRoot, "websocket-proxy")
	f := wspFiles{
		dir: dir, enginePKI: filepath.Join(dir, "engine", "pki"), proxyPKI: filepath.Join(dir, "proxy", "pki"),
		otherKey: filepath.Join(dir, "other.key"), foreignCA: filepath.Join(dir, "foreign", "ca.pem"),
	}
	for _, d := range []string{f.proxyPKI, filepath.Dir(f.enginePKI), filepath.Dir(f.foreignCA)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return f, err
		}
	}
	req := "websocket-proxy-" + wspCN
	steps := [][]string{
		{"ca", "init", "--pki-dir", f.enginePKI, "--subject", caSubject},
		{"ca", "init", "--pki-dir", filepath.Dir(f.foreignCA), "--subject", caSubject},
		{"keygen", "--out", f.otherKey},
		{"websocket-proxy", "request", "--pki-dir", f.proxyPKI, "--ca", filepath.Join(f.enginePKI, "ca.pem"), "--fqdn", wspCN, "--owner", owner},
		{"copy", filepath.Join(f.proxyPKI, "requests", req+".req"), filepath.Join(f.enginePKI, "requests", req+".req")},
		{"websocket-proxy", "sign", "--pki-dir", f.enginePKI, "--fqdn", wspCN},
		{"copy", filepath.Join(f.enginePKI, "certs", req+".cer"), filepath.Join(f.proxyPKI, "certs", "websocket-proxy.cer")},
		{"copy", filepath.Join(f.enginePKI, "ca.pem"), filepath.Join(f.proxyPKI, "ca.pem")},
		// The engine's own certificate, as engine-setup makes it.
		{"request", "--ca-cert", filepath.Join(f.enginePKI, "ca.pem"), "--cn", "engine.example.com",
			"--keyout", filepath.Join(dir, "engine", "engine.key"), "--out", filepath.Join(f.enginePKI, "requests", "engine.req")},
		{"sign", "--pki-dir", f.enginePKI, "--name", "engine"},
		{"websocket-proxy", "engine-cert", "--pki-dir", f.proxyPKI, "--from", filepath.Join(f.enginePKI, "certs", "engine.cer"), "--owner", owner},
	}
	for _, args := range steps {
		if args[0] == "copy" {
			if err := pkitest.CopyFile(args[1], args[2]); err != nil {
				return f, err
			}
			continue
		}
		var out strings.Builder
		if code := run(context.Background(), append([]string{"-q"}, args...), &out, &out); code != 0 {
			return f, fmt.Errorf("pkienroll %s: exit %d: %s", strings.Join(args, " "), code, out.String())
		}
	}
	return f, nil
}

// TestWebsocketProxyFlow is the enrollment as the guide runs it, each file
// checked with openssl: the request as engine-setup asks for it, the
// certificate for 825 days, the engine's certificate, 10-setup.conf.
func TestWebsocketProxyFlow(t *testing.T) {
	pkitest.OpenSSL(t)
	f := newWspFiles(t)
	files := proxy.WebsocketFilesIn(f.proxyPKI)
	req := filepath.Join(f.proxyPKI, "requests", "websocket-proxy-"+wspCN+".req")
	openssl(t, "req", "-verify", "-noout", "-in", req)
	if got := openssl(t, "req", "-noout", "-subject", "-nameopt", "compat", "-in", req); got != "subject=/C=US/O=Example Inc./CN="+wspCN+"\n" {
		t.Errorf("request subject %q", got)
	}
	if got := openssl(t, "req", "-noout", "-text", "-in", req); !strings.Contains(got, "DNS:"+wspCN) {
		t.Errorf("request has no DNS:%s:\n%s", wspCN, got)
	}
	if mode := fileMode(t, files.Key); mode != 0o600 {
		t.Errorf("key mode %04o, want 0600", mode)
	}
	if mode := fileMode(t, files.EngineCert); mode != 0o600 {
		t.Errorf("engine certificate mode %04o, want 0600", mode)
	}
	if out := openssl(t, "verify", "-CAfile", filepath.Join(f.proxyPKI, "ca.pem"), "-purpose", "sslserver", files.Cert); out != files.Cert+": OK\n" {
		t.Errorf("openssl verify: %q", out)
	}
	if out := openssl(t, "verify", "-CAfile", filepath.Join(f.proxyPKI, "ca.pem"), files.EngineCert); out != files.EngineCert+": OK\n" {
		t.Errorf("openssl verify: %q", out)
	}
	if openssl(t, "x509", "-in", files.Cert, "-noout", "-pubkey") != openssl(t, "pkey", "-in", files.Key, "-pubout") {
		t.Error("the certificate is not for the proxy's key")
	}
	cert := pkitest.ReadCert(t, files.Cert)
	if days := cert.NotAfter.Sub(cert.NotBefore).Hours() / 24; days < 824 || days > 826 {
		t.Errorf("certificate valid %.1f days, want 825 (Apple's limit), as sign --days 825 counts them", days)
	}
	// The engine's CA index knows it by the engine's name for it.
	if !strings.Contains(pkitest.ReadFile(t, filepath.Join(f.enginePKI, "database.txt")), "/CN="+wspCN) {
		t.Error("database.txt does not list the websocket proxy's certificate")
	}

	r := runCLI(t, "websocket-proxy", "config", "--pki-dir", f.proxyPKI, "--fqdn", wspCN, "--out", f.conf, "--owner", me(t))
	if r.code != 0 {
		t.Fatal(r)
	}
	pkitest.Golden(t, filepath.Join("testdata", "websocket-proxy-config.golden"), r.stdout, *update)
	if mode := fileMode(t, f.conf); mode != 0o644 {
		t.Errorf("10-setup.conf mode %04o, want 0644", mode)
	}
	values, err := proxy.ParseWebsocketConfig([]byte(pkitest.ReadFile(t, f.conf)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"PROXY_PORT": "6100", "SSL_CERTIFICATE": files.Cert, "SSL_KEY": files.Key,
		"CERT_FOR_DATA_VERIFICATION": files.EngineCert, "SSL_ONLY": "True"} {
		if values[k] != v {
			t.Errorf("10-setup.conf: %s=%q, want %q", k, values[k], v)
		}
	}
	// Again, with --force: replaced, the old one kept. A leading zero is
	// decimal, as Squid's --listen reads it (kong's mapper made 016100
	// octal 7232).
	r = runCLI(t, "websocket-proxy", "config", "--pki-dir", f.proxyPKI, "--fqdn", wspCN, "--port", "016100", "--out", f.conf, "--owner", me(t), "--force")
	if r.code != 0 || !strings.Contains(r.stderr, "kept previous configuration") {
		t.Fatal(r)
	}
	if !strings.Contains(pkitest.ReadFile(t, f.conf), "PROXY_PORT=16100\n") || !strings.Contains(r.stdout, "WebSocketProxy="+wspCN+":16100\n") ||
		len(backups(t, f.conf)) != 1 {
		t.Errorf("--force: %q, backups %q", pkitest.ReadFile(t, f.conf), backups(t, f.conf))
	}
	// A second request reuses the key, as engine-setup does on renewal.
	key := pkitest.ReadFile(t, files.Key)
	r = runCLI(t, "websocket-proxy", "request", "--pki-dir", f.proxyPKI, "--fqdn", wspCN, "--owner", "", "--force")
	if r.code != 0 || !strings.Contains(r.stderr, "using existing key") || pkitest.ReadFile(t, files.Key) != key {
		t.Errorf("second request: %s", r)
	}
}

// TestWebsocketProxySignDays: --days is passed on, and 825 is the default
// whatever sign's own default is.
func TestWebsocketProxySignDays(t *testing.T) {
	f := newWspFiles(t)
	for _, days := range []int{30, 0} {
		args := []string{"websocket-proxy", "sign", "--pki-dir", f.enginePKI, "--fqdn", wspCN}
		want := 825
		if days != 0 {
			args, want = append(args, "--days", strconv.Itoa(days)), days
		}
		mustRun(t, args...)
		cert := pkitest.ReadCert(t, filepath.Join(f.enginePKI, "certs", "websocket-proxy-"+wspCN+".cer"))
		// How sign counts the days (the first and the last whole or not)
		// is its business; the span is want, give or take one.
		if got := cert.NotAfter.Sub(cert.NotBefore).Hours() / 24; got < float64(want-1) || got > float64(want+1) {
			t.Errorf("--days %d: valid %.1f days, want %d", days, got, want)
		}
	}
}

// engineStandIn serves the engine's certificate at the engine's
// pki-resource path over HTTPS with certFile and keyFile (httptest's own
// certificate when empty), and returns its port.
func engineStandIn(t *testing.T, certFile, keyFile, engineCert string) int {
	t.Helper()
	body := pkitest.ReadFile(t, engineCert)
	return pkitest.ServeTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ovirt-engine/services/pki-resource" || r.URL.Query().Get("resource") != "engine-certificate" || r.URL.Query().Get("format") != "X509-PEM" {
			http.Error(w, "Resource is invalid", http.StatusBadRequest)
			return
		}
		io.WriteString(w, body)
	}), certFile, keyFile)
}

// TestWebsocketProxyEngineCertFetch fetches the engine's certificate from
// an HTTPS stand-in for the engine whose certificate is the CA's, and is
// refused by one whose certificate is not, writing nothing.
func TestWebsocketProxyEngineCertFetch(t *testing.T) {
	f := newWspFiles(t)
	engineCer := filepath.Join(f.enginePKI, "certs", "engine.cer")
	engineKey := filepath.Join(f.dir, "engine", "engine.key")
	port := engineStandIn(t, engineCer, engineKey, engineCer)
	out := filepath.Join(f.dir, "fetched.cer")
	r := runCLI(t, "websocket-proxy", "engine-cert", "--pki-dir", f.proxyPKI, "--engine", "engine.example.com:"+strconv.Itoa(port),
		"--engine-address", "127.0.0.1", "--out", out, "--owner", me(t))
	if r.code != 0 {
		t.Fatal(r)
	}
	if pkitest.ReadFile(t, out) != pkitest.ReadFile(t, engineCer) || fileMode(t, out) != 0o600 {
		t.Errorf("fetched %q (mode %04o), want certs/engine.cer, 0600", pkitest.ReadFile(t, out), fileMode(t, out))
	}
	if !strings.Contains(r.stderr, "https://engine.example.com:"+strconv.Itoa(port)+"/ovirt-engine/services/pki-resource?resource=engine-certificate&format=X509-PEM") {
		t.Errorf("log does not say where it came from: %s", r.stderr)
	}

	untrusted := engineStandIn(t, "", "", engineCer)
	foreignEngine := engineStandIn(t, engineCer, engineKey, f.foreignCA)
	checkWspBadInput(t, []wspBadCase{
		{name: "server not from the CA", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--engine", "engine.example.com:" + strconv.Itoa(untrusted), "--engine-address", "127.0.0.1", "--out", "{dir}/fetched.cer", "--owner", ""},
			want: []string{"the server's certificate does not chain to the CA", "server not trusted"}},
		{name: "server for another name", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--engine", "impostor.example.com:" + strconv.Itoa(port), "--engine-address", "127.0.0.1", "--out", "{dir}/fetched.cer", "--owner", ""},
			want: []string{"does not name the engine", "impostor.example.com"}},
		{name: "engine certificate of another CA", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--engine", "engine.example.com:" + strconv.Itoa(foreignEngine), "--engine-address", "127.0.0.1", "--out", "{dir}/fetched.cer", "--owner", ""},
			want: []string{"engine certificate from https://", "chain: signed by another CA with the same name"}},
		{name: "plain HTTP", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--engine", "http://engine.example.com", "--out", "{dir}/fetched.cer", "--owner", ""},
			want: []string{"plain HTTP is refused"}},
	})
}

// wspBadCase is one bad input to a websocket-proxy command. In args,
// {dir}, {engine}, {proxy}, {conf}, {other-key}, {foreign-ca} and {me}
// stand for the files of a fresh copy.
type wspBadCase struct {
	name  string
	setup func(t *testing.T, f wspFiles)
	at    time.Time // the commands' clock, when set
	args  []string
	want  []string
	code  int // the exit code, when not exitError
}

// checkWspBadInput runs each case on a fresh copy of the files, and wants
// exit 1 (or code), one line on stderr that says each of want, nothing on stdout, no
// key material shown, and every file as it was.
func checkWspBadInput(t *testing.T, cases []wspBadCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newWspFiles(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			if !tc.at.IsZero() {
				pinNow(t, tc.at)
			}
			rep := strings.NewReplacer("{dir}", f.dir, "{engine}", f.enginePKI, "{proxy}", f.proxyPKI, "{conf}", f.conf,
				"{other-key}", f.otherKey, "{foreign-ca}", f.foreignCA, "{me}", me(t))
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = rep.Replace(a)
			}
			before := pkitest.Snapshot(t, f.dir)
			r := runCLI(t, args...)
			t.Logf("stderr: %s", r.stderr)
			code := exitError
			if tc.code != 0 {
				code = tc.code
			}
			if r.code != code {
				t.Errorf("pkienroll %s: exit %d, want %d", strings.Join(args, " "), r.code, code)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty: %q", r.stdout)
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = rep.Replace(w)
			}
			assertOneErrorLine(t, r.stderr, want...)
			checkNoSecrets(t, r.stderr)
			checkNoKeyLines(t, r.stderr, before)
			pkitest.AssertUnchanged(t, f.dir, before)
		})
	}
}

func TestWebsocketProxyBadInput(t *testing.T) {
	config := func(extra ...string) []string {
		return append([]string{"websocket-proxy", "config", "--pki-dir", "{proxy}", "--fqdn", wspCN, "--out", "{conf}", "--owner", "{me}"}, extra...)
	}
	cases := []wspBadCase{
		{name: "key not matching", args: config("--key", "{other-key}"),
			want: []string{"{proxy}/certs/websocket-proxy.cer with key {other-key}", "key: key does not match the certificate"}},
		{name: "wrong CA", args: config("--ca", "{foreign-ca}"),
			want: []string{"CA {foreign-ca}", "chain: signed by another CA with the same name"}},
		{name: "expired", at: time.Now().AddDate(3, 0, 0), args: config(),
			want: []string{"{proxy}/certs/websocket-proxy.cer", "validity: expired on"}},
		{name: "wrong host", args: append(config()[:4], "--fqdn", "other.example.com", "--out", "{conf}", "--owner", "{me}"),
			want: []string{"host: other.example.com not in SANs (DNS:" + wspCN + ")"}},
		{name: "engine certificate of another CA", args: config("--engine-cert", "{foreign-ca}"),
			want: []string{"engine certificate {foreign-ca}: chain:"}},
		{name: "engine certificate is the CA's", args: config("--engine-cert", "{proxy}/ca.pem"),
			want: []string{"engine certificate {proxy}/ca.pem: ", "is a CA certificate (basicConstraints CA:TRUE), not the engine's"}},
		{name: "engine certificate is the proxy's own", args: config("--engine-cert", "{proxy}/certs/websocket-proxy.cer"),
			want: []string{"engine certificate {proxy}/certs/websocket-proxy.cer: it is the websocket proxy's own certificate"}},
		// An output over a file the command reads: with --force it went
		// in, keeping only a backup of the certificate.
		{name: "config over the certificate it names", args: []string{"websocket-proxy", "config", "--pki-dir", "{proxy}", "--fqdn", wspCN,
			"--out", "{proxy}/certs/./websocket-proxy.cer", "--owner", "{me}", "--force"},
			want: []string{"--out {proxy}/certs/websocket-proxy.cer is the --cert file"}, code: exitUsage},
		{name: "engine certificate over the CA", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--from", "{engine}/certs/engine.cer", "--out", "{proxy}/ca.pem", "--owner", "", "--force"},
			want: []string{"--out {proxy}/ca.pem is the --ca file"}, code: exitUsage},
		{name: "unreadable key", args: config("--key", "{dir}/missing.key"),
			want: []string{"{dir}/missing.key", "no such file or directory"}},
		{name: "key is not a key", args: config("--key", "{proxy}/ca.pem"),
			want: []string{"{proxy}/ca.pem", "without passphrase"}},
		{name: "existing config without --force",
			setup: func(t *testing.T, f wspFiles) {
				os.MkdirAll(filepath.Dir(f.conf), 0o755)
				writeFile(t, f.conf, "PROXY_PORT=6100\n")
			},
			args: config(), want: []string{"refusing to replace {conf}", "--force"}},
		{name: "config is a symbolic link",
			setup: func(t *testing.T, f wspFiles) {
				os.MkdirAll(filepath.Dir(f.conf), 0o755)
				os.Symlink(filepath.Join(f.dir, "elsewhere"), f.conf)
			},
			args: config("--force"), want: []string{"{conf}", "symbolic link"}},
		{name: "no such account", args: append(config()[:len(config())-1], "nosuchuser-pkienroll"),
			want: []string{"--owner nosuchuser-pkienroll: no such account"}},
		{name: "port", args: config("--port", "70000"), want: []string{"--port", "70000 is outside 1..65535"}, code: exitUsage},
		{name: "port 0", args: config("--port", "0"), want: []string{"--port", "port 0 is outside 1..65535"}, code: exitUsage},
		// kong's int mapper read these in base 0: 0x10 as 16, 0b11 as 3.
		{name: "port hexadecimal", args: config("--port", "0x10"), want: []string{"--port", `"0x10" is not a whole number`}, code: exitUsage},
		{name: "port binary", args: config("--port", "0b11"), want: []string{"--port", `"0b11" is not a whole number`}, code: exitUsage},
		{name: "port with underscore", args: config("--port", "1_000"), want: []string{"--port", `"1_000" is not a whole number`}, code: exitUsage},
		{name: "port with sign", args: config("--port=+6100"), want: []string{"--port", `"+6100" is not a whole number`}, code: exitUsage},
		{name: "fqdn is an address", args: append(config()[:4], "--fqdn", "192.0.2.1", "--out", "{conf}"),
			want: []string{"--fqdn", "give its DNS name"}},
		{name: "request without the CA", args: []string{"websocket-proxy", "request", "--pki-dir", "{dir}/nowhere", "--fqdn", wspCN, "--owner", ""},
			want: []string{"read certificate {dir}/nowhere/ca.pem", "no such file"}},
		{name: "request exists", args: []string{"websocket-proxy", "request", "--pki-dir", "{proxy}", "--fqdn", wspCN, "--owner", ""},
			want: []string{"refusing to replace {proxy}/requests/websocket-proxy-" + wspCN + ".req"}},
		{name: "request over its new key, through a linked directory", setup: func(t *testing.T, f wspFiles) {
			mkdirs(t, filepath.Join(f.dir, "real"))
			pkitest.ReplaceWithSymlink(t, filepath.Join(f.dir, "alias"), "real")
		}, args: []string{"websocket-proxy", "request", "--pki-dir", "{proxy}", "--fqdn", "new.example.com", "--owner", "",
			"--key", "{dir}/real/b.key", "--out", "{dir}/alias/b.key"},
			want: []string{"--out {dir}/alias/b.key is the --key file"}, code: exitUsage},
		{name: "request over its existing key", args: []string{"websocket-proxy", "request", "--pki-dir", "{proxy}", "--fqdn", "new.example.com",
			"--owner", "", "--force", "--key", "{other-key}", "--out", "{dir}/./other.key"},
			want: []string{"--out {other-key} is the --key file"}, code: exitUsage},
		{name: "request over the CA certificate", args: []string{"websocket-proxy", "request", "--pki-dir", "{proxy}", "--fqdn", "new.example.com",
			"--owner", "", "--force", "--out", "{proxy}/ca.pem"},
			want: []string{"--out {proxy}/ca.pem is the --ca file"}, code: exitUsage},
		{name: "request with an encrypted key", setup: func(t *testing.T, f wspFiles) {
			writeFile(t, filepath.Join(f.dir, "pass"), "secret\n")
			mustRun(t, "-q", "keygen", "--out", filepath.Join(f.dir, "enc.key"), "--passphrase-file", filepath.Join(f.dir, "pass"))
		}, args: []string{"websocket-proxy", "request", "--pki-dir", "{proxy}", "--fqdn", "new.example.com", "--key", "{dir}/enc.key", "--owner", ""},
			want: []string{"{dir}/enc.key", "without passphrase"}},
		{name: "sign without a request", args: []string{"websocket-proxy", "sign", "--pki-dir", "{engine}", "--fqdn", "new.example.com"},
			want: []string{"{engine}/requests/websocket-proxy-new.example.com.req", "no such file"}},
		{name: "sign --days 0", args: []string{"websocket-proxy", "sign", "--pki-dir", "{engine}", "--fqdn", wspCN, "--days", "0"},
			want: []string{"--days 0 is outside 2..36500"}, code: exitUsage},
		{name: "engine certificate from a file of another CA", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--from", "{foreign-ca}", "--out", "{dir}/engine.cer", "--owner", ""},
			want: []string{"engine certificate {foreign-ca}: chain:"}},
		{name: "engine certificate exists", args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--from", "{engine}/certs/engine.cer", "--owner", ""},
			want: []string{"refusing to replace {proxy}/certs/engine.cer"}},
		{name: "engine certificate expired", at: time.Now().AddDate(6, 0, 0), args: []string{"websocket-proxy", "engine-cert", "--pki-dir", "{proxy}",
			"--from", "{engine}/certs/engine.cer", "--out", "{dir}/engine.cer", "--owner", ""},
			want: []string{"validity: expired on"}},
	}
	if os.Geteuid() == 0 {
		// root reads everything; the service's account does not.
		cases = append(cases, wspBadCase{name: "key the service cannot read", args: append(config()[:len(config())-1], "nobody"),
			want: []string{"key {proxy}/keys/websocket-proxy.key.nopass: nobody cannot read it", "mode 0600"}})
	}
	if os.Geteuid() != 0 {
		// Giving the key to another account would fail after writing it.
		cases = append(cases, wspBadCase{name: "owner another account, not as root",
			args: []string{"websocket-proxy", "request", "--pki-dir", "{proxy}", "--fqdn", "new.example.com", "--owner", "nobody"},
			want: []string{"--owner nobody: only root can give files to another account"}})
	}
	checkWspBadInput(t, cases)
}
