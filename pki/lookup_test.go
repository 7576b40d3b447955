package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// signHosts has s sign host0 ... host(n-1), one request key for all.
func signHosts(t *testing.T, s *pki.Store, n int) []*pki.Issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	reqs := make([]pki.SignRequest, n)
	for i := range reqs {
		der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: pkitest.Name(t, fmt.Sprintf("/C=US/O=Example Inc./CN=host%d.example.com", i))})
		if err != nil {
			t.Fatal(err)
		}
		reqs[i] = pki.SignRequest{Name: fmt.Sprintf("host%d", i), CSR: der}
	}
	issued, err := s.SignBatch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	return issued
}

// wantLookupAsList wants Lookup to answer for every serial of the index
// what List holds for it.
func wantLookupAsList(t *testing.T, s *pki.Store) {
	t.Helper()
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range list {
		got, err := s.Lookup(want.Serial)
		if err != nil {
			t.Fatalf("Lookup(%s): %v", want.Serial, err)
		}
		if got.Entry != want.Entry || !slices.Equal(got.Names, want.Names) {
			t.Errorf("Lookup(%s) = %+v, List has %+v", want.Serial, got, want)
		}
	}
}

// TestLookupAsList: Lookup answers as List for each certificate, as the
// directory changes under it: renewed, revoked, rewritten in place by
// another signer (openssl ca -out), copied to a second name, removed, by
// this store or another process's.
func TestLookupAsList(t *testing.T) {
	s := pkitest.NewStore(t)
	first := signHosts(t, s, 30)
	// A server started on the directory has seen nothing yet.
	other, err := pki.OpenStore(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	wantLookupAsList(t, other)
	wantLookupAsList(t, s)

	// host3 renewed (by s), host4 revoked, host5 removed, host6 copied
	// to an earlier name, host7 rewritten in place with a certificate of
	// the same size, as openssl ca -out writes it.
	second := signHosts(t, s, 8)
	if _, err := s.Revoke(context.Background(), pki.RevokeRequest{Name: "host4"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(s.CertPath("host5")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.CertPath("host6"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.CertPath("aaa"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(first[7].Certificate.Raw) != len(second[7].Certificate.Raw) {
		t.Skip("the two certificates of host7 differ in size")
	}
	if err := os.WriteFile(s.CertPath("host7"), pki.EncodeCertificatePEM(first[7].Certificate.Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	wantLookupAsList(t, other)
	fresh, err := pki.OpenStore(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	wantLookupAsList(t, fresh)
}

// TestLookupReadsNoDirectory: once a store has read certs/ (or written
// the certificate itself), a lookup reads the index and the one
// certificate, whatever the number of names: what keeps a renewal's time
// under the lock flat.
func TestLookupReadsNoDirectory(t *testing.T) {
	s := pkitest.NewStore(t)
	issued := signHosts(t, s, 40)
	for _, is := range issued {
		got, err := s.Lookup(is.Serial)
		if err != nil || !slices.Equal(got.Names, []string{is.Name}) {
			t.Fatalf("Lookup(%s) = %v, %v; want %s", is.Serial, got.Names, err, is.Name)
		}
	}
	if n := s.NameScans(); n != 0 {
		t.Errorf("%d scans of certs/ to look up certificates the store wrote, want none", n)
	}
	renewed := signHosts(t, s, 1)[0]
	for range 3 {
		// host0's first certificate, replaced: seen, so not looked for.
		if got, err := s.Lookup(issued[0].Serial); err != nil || len(got.Names) != 0 {
			t.Fatalf("Lookup of the replaced certificate = %v, %v; want no names", got.Names, err)
		}
	}
	if got, err := s.Lookup(renewed.Serial); err != nil || !slices.Equal(got.Names, []string{"host0"}) {
		t.Fatalf("Lookup of the renewed certificate = %v, %v", got.Names, err)
	}
	if n := s.NameScans(); n != 0 {
		t.Errorf("%d scans of certs/, want none", n)
	}

	other, err := pki.OpenStore(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range issued[1:] {
		if _, err := other.Lookup(is.Serial); err != nil {
			t.Fatal(err)
		}
	}
	if n := other.NameScans(); n != 1 {
		t.Errorf("a store that wrote nothing read certs/ %d times for 39 lookups, want once", n)
	}
}

// TestLookupNotFound: a serial the index does not hold, or that no index
// can hold, is ErrNotFound; a torn last line (a crash in the middle of an
// append) holds nothing.
func TestLookupNotFound(t *testing.T) {
	s := pkitest.NewStore(t)
	issued := signHosts(t, s, 3)
	for _, serial := range []string{"ABCDEF", "0", "-1", "", "10\t00", issued[0].Serial + "0"} {
		if _, err := s.Lookup(serial); !errors.Is(err, pki.ErrNotFound) {
			t.Errorf("Lookup(%q): %v, want ErrNotFound", serial, err)
		}
	}
	f, err := os.OpenFile(s.DatabasePath(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("V\t301231235959Z\t\t2222\tunk"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := s.Lookup("2222"); !errors.Is(err, pki.ErrNotFound) {
		t.Errorf("Lookup of a torn line's serial: %v, want ErrNotFound", err)
	}
	if got, err := s.Lookup(issued[2].Serial); err != nil || got.Serial != issued[2].Serial {
		t.Errorf("Lookup(%s) with a torn tail: %+v, %v", issued[2].Serial, got, err)
	}
}
