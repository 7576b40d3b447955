// Package proxy builds the configuration of the proxies in front of an
// engine host from the files pki issues: the Squid reverse proxy for the
// engine's web portal (RenderPortal, CheckPortalFiles), the Squid forward
// proxy that SPICE clients tunnel through (RenderSpice), and the
// SpiceProxyDefault value that tells the clients about it
// (ParseSpiceProxy, ResolveSpiceProxy); and the websocket proxy that
// carries browsers' consoles, on a host of its own: its files
// (WebsocketFilesIn), its name on the engine (WebsocketRequestName), its
// 10-setup.conf (RenderWebsocket, ParseWebsocketConfig), the checks of its
// files (CheckWebsocketFiles), the engine's certificate fetched over HTTPS
// against the CA (FetchEngineCertificate, VerifyEngineCertificate), and the
// engine-config lines that turn it on and off.
//
// The Squid configurations are for Squid 5 and 6, which refuse what older guides
// wrote: key= before cert= on https_port is fatal, and defaultsite= needs
// the accel flag. SquidParse has a real Squid check a configuration.
//
// Like pki, the package never logs and never exits; its errors wrap the
// sentinels in errors.go.
package proxy
