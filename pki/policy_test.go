package pki_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestPolicyIsWhatSignApplies: Sign takes exactly the validity the policy
// allows, fills in its default, and its refusal names the policy's range;
// the key usage of a leaf is the policy's for the key's type.
func TestPolicyIsWhatSignApplies(t *testing.T) {
	t.Parallel()
	p := pki.DefaultPolicy()
	if p.MinDays != 2 || p.MaxDays != 36500 || p.DefaultDays != pki.DefaultDays || p.DefaultCADays != pki.DefaultCADays {
		t.Errorf("DefaultPolicy() = %+v", p)
	}
	if got, want := p.DaysRange(), fmt.Sprintf("%d..%d", p.MinDays, p.MaxDays); got != want {
		t.Errorf("DaysRange() = %q, want %q", got, want)
	}
	s := pkitest.NewStore(t)
	for _, days := range []int{0, p.MinDays - 1, p.MinDays, p.MaxDays, p.MaxDays + 1} {
		name := fmt.Sprintf("d%d", days)
		pkitest.WriteRequest(t, s, name, "/C=US/O=Example Inc./CN="+name+".example.com")
		is, err := s.Sign(t.Context(), pki.SignRequest{Name: name, Days: days})
		ok := days == 0 || (days >= p.MinDays && days <= p.MaxDays)
		if ok != (err == nil) {
			t.Errorf("Sign with %d days: %v; the policy allows it: %v", days, err, ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, pki.ErrBadDays) || (days != 1 && !strings.Contains(err.Error(), p.DaysRange())) {
				t.Errorf("Sign with %d days: %v, want ErrBadDays naming %s", days, err, p.DaysRange())
			}
			continue
		}
		want := days
		if days == 0 {
			want = p.DefaultDays
		}
		c := is.Certificate
		if got := int(c.NotAfter.Add(time.Second).Sub(c.NotBefore) / (24 * time.Hour)); got != want {
			t.Errorf("Sign with %d days: valid %d days, want %d", days, got, want)
		}
		if is.Certificate.KeyUsage != p.LeafKeyUsage(is.Certificate.PublicKey) {
			t.Errorf("key usage %v, want the policy's %v", is.Certificate.KeyUsage, p.LeafKeyUsage(is.Certificate.PublicKey))
		}
	}
	if p.LeafKeyUsageRSA != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment || p.LeafKeyUsageEC != x509.KeyUsageDigitalSignature {
		t.Errorf("leaf key usages %v, %v", p.LeafKeyUsageRSA, p.LeafKeyUsageEC)
	}
}
