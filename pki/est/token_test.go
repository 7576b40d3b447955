package est_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// TestTokenRecord: the token is long and URL-safe, and only its hash is on
// disk, in a file only the owner can read, in a directory only the owner
// can enter; a new Tokens (a restarted server) sees the same state.
func TestTokenRecord(t *testing.T) {
	dir := t.TempDir()
	ts := est.OpenTokens(dir)
	subject, _ := dn.Parse(proxySubject)
	secret, tok, err := ts.Create(est.TokenRequest{Name: "proxy", Subject: subject, Days: 90, TTL: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) < 16 {
		t.Fatalf("token %q is not URL-safe base64 of at least 128 bits (%v)", secret, err)
	}
	if tok.ID != sha(secret) {
		t.Errorf("ID %s is not the token's SHA-256", tok.ID)
	}
	path := filepath.Join(dir, est.TokenDir, tok.ID+".json")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode %04o, want 0600", fi.Mode().Perm())
	}
	for _, d := range []string{filepath.Join(dir, "est"), filepath.Join(dir, est.TokenDir)} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v (%v), want 0700", d, fi.Mode().Perm(), err)
		}
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), secret) {
		t.Error("the record holds the token")
	}
	for _, want := range []string{`"name": "proxy"`, `"subject": "` + proxySubject + `"`, `"DNS:proxy.example.com"`, `"days": 90`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("record lacks %s:\n%s", want, data)
		}
	}
	again := est.OpenTokens(dir)
	list, err := again.List()
	if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].State != est.TokenActive || list[0].CN() != "proxy.example.com" {
		t.Fatalf("list after reopening: %+v (%v)", list, err)
	}
	if !list[0].Expires.Equal(list[0].Created.Add(2 * time.Hour)) {
		t.Errorf("expires %s, created %s: want 2h apart", list[0].Expires, list[0].Created)
	}
	// The SANs are read once, as pki.SANs, from the record's list of
	// openssl names, which does not change.
	if got := list[0].SANs; got.String() != "DNS:proxy.example.com" || len(got.DNSNames) != 1 {
		t.Errorf("SANs after reopening %+v, want DNS:proxy.example.com", got)
	}
	sans, _ := pki.ParseSANs("DNS:a.example.com,IP:192.0.2.1,URI:https://a.example.com/x")
	_, tok2, err := ts.Create(est.TokenRequest{Name: "two", Subject: subject, SANs: sans})
	if err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(filepath.Join(dir, est.TokenDir, tok2.ID+".json"))
	if want := `"sans": [
    "DNS:a.example.com",
    "IP:192.0.2.1",
    "URI:https://a.example.com/x"
  ]`; !strings.Contains(string(data), want) {
		t.Errorf("record's SANs are not the list of openssl names:\n%s", data)
	}
	if list, err = again.List(); err != nil || len(list) != 2 {
		t.Fatalf("list: %+v (%v)", list, err)
	}
	for _, l := range list {
		if l.ID == tok2.ID && (l.SANs.String() != sans.String() || len(l.SANs.IPAddresses) != 1) {
			t.Errorf("SANs read back %+v, want %s", l.SANs, sans)
		}
	}
}

func TestTokenRevoke(t *testing.T) {
	dir := t.TempDir()
	ts := est.OpenTokens(dir)
	subject, _ := dn.Parse(proxySubject)
	mk := func(name string) est.Token {
		_, tok, err := ts.Create(est.TokenRequest{Name: name, Subject: subject})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	a1, a2, b := mk("a"), mk("a"), mk("b")
	got, err := ts.Revoke("a")
	if err != nil || len(got) != 2 {
		t.Fatalf("revoke a: %d tokens (%v), want 2", len(got), err)
	}
	if got, err := ts.Revoke(b.ID[:8]); err != nil || len(got) != 1 || got[0].ID != b.ID {
		t.Fatalf("revoke by ID prefix: %+v (%v)", got, err)
	}
	if _, err := ts.Revoke("a"); !errors.Is(err, pki.ErrNotFound) {
		t.Errorf("revoking again: %v, want ErrNotFound", err)
	}
	if _, err := ts.Revoke(a1.ID[:7]); !errors.Is(err, pki.ErrNotFound) {
		t.Errorf("7-digit prefix: %v, want ErrNotFound (too short to match)", err)
	}
	list, _ := ts.List()
	for _, tok := range list {
		if tok.State != est.TokenRevoked {
			t.Errorf("%s (%s) is %s", tok.ID[:12], tok.Name, tok.State)
		}
	}
	_ = a2
}

func TestTokenCreateRefusals(t *testing.T) {
	ts := est.OpenTokens(t.TempDir())
	subject, _ := dn.Parse(proxySubject)
	noCN, _ := dn.Parse("/O=Example Inc.")
	cases := []struct {
		name string
		req  est.TokenRequest
		want error
	}{
		{"bad name", est.TokenRequest{Name: "../x", Subject: subject}, pki.ErrBadName},
		{"no CN", est.TokenRequest{Name: "x", Subject: noCN}, dn.ErrInvalid},
		{"days", est.TokenRequest{Name: "x", Subject: subject, Days: 40000}, pki.ErrBadDays},
	}
	// Names Sign would refuse when the token enrolls: the CN as it applies
	// the subject and CN-as-SAN rules, and the SANs.
	for _, cn := range []string{"a_b.example.com", "a..b", "x.", ".x", "foo.."} {
		bad, err := dn.Parse("/C=US/O=Example Inc./CN=" + cn)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			name string
			req  est.TokenRequest
			want error
		}{"CN " + cn, est.TokenRequest{Name: "x", Subject: bad}, dn.ErrInvalid})
	}
	cases = append(cases, struct {
		name string
		req  est.TokenRequest
		want error
	}{"SAN", est.TokenRequest{Name: "x", Subject: subject, SANs: pki.SANs{DNSNames: []string{"a_b.example.com"}}}, pki.ErrBadSAN})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := ts.Create(tc.req); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(ts.Dir()); !os.IsNotExist(err) {
		t.Errorf("a refused token made %s", ts.Dir())
	}
}

