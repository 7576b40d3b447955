package proxy_test

import (
	"fmt"
	"log"

	"github.com/pkienroll/pkienroll/pki/proxy"
)

func ExampleParseSpiceProxy() {
	p, err := proxy.ParseSpiceProxy("http://proxy.example.com:3128")
	if err != nil {
		log.Fatal(err)
	}
	on, off := proxy.EngineConfigCommands(p)
	fmt.Println(on)
	fmt.Println(off)
	// Output:
	// engine-config -s SpiceProxyDefault=http://proxy.example.com:3128
	// engine-config -s SpiceProxyDefault=
}

func ExampleResolveSpiceProxy() {
	value, from := proxy.ResolveSpiceProxy(proxy.SpiceProxySettings{
		Global:  "http://proxy.example.com:3128",
		Cluster: "http://proxy-east.example.com:3128",
	})
	fmt.Println(value, "from", from)
	// Output: http://proxy-east.example.com:3128 from cluster
}
