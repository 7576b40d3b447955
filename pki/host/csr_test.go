package host_test

import (
	"errors"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/host"
)

// TestNewCSR: the subject is the CA's with the service's CN, and the
// request names what was asked.
func TestNewCSR(t *testing.T) {
	csr, err := host.NewCSR(ecKey(t), selfSigned(t, "engine.example.com"), "proxy.example.com", pki.SANs{DNSNames: []string{"proxy.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := csr.Subject.String(); got != "/O=Example/CN=proxy.example.com" {
		t.Errorf("subject %s", got)
	}
	if _, err := host.NewCSR(ecKey(t), selfSigned(t, "ca"), "bad\nname", pki.SANs{}); err == nil {
		t.Error("a CN with a line break was accepted")
	}
}

// TestNewCSRNil: a nil key or CA certificate is an error, not a panic.
func TestNewCSRNil(t *testing.T) {
	if _, err := host.NewCSR(ecKey(t), nil, "proxy.example.com", pki.SANs{}); !errors.Is(err, dn.ErrInvalid) {
		t.Errorf("nil CA: %v", err)
	}
	if _, err := host.NewCSR(nil, selfSigned(t, "ca"), "proxy.example.com", pki.SANs{}); !errors.Is(err, pki.ErrNotKey) {
		t.Errorf("nil key: %v", err)
	}
}
