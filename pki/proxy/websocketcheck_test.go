package proxy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// foreignCA is a CA of its own, with nothing in common with the package's.
func foreignCA(t *testing.T) *pki.Store {
	t.Helper()
	name, err := dn.Parse("/C=US/O=Example Inc./CN=engine.example.com.81108")
	if err != nil {
		t.Fatal(err)
	}
	store, err := pki.InitStore(filepath.Join(t.TempDir(), "pki"), pki.InitRequest{Subject: name})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func TestCheckWebsocketFiles(t *testing.T) {
	f := issued(t)
	// The other certificate of the package's CA stands for the engine's.
	good := WebsocketFiles{Key: f.proxyKey, Cert: f.proxyCer, EngineCert: f.otherCer}
	if err := CheckWebsocketFiles(good, f.ca, "proxy.example.com", time.Time{}); err != nil {
		t.Fatalf("good files: %v", err)
	}
	foreign := foreignCA(t).CACertPath()
	missing := filepath.Join(t.TempDir(), "missing.cer")
	tests := []struct {
		name  string
		files WebsocketFiles
		ca    string
		host  string
		at    time.Time
		want  []string
		is    error
	}{
		{"key of another certificate", WebsocketFiles{Key: f.otherKey, Cert: f.proxyCer, EngineCert: f.otherCer}, f.ca, "proxy.example.com", time.Time{},
			[]string{"key: key does not match the certificate"}, pki.ErrKeyMismatch},
		{"another CA", good, foreign, "proxy.example.com", time.Time{},
			[]string{"chain: signed by another CA with the same name"}, ErrUnfitCertificate},
		{"another host", good, f.ca, "wsp.example.com", time.Time{},
			[]string{"host: wsp.example.com not in SANs (DNS:proxy.example.com)"}, ErrUnfitCertificate},
		{"expired", good, f.ca, "proxy.example.com", time.Now().AddDate(0, 0, 40),
			[]string{"validity: expired on"}, ErrUnfitCertificate},
		{"engine certificate from another CA", WebsocketFiles{Key: f.proxyKey, Cert: f.proxyCer, EngineCert: foreign}, f.ca, "proxy.example.com", time.Time{},
			[]string{"engine certificate " + foreign + ": chain:"}, ErrUnfitCertificate},
		// engine-cert --from refuses these; config took them.
		{"engine certificate is the CA's", WebsocketFiles{Key: f.proxyKey, Cert: f.proxyCer, EngineCert: f.ca}, f.ca, "proxy.example.com", time.Time{},
			[]string{"engine certificate " + f.ca + ": ", "is a CA certificate (basicConstraints CA:TRUE), not the engine's"}, ErrUnfitCertificate},
		{"engine certificate is the proxy's own", WebsocketFiles{Key: f.proxyKey, Cert: f.proxyCer, EngineCert: f.proxyCer}, f.ca, "proxy.example.com", time.Time{},
			[]string{"engine certificate " + f.proxyCer + ": it is the websocket proxy's own certificate"}, ErrUnfitCertificate},
		{"no engine certificate", WebsocketFiles{Key: f.proxyKey, Cert: f.proxyCer, EngineCert: missing}, f.ca, "proxy.example.com", time.Time{},
			[]string{"read certificate " + missing + ": no such file"}, os.ErrNotExist},
		{"key is a certificate", WebsocketFiles{Key: f.proxyCer, Cert: f.proxyCer, EngineCert: f.otherCer}, f.ca, "proxy.example.com", time.Time{},
			[]string{f.proxyCer, "without passphrase"}, pki.ErrNotKey},
		{"bad host", good, f.ca, "192.0.2.1", time.Time{}, []string{"give its DNS name"}, ErrBadValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckWebsocketFiles(tc.files, tc.ca, tc.host, tc.at)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestVerifyEngineCertificate(t *testing.T) {
	f := issued(t)
	cas, err := pki.ReadCertificates(f.ca)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := pki.ReadCertificate(f.otherCer)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyEngineCertificate(engine, cas, time.Time{}); err != nil {
		t.Errorf("engine certificate of the CA: %v", err)
	}
	if err := VerifyEngineCertificate(engine, cas, engine.NotAfter.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "validity: expired") {
		t.Errorf("after its expiry: %v", err)
	}
	other, err := pki.ReadCertificates(foreignCA(t).CACertPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyEngineCertificate(engine, other, time.Time{}); !errors.Is(err, ErrUnfitCertificate) || !strings.Contains(err.Error(), "chain:") {
		t.Errorf("against another CA: %v", err)
	}
}
