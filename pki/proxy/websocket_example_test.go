package proxy_test

import (
	"fmt"
	"log"

	"github.com/pkienroll/pkienroll/pki/proxy"
)

func ExampleRenderWebsocket() {
	name, err := proxy.WebsocketRequestName("wsp.example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sign on the engine: requests/" + name + ".req")
	conf, err := proxy.RenderWebsocket(proxy.WebsocketConfig{Files: proxy.WebsocketFilesIn("/etc/pki/ovirt-engine")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(conf))
	on, off, err := proxy.WebsocketEngineConfigCommands("wsp.example.com", proxy.DefaultWebsocketPort)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(on)
	fmt.Println(off)
	// Output:
	// sign on the engine: requests/websocket-proxy-wsp.example.com.req
	// # ovirt-websocket-proxy: TLS only, with the proxy's own certificate and key.
	// # Made by pkienroll websocket-proxy config; read after the service's defaults.
	// PROXY_PORT=6100
	// SSL_CERTIFICATE=/etc/pki/ovirt-engine/certs/websocket-proxy.cer
	// SSL_KEY=/etc/pki/ovirt-engine/keys/websocket-proxy.key.nopass
	// CERT_FOR_DATA_VERIFICATION=/etc/pki/ovirt-engine/certs/engine.cer
	// SSL_ONLY=True
	// engine-config -s WebSocketProxy=wsp.example.com:6100
	// engine-config -s WebSocketProxy=Off
}
