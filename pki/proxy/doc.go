// Package proxy builds the configuration of the proxies in front of an
// engine host from the files pki issues: the Squid reverse proxy for the
// engine's web portal (RenderPortal, CheckPortalFiles), the Squid forward
// proxy that SPICE clients tunnel through (RenderSpice), and the
// SpiceProxyDefault value that tells the clients about it
// (ParseSpiceProxy, ResolveSpiceProxy).
//
// The configurations are for Squid 5 and 6, which refuse what older guides
// wrote: key= before cert= on https_port is fatal, and defaultsite= needs
// the accel flag. SquidParse has a real Squid check a configuration.
//
// Like pki, the package never logs and never exits; its errors wrap the
// sentinels in errors.go.
package proxy
