package pki_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestCancelledContextChangesNothing: a context that has ended takes no
// lock, even a free one, so every method that changes the store returns its
// error and the directory stays byte-identical.
func TestCancelledContextChangesNothing(t *testing.T) {
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", "/C=US/O=Example Inc./CN=proxy.example.com")
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"Sign": func() error { _, err := s.Sign(ctx, pki.SignRequest{Name: "proxy"}); return err },
		"SignBatch": func() error {
			_, err := s.SignBatch(ctx, []pki.SignRequest{{Name: "proxy"}})
			return err
		},
		"Revoke":      func() error { _, err := s.Revoke(ctx, pki.RevokeRequest{Name: "proxy"}); return err },
		"GenerateCRL": func() error { _, err := s.GenerateCRL(ctx, 30); return err },
		"RenewCA":     func() error { _, err := s.RenewCA(ctx, 0); return err },
		"Check":       func() error { _, err := s.Check(ctx); return err },
	}
	before := pkitest.Snapshot(t, s.Dir())
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
		})
	}
}

// TestStoreSharedByGoroutines: one Store used by many goroutines at once
// gives each signature its own serial and index line.
func TestStoreSharedByGoroutines(t *testing.T) {
	s := pkitest.NewStore(t)
	pkitest.WriteRequest(t, s, "proxy", "/C=US/O=Example Inc./CN=proxy.example.com")
	const n = 16
	serials := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if err != nil {
				t.Error(err)
				return
			}
			serials <- issued.Serial
		})
	}
	wg.Wait()
	close(serials)
	seen := map[string]bool{}
	for serial := range serials {
		if seen[serial] {
			t.Errorf("serial %s issued twice", serial)
		}
		seen[serial] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct serials, want %d", len(seen), n)
	}
	if lines := len(storeDatabaseLines(t, s)); lines != n {
		t.Errorf("%d index lines, want %d", lines, n)
	}
	assertStoreSound(t, s, "after the goroutines")
}
