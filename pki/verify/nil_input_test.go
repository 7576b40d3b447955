package verify_test

import (
	"crypto/x509"
	"testing"

	"github.com/pkienroll/pkienroll/pki/verify"
)

// TestNilInputs: a nil certificate fails the chain check, and a nil entry
// among the CAs is passed over, instead of a panic.
func TestNilInputs(t *testing.T) {
	v := newVerifyPKI(t)
	rs := verify.Certificate(nil, verify.Options{CAs: []*x509.Certificate{v.ca}})
	if len(rs) != 1 || rs[0].Check != verify.Chain || rs[0].OK {
		t.Errorf("nil certificate: %v", rs)
	}
	opts := verify.Options{CAs: []*x509.Certificate{nil, v.ca, nil}, Now: v.at}
	if err := verify.Certificate(v.leaf, opts).Err(); err != nil {
		t.Errorf("CAs with nil entries: %v", err)
	}
	if len(opts.CAs) != 3 || opts.CAs[1] != v.ca {
		t.Error("the caller's CAs were changed")
	}
}
