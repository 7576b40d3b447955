package pki_test

import (
	"crypto/x509"
	"strings"
	"testing"

	"go.step.sm/crypto/minica"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/verify"
)

// TestForeignCA runs our request and checks against a CA that is not ours:
// smallstep's minica (a root and an intermediate) signs a request made by
// CreateRequest, verify.Certificate accepts the chain to that root, and
// refuses it against the engine CA.
func TestForeignCA(t *testing.T) {
	t.Parallel()
	ca, err := minica.New(minica.WithName("Foreign"))
	if err != nil {
		t.Fatal(err)
	}
	der, err := pki.CreateRequest(pkitest.SharedKey(t, pkitest.RequestKey), pki.RequestTemplate{Subject: pkitest.Name(t, pkitest.EngineProxySubject)})
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.ParseRequest(der)
	if err != nil {
		t.Fatalf("ParseRequest of our own request: %v", err)
	}
	leaf, err := ca.SignCSR(csr)
	if err != nil {
		t.Fatalf("minica refused our request: %v", err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "proxy.example.com" {
		t.Errorf("minica saw SANs %v, want the CN as DNS name", leaf.DNSNames)
	}

	results := verify.Certificate(leaf, verify.Options{
		CAs: []*x509.Certificate{ca.Root, ca.Intermediate}, Key: pkitest.SharedKey(t, pkitest.RequestKey), Host: "proxy.example.com"})
	for _, r := range results {
		if !r.OK {
			t.Errorf("against minica's chain: %s", r)
		}
	}

	engine := pkitest.ReadCert(t, pkitest.NewStore(t).CACertPath())
	var chain *verify.Result
	for _, r := range verify.Certificate(leaf, verify.Options{CAs: []*x509.Certificate{engine}}) {
		if r.Check == verify.Chain {
			chain = &r
		}
	}
	if chain == nil || chain.OK || !strings.Contains(chain.Detail, "another CA") {
		t.Errorf("against the engine CA: %+v, want a failed chain check naming another CA", chain)
	}
}
