package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// The whole enrollment of a proxy: the engine creates its CA, the proxy
// derives its subject from the CA certificate, makes a key and a request,
// the engine signs the request, and the proxy checks what it got back.
func Example_proxyEnrollment() {
	dir, err := os.MkdirTemp("", "pkienroll-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Engine host: a CA in the PKI directory (pkienroll ca init).
	caSubject, err := dn.Parse("/C=US/O=Example Inc./CN=engine.example.com.81108")
	if err != nil {
		log.Fatal(err)
	}
	store, err := pki.InitStore(filepath.Join(dir, "engine"), pki.InitRequest{Subject: caSubject})
	if err != nil {
		log.Fatal(err)
	}

	// Proxy host: keep every attribute of the CA's subject but CN, then
	// append the proxy's own name (pkienroll subject --cert ca.pem --cn ...).
	caCert, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		log.Fatal(err)
	}
	caName, err := dn.FromCertificate(caCert)
	if err != nil {
		log.Fatal(err)
	}
	subject, err := dn.Derive(caName, "proxy.example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("subject:", subject)

	// Proxy host: a key without passphrase (0600) and a request for it
	// (pkienroll request --keyout proxy.key --out proxy.req).
	key, err := pki.GenerateKey(pki.DefaultKeyBits)
	if err != nil {
		log.Fatal(err)
	}
	if err := pki.WriteKey(filepath.Join(dir, "proxy.key"), key, pki.KeyEncoding{}, false); err != nil {
		log.Fatal(err)
	}
	req, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject})
	if err != nil {
		log.Fatal(err)
	}

	// The request travels to <pki-dir>/requests/proxy.req on the engine,
	// which signs it (pkienroll sign --name=proxy --days=730).
	if err := os.WriteFile(store.RequestPath("proxy"), pki.EncodeRequestPEM(req), 0o644); err != nil {
		log.Fatal(err)
	}
	issued, err := store.Sign(context.Background(), pki.SignRequest{Name: "proxy", Days: 730})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("serial:", issued.Serial, "names:", issued.Certificate.DNSNames)

	// Proxy host: the certificate chains to the CA and names the proxy.
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	_, err = issued.Certificate.Verify(x509.VerifyOptions{Roots: roots, DNSName: "proxy.example.com"})
	fmt.Println("verifies:", err == nil, "key matches:", pki.KeyMatches(issued.Certificate.PublicKey, key))

	// Output:
	// subject: /C=US/O=Example Inc./CN=proxy.example.com
	// serial: 1001 names: [proxy.example.com]
	// verifies: true key matches: true
}

func ExampleParseSANs() {
	sans, err := pki.ParseSANs("DNS:proxy.example.com,IP:192.0.2.10")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sans.DNSNames, sans.IPAddresses)
	// Output: [proxy.example.com] [192.0.2.10]
}

// The engine makes a certificate whole, as pki-enroll-pkcs12.sh does: key,
// request, certificate and a password-protected PKCS#12 bundle.
func ExampleStore_Enroll() {
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

	subject, err := dn.Parse("/C=US/O=Example Inc./CN=spice.example.com")
	if err != nil {
		log.Fatal(err)
	}
	enrolled, err := store.Enroll(context.Background(), pki.EnrollRequest{
		SignRequest: pki.SignRequest{Name: "spice", Subject: subject, Days: 730},
		Password:    "changeit",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("serial:", enrolled.Serial, "bundle:", filepath.Base(enrolled.PKCS12Path))

	// Later, anywhere: the bundle opens with the password.
	b, err := pki.ReadPKCS12(enrolled.PKCS12Path, "changeit")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("key matches:", pki.KeyMatches(b.Certificate.PublicKey, b.Key), "CA certificates:", len(b.CACerts))
	// Output:
	// serial: 1001 bundle: spice.p12
	// key matches: true CA certificates: 1
}

// A server that signs for many clients at once, such as an EST server,
// signs through a SignQueue: concurrent requests share holds of the lock
// and flushes of the disk, and each caller gets its own certificate.
func ExampleSignQueue() {
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
	queue := store.NewSignQueue()

	hosts := []string{"proxy1", "proxy2", "proxy3"}
	serials := make([]string, len(hosts))
	var wg sync.WaitGroup
	for i, host := range hosts {
		wg.Go(func() {
			// Each request arrives from the network, held in memory.
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				log.Fatal(err)
			}
			subject, err := dn.Derive(caSubject, host+".example.com")
			if err != nil {
				log.Fatal(err)
			}
			csr, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject})
			if err != nil {
				log.Fatal(err)
			}
			issued, err := queue.Sign(context.Background(), pki.SignRequest{Name: host, CSR: csr})
			if err != nil {
				log.Fatal(err)
			}
			serials[i] = issued.Serial
		})
	}
	wg.Wait()
	slices.Sort(serials)
	fmt.Println("serials:", serials)
	// Output:
	// serials: [1001 1002 1003]
}
