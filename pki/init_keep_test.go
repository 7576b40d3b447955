package pki_test

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestInitStoreKeepExisting: with KeepExisting, InitStore is open-or-create
// in one call: the first makes the CA, the next ones (also concurrent ones)
// open it and change nothing; a CA of another subject is still refused.
func TestInitStoreKeepExisting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	req := pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject), KeepExisting: true}
	const n = 4
	stores := make([]*pki.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = pki.InitStore(dir, req, pkitest.SharedCAKeyGenerator(t)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("init %d: %v", i, err)
		}
	}
	ca := pkitest.ReadCert(t, stores[0].CACertPath())
	before := pkitest.Snapshot(t, dir)
	again, err := pki.InitStore(dir, req, pkitest.SharedCAKeyGenerator(t))
	if err != nil {
		t.Fatalf("init of an existing CA with KeepExisting: %v", err)
	}
	if got := pkitest.ReadCert(t, again.CACertPath()); !got.Equal(ca) {
		t.Error("the kept store names another CA certificate")
	}
	pkitest.AssertUnchanged(t, dir, before)

	other := pki.InitRequest{Subject: pkitest.Name(t, "/C=US/O=Other/CN=other.example.com"), KeepExisting: true}
	if _, err := pki.InitStore(dir, other, pkitest.SharedCAKeyGenerator(t)); !errors.Is(err, pki.ErrExists) {
		t.Errorf("KeepExisting over another subject's CA: %v, want ErrExists", err)
	}
	if _, err := pki.InitStore(dir, pki.InitRequest{Subject: req.Subject}, pkitest.SharedCAKeyGenerator(t)); !errors.Is(err, pki.ErrExists) {
		t.Errorf("without KeepExisting: %v, want ErrExists", err)
	}
	pkitest.AssertUnchanged(t, dir, before)
}
