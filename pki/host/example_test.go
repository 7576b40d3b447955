package host_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/user"
	"path/filepath"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/host"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// The websocket proxy's side of its enrollment, as `pkienroll
// websocket-proxy request`, `engine-cert` and `config` do it: a key (kept
// when there is one) and a request with the subject derived from the CA;
// the certificate the engine signed and the engine's certificate installed
// for the service's account; and a check that the account can read them.
func Example_websocketProxy() {
	dir, err := os.MkdirTemp("", "pkienroll-host-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	caSubject, _ := dn.Parse("/C=US/O=Example Inc./CN=engine.example.com.81108")
	engine, err := pki.InitStore(filepath.Join(dir, "engine"), pki.InitRequest{Subject: caSubject})
	if err != nil {
		log.Fatal(err)
	}
	ca, err := pki.ReadCertificate(engine.CACertPath())
	if err != nil {
		log.Fatal(err)
	}

	// The proxy host: its files below its PKI directory, for the account
	// the service runs as (here the one running the example).
	me, _ := user.Current()
	owner, err := host.LookupOwner(me.Username)
	if err != nil {
		log.Fatal(err)
	}
	files := proxy.WebsocketFilesIn(filepath.Join(dir, "proxy"))
	files.CSR = filepath.Join(dir, "proxy", "requests", "websocket-proxy.req")
	files.Owner = owner
	key, created, err := files.LoadOrMakeKey(true, nil)
	if err != nil {
		log.Fatal(err)
	}
	csr, err := host.NewCSR(key, ca, "wsp.example.com", pki.SANs{DNSNames: []string{"wsp.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new key:", created, "subject:", csr.Subject)
	if err := files.Install(host.Bundle{Key: key, CSR: csr.DER}, host.Options{MakeDirs: true}); err != nil {
		log.Fatal(err)
	}

	// The engine signs it (pkienroll websocket-proxy sign); the certificate
	// and the engine's own come back to the proxy host.
	issued, err := engine.Sign(context.Background(), pki.SignRequest{Name: "websocket-proxy", CSR: csr.DER, Days: 825})
	if err != nil {
		log.Fatal(err)
	}
	engineCert := issued.Certificate // stands in for certs/engine.cer
	if err := files.Install(host.Bundle{Cert: issued.Certificate, EngineCert: engineCert}, host.Options{}); err != nil {
		log.Fatal(err)
	}
	if err := files.CheckReadable(); err != nil {
		log.Fatal(err)
	}

	// A second run keeps the key, as engine-setup does.
	_, created, err = files.LoadOrMakeKey(true, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new key:", created)
	for _, p := range []string{files.Key, files.Cert, files.EngineCert} {
		fi, err := os.Stat(p)
		if err != nil {
			log.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Printf("%s %04o\n", rel, fi.Mode().Perm())
	}
	// Output:
	// new key: true subject: /C=US/O=Example Inc./CN=wsp.example.com
	// new key: false
	// proxy/keys/websocket-proxy.key.nopass 0600
	// proxy/certs/websocket-proxy.cer 0644
	// proxy/certs/engine.cer 0600
}