// TestTokenRecordBadSAN: a hand-edited record whose SANs are not valid
// names is still listed, as it is, and grants nothing: its enrollment is
// refused (403) with the directory unchanged.
func TestTokenRecordBadSAN(t *testing.T) {
	e := newEnv(t)
	token := e.token("proxy", "proxy.example.com", "", time.Hour)
	path := filepath.Join(e.store.Dir(), est.TokenDir, sha(token)+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"DNS:proxy.example.com"`, `"DNS:pro\u001bxy.example.com"`, 1))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := e.tokens.List()
	if err != nil || len(list) != 1 || list[0].SANs.String() != "DNS:pro\x1bxy.example.com" {
		t.Fatalf("List: %+v (%v), want the record as it is", list, err)
	}
	before := pkitest.Snapshot(t, e.store.Dir())
	r := e.post(e.client(nil), "simpleenroll", token, "application/pkcs10", b64(csr(t, ecKey(t), proxySubject, "")))
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "invalid subject alternative name") {
		t.Errorf("enrollment with the edited token: %d %q, want 403 naming the SAN", r.status, r.body)
	}
	pkitest.AssertUnchanged(t, e.store.Dir(), before)
}

// TestTokenRevokeBesideUnreadableRecord: a record that cannot be read (a
// damaged or hand-edited file, here truncated JSON) does not keep the
// others from being revoked: revoking a leaked token by name failed, and
// the token went on enrolling, for a file of another token. The damaged
// record matches by ID only, never by a name (its own is unknown, and ""
// is no name), and List still reports it.
func TestTokenRevokeBesideUnreadableRecord(t *testing.T) {
	e := newEnv(t)
	leaked := e.token("proxy", "proxy.example.com", "", time.Hour)
	other := e.token("other", "other.example.com", "", time.Hour)
	damaged := filepath.Join(e.store.Dir(), est.TokenDir, sha(other)+".json")
	if err := os.WriteFile(damaged, []byte(`{"name":"oth`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tokens.List(); err == nil || !strings.Contains(err.Error(), damaged) {
		t.Errorf("List: %v, want the error naming %s", err, damaged)
	}
	for _, match := range []string{"", "other"} {
		_, err := e.tokens.Revoke(match)
		if !errors.Is(err, pki.ErrNotFound) || !strings.Contains(err.Error(), sha(other)[:12]+" cannot be read (revoke them by ID)") {
			t.Errorf("Revoke(%q): %v, want ErrNotFound naming the damaged record's ID: it has no name", match, err)
		}
	}
	got, err := e.tokens.Revoke("proxy")
	if err != nil || len(got) != 1 || got[0].ID != sha(leaked) {
		t.Fatalf("Revoke(proxy) beside a damaged record: %+v (%v), want the proxy's token", got, err)
	}
	r := e.post(e.client(nil), "simpleenroll", leaked, "application/pkcs10", b64(csr(t, ecKey(t), proxySubject, "")))
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "revoked") {
		t.Errorf("enrollment with the revoked token: %d %q, want 403 revoked", r.status, r.body)
	}
	if got, err := e.tokens.Revoke(sha(other)[:10]); err != nil || len(got) != 1 {
		t.Fatalf("Revoke of the damaged record by ID: %+v (%v)", got, err)
	}
	if _, err := os.Stat(strings.TrimSuffix(damaged, ".json") + ".revoked"); err != nil {
		t.Errorf("damaged record not revoked: %v", err)
	}
	if _, err := e.tokens.Revoke("other"); !errors.Is(err, pki.ErrNotFound) || strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("Revoke(other) once the damaged record is revoked: %v, want ErrNotFound and nothing left to revoke by ID", err)
	}
}
