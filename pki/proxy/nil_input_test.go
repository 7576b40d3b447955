package proxy_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/proxy"
)

// TestEngineCertificateNil: a nil engine certificate is unfit, not a
// panic.
func TestEngineCertificateNil(t *testing.T) {
	if err := proxy.VerifyEngineLeaf(nil, "engine.example.com"); !errors.Is(err, proxy.ErrUnfitCertificate) {
		t.Errorf("VerifyEngineLeaf(nil): %v", err)
	}
	if err := proxy.VerifyEngineCertificate(nil, nil, time.Now()); !errors.Is(err, proxy.ErrUnfitCertificate) {
		t.Errorf("VerifyEngineCertificate(nil): %v", err)
	}
}
