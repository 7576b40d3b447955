package pki_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestTrustStoreUnreadable: a .truststore that does not decode is named
// with what is wrong with it, in one line: ca init of a second CA refuses
// it before anything changes, ca renew warns. go-pkcs12 words a file that
// is not DER with encoding/asn1's error, a dump of Go structures
// ("tags don't match (16 vs {class:1 tag:7 ...}) {optional:false ...}"),
// which the message showed.
func TestTrustStoreUnreadable(t *testing.T) {
	t.Parallel()
	jks := append([]byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, make([]byte, 64)...)
	tests := []struct {
		name     string
		store    func(t *testing.T, s *pki.Store) []byte
		password string // the password the store is opened with; "" the default
		want     string
		is       error
	}{
		{"text", func(*testing.T, *pki.Store) []byte { return []byte("garbage garbage\n") }, "", "is not a PKCS#12 trust store", nil},
		{"empty", func(*testing.T, *pki.Store) []byte { return nil }, "", "is not a PKCS#12 trust store", nil},
		{"truncated", func(t *testing.T, s *pki.Store) []byte {
			return []byte(pkitest.ReadFile(t, s.TrustStorePath())[:600])
		}, "", "is not a PKCS#12 trust store", nil},
		{"JKS", func(*testing.T, *pki.Store) []byte { return jks }, "", "is a JKS key store, not PKCS#12", nil},
		{"another password", func(t *testing.T, s *pki.Store) []byte {
			return []byte(pkitest.ReadFile(t, s.TrustStorePath()))
		}, "s3cret", "does not open: wrong password for the trust store", pki.ErrPassword},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			dir := s.Dir()
			pkitest.WriteFile(t, s.TrustStorePath(), tc.store(t, s), 0o644)
			opts := []pki.StoreOption{pkitest.SharedCAKeyGenerator(t)}
			if tc.password != "" {
				opts = append(opts, pki.WithTrustStorePassword(tc.password))
			}
			check := func(what, msg string) {
				t.Helper()
				if !strings.Contains(msg, dir+"/.truststore "+tc.want) || strings.ContainsAny(msg, "{\n") || strings.Contains(msg, "asn1") {
					t.Errorf("%s: %q, want one line with %q", what, msg, tc.want)
				}
			}

			before := pkitest.Snapshot(t, dir)
			_, err := pki.InitStore(dir, pki.InitRequest{Subject: pkitest.Name(t, "/C=US/O=Example Inc./OU=qemu/CN=engine.example.com.81109")},
				append(opts, pki.WithCAName("qemu-ca"))...)
			if !errors.Is(err, pki.ErrTrustStore) || tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("ca init beside it: %v, want ErrTrustStore", err)
			}
			check("ca init", err.Error())
			pkitest.AssertUnchanged(t, dir, before)

			s2, err := pki.OpenStore(dir, opts...)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(s.TrustStorePath())
			renewed, err := s2.RenewCA(t.Context(), 7100)
			if err != nil {
				t.Fatal(err)
			}
			if len(renewed.Warnings) != 1 {
				t.Fatalf("ca renew: warnings %q, want one", renewed.Warnings)
			}
			check("ca renew", renewed.Warnings[0])
			if after, _ := os.ReadFile(s.TrustStorePath()); string(after) != string(data) {
				t.Error("ca renew rewrote the .truststore")
			}
		})
	}
}
