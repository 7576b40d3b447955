package est_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// A proxy obtains its certificate over the network and later renews it,
// as `pkienroll obtain` and `pkienroll renew` do: the engine serves EST
// (pkienroll serve) and hands out a one-time token (pkienroll token
// create); the proxy trusts the CA by its fingerprint, makes its key and
// request, and installs what came back; the renewal presents the current
// certificate instead of a token.
func Example_enrollAndRenew() {
	dir, err := os.MkdirTemp("", "pkienroll-est-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// Engine host: the CA, its EST service over TLS, and a token for the
	// proxy's name.
	caSubject, err := dn.Parse("/C=US/O=Example Inc./CN=engine.example.com.81108")
	if err != nil {
		log.Fatal(err)
	}
	store, err := pki.InitStore(filepath.Join(dir, "engine"), pki.InitRequest{Subject: caSubject})
	if err != nil {
		log.Fatal(err)
	}
	serverCert, _, err := est.ServerCertificate(ctx, store, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(est.NewServer(store))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	subject, err := dn.Derive(caSubject, "proxy.example.com")
	if err != nil {
		log.Fatal(err)
	}
	token, _, err := est.OpenTokens(store.Dir()).Create(est.TokenRequest{Name: "proxy", Subject: subject, Days: 90})
	if err != nil {
		log.Fatal(err)
	}
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		log.Fatal(err)
	}
	// The engine's admin reads the fingerprint with `openssl x509 -in ca.pem
	// -noout -fingerprint -sha256` and gives it to the proxy's.
	fingerprint := est.Fingerprint(ca)

	// Proxy host: trust the CA with that fingerprint, then enroll.
	client, err := est.Bootstrap(ctx, srv.URL, fingerprint)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	files := est.Files{
		Key:  filepath.Join(dir, "proxy.key"),
		Cert: filepath.Join(dir, "proxy.cer"),
		CA:   filepath.Join(dir, "ca.pem"),
	}
	cert, err := client.EnrollFiles(ctx, est.EnrollRequest{Token: token, CN: "proxy.example.com", Files: files})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("enrolled:", pki.FormatSerial(cert.SerialNumber), cert.Subject.CommonName, cert.DNSNames)

	// Later: renew when due (here at once, with Always), keeping the key.
	res, err := client.RenewFiles(ctx, est.RenewRequest{Files: files, Always: true})
	if err != nil {
		log.Fatal(err)
	}
	key, err := pki.ReadKey(files.Key, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("renewed:", res.Renewed, pki.FormatSerial(res.Certificate.SerialNumber),
		"same key:", pki.KeyMatches(res.Certificate.PublicKey, key))
	// Output:
	// enrolled: 1002 proxy.example.com [proxy.example.com]
	// renewed: true 1003 same key: true
}
