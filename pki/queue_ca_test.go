package pki_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestSignQueueLoadsRenewedCA: the queue, whose batches find the CA key
// parsed already (kept by the key file's content), loads a renewed CA. A renewal
// keeps the CA's key, subject and serial, so what tells the two apart is
// the CA's end: a certificate that outlives the old CA is signed with a
// warning saying so, and the same after the renewal, which outlives it
// too, without. A key that no longer matches is refused, nothing signed.
func TestSignQueueLoadsRenewedCA(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	reqs := queueRequests(t, s, "before", "after", "mismatch")
	q := s.NewSignQueue()
	ctx := context.Background()
	oldCA := pkitest.ReadCert(t, s.CACertPath())
	days := int(time.Until(oldCA.NotAfter).Hours()/24) + 10
	for i := range reqs {
		reqs[i].Days = days
	}
	first, err := q.Sign(ctx, reqs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !outlivesCA(first) {
		t.Fatalf("a certificate of %d days under a CA ending %s: no warning, so the test cannot tell the CAs apart", days, oldCA.NotAfter)
	}
	if _, err := s.RenewCA(t.Context(), days+30); err != nil {
		t.Fatal(err)
	}
	second, err := q.Sign(ctx, reqs[1])
	if err != nil {
		t.Fatal(err)
	}
	if outlivesCA(second) {
		t.Errorf("signed after the renewal with the old CA's end: %q", second.Warnings)
	}
	assertVerifies(t, s.CACertPath(), second.CertPath)

	pkitest.WriteSharedKey(t, s.CAKeyPath(), pkitest.OtherKey)
	before := pkitest.Snapshot(t, s.Dir())
	if is, err := q.Sign(ctx, reqs[2]); !errors.Is(err, pki.ErrKeyMismatch) || is != nil {
		t.Errorf("with a CA key of another certificate: %v, want ErrKeyMismatch and nothing signed", err)
	}
	if !maps.Equal(before, pkitest.Snapshot(t, s.Dir())) {
		t.Error("the refused signing changed the store")
	}
}

// outlivesCA reports whether is was signed with the warning that it ends
// after its CA.
func outlivesCA(is *pki.Issued) bool {
	for _, w := range is.Warnings {
		if strings.Contains(w, "after its CA") {
			return true
		}
	}
	return false
}
