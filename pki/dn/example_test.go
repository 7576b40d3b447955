package dn_test

import (
	"fmt"
	"log"

	"github.com/pkienroll/pkienroll/pki/dn"
)

func ExampleDerive() {
	// What `openssl x509 -noout -subject` prints for the engine CA (OpenSSL 3).
	ca, err := dn.Parse("subject=C = US, O = Example Inc., CN = engine.example.com.81108")
	if err != nil {
		log.Fatal(err)
	}
	proxy, err := dn.Derive(ca, "proxy.example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(proxy)
	fmt.Println(proxy.RFC4514())
	// Output:
	// /C=US/O=Example Inc./CN=proxy.example.com
	// CN=proxy.example.com,O=Example Inc.,C=US
}
