package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// The engine withdraws a proxy's certificate, as `pkienroll revoke` and
// `pkienroll crl` do: the index marks it revoked, and the CRL published
// next lists its serial, signed by the CA.
func ExampleStore_Revoke() {
	dir, err := os.MkdirTemp("", "pkienroll-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	caSubject, err := dn.Parse("/C=US/O=Example Inc./CN=engine.example.com.81108")
	if err != nil {
		log.Fatal(err)
	}
	store, err := pki.InitStore(filepath.Join(dir, "engine"), pki.InitRequest{Subject: caSubject})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A proxy's certificate, signed from a request held in memory.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	subject, err := dn.Derive(caSubject, "proxy.example.com")
	if err != nil {
		log.Fatal(err)
	}
	csr, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := store.Sign(ctx, pki.SignRequest{Name: "proxy", CSR: csr}); err != nil {
		log.Fatal(err)
	}

	// Its key leaked: revoke it by name (pkienroll revoke --name=proxy).
	entry, err := store.Revoke(ctx, pki.RevokeRequest{Name: "proxy", Reason: "keyCompromise"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("revoked:", entry.Serial, entry.Status, entry.Reason)

	// Publish the CRL where the web server serves it (pkienroll crl --out).
	crl, err := store.PublishCRL(ctx, pki.CRLRequest{Out: filepath.Join(dir, "ca.crl"), Days: 7})
	if err != nil {
		log.Fatal(err)
	}
	list, err := pki.ReadCRL(crl.Path)
	if err != nil {
		log.Fatal(err)
	}
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("CRL number:", crl.Number, "signed by the CA:", list.CheckSignatureFrom(ca) == nil)
	for _, r := range list.RevokedCertificateEntries {
		fmt.Println("lists:", pki.FormatSerial(r.SerialNumber), pki.CRLReasonName(r.ReasonCode))
	}
	// Output:
	// revoked: 1001 revoked keyCompromise
	// CRL number: 1 signed by the CA: true
	// lists: 1001 keyCompromise
}
