package proxy

import (
	"fmt"
	"strings"
)

// SpiceProxy is a SpiceProxyDefault value, [protocol://]host[:port]: the
// proxy the engine hands to SPICE clients.
type SpiceProxy struct {
	// Scheme is "http", "https", or "" when the value has none (clients
	// then assume http).
	Scheme string
	// Host is a DNS name or an IP address, without brackets.
	Host string
	// Port is 0 when the value has none (clients then use their default).
	Port int
}

// String returns the value as the engine stores it.
func (p SpiceProxy) String() string {
	s := hostPort(p.Host, p.Port)
	if p.Scheme != "" {
		s = p.Scheme + "://" + s
	}
	return s
}

// Warnings says what about p keeps some clients from using it as meant;
// nil when nothing does.
func (p SpiceProxy) Warnings() []string {
	var w []string
	switch p.Scheme {
	case "https":
		// spice-gtk parses https:// since 0.24 (2014) and, since 0.35,
		// connects through it with GLib's TLS: a proxy it cannot verify
		// fails the console, it does not go around the proxy.
		w = append(w, "SPICE clients check an https:// proxy's certificate against their operating system's trust store (not the console file's CA) and against the proxy's IP address: install the engine's CA there and give the certificate an IP SAN for every address clients use, or consoles fail to open")
	case "":
		w = append(w, "no protocol: clients assume http://; write it out")
	}
	if p.Port == 0 {
		w = append(w, "no port: clients pick their own default (3128 for http); write it out")
	}
	return w
}

// ParseSpiceProxy reads a SpiceProxyDefault value, [protocol://]host[:port]
// with protocol http or https and an IPv6 host in brackets. Paths, queries
// and credentials are refused: credentials in the value would go to every
// console user.
func ParseSpiceProxy(s string) (SpiceProxy, error) {
	var p SpiceProxy
	bad := func(format string, args ...any) (SpiceProxy, error) {
		return SpiceProxy{}, fmt.Errorf("SPICE proxy %q: %s: %w", redacted(s), fmt.Sprintf(format, args...), ErrBadValue)
	}
	if strings.TrimSpace(s) == "" {
		return bad("empty (to turn the SPICE proxy off, clear SpiceProxyDefault)")
	}
	if s != strings.TrimSpace(s) {
		return bad("leading or trailing white space")
	}
	rest := s
	if scheme, after, ok := strings.Cut(s, "://"); ok {
		switch strings.ToLower(scheme) {
		case "http", "https":
			p.Scheme = strings.ToLower(scheme)
		default:
			return bad("protocol %q: want http (or https)", scheme)
		}
		rest = after
	}
	switch {
	case strings.ContainsAny(rest, "/?#"):
		return bad("want [protocol://]host[:port], without a path")
	case strings.Contains(rest, "@"):
		return bad("credentials in the value would be handed to every console user")
	case rest == "":
		return bad("no host")
	}
	host, port, err := splitHostPort(rest)
	if err != nil {
		return bad("%s", strings.TrimSuffix(err.Error(), ": "+ErrBadValue.Error()))
	}
	p.Host, p.Port = strings.TrimSuffix(host, "."), port
	return p, nil
}

// SpiceProxySettings are the places the engine takes a VM's SPICE proxy
// from. Empty (or blank) strings are unset.
type SpiceProxySettings struct {
	// Global is engine-config's SpiceProxyDefault.
	Global string
	// Cluster is the SPICE proxy of the VM's cluster; it overrides Global.
	Cluster string
	// Pool is the SPICE proxy of the VM's pool; it overrides Cluster.
	Pool string
	// DisabledForVM is the per-VM switch in the console options that turns
	// any proxy off.
	DisabledForVM bool
}

// SpiceProxySource names where an effective SPICE proxy came from.
type SpiceProxySource string

// Where ResolveSpiceProxy found the proxy, most specific first.
const (
	SourceVM      SpiceProxySource = "vm"      // disabled for the VM: no proxy
	SourcePool    SpiceProxySource = "pool"    // the pool's value
	SourceCluster SpiceProxySource = "cluster" // the cluster's value
	SourceGlobal  SpiceProxySource = "global"  // SpiceProxyDefault
	SourceNone    SpiceProxySource = "none"    // set nowhere: no proxy
)

// ResolveSpiceProxy returns the proxy the engine hands to a VM's SPICE
// client, and where it came from: none when disabled for the VM, else the
// pool's, else the cluster's, else the global value, else none. An empty
// proxy means the client connects directly.
func ResolveSpiceProxy(s SpiceProxySettings) (string, SpiceProxySource) {
	if s.DisabledForVM {
		return "", SourceVM
	}
	for _, level := range []struct {
		value  string
		source SpiceProxySource
	}{{s.Pool, SourcePool}, {s.Cluster, SourceCluster}, {s.Global, SourceGlobal}} {
		if v := strings.TrimSpace(level.value); v != "" {
			return v, level.source
		}
	}
	return "", SourceNone
}

// EngineConfigCommands returns the engine-config lines that turn the SPICE
// proxy p on and off globally, quoted for a POSIX shell where needed.
func EngineConfigCommands(p SpiceProxy) (on, off string) {
	v := p.String()
	if strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:/-") != "" {
		v = "'" + v + "'"
	}
	return "engine-config -s SpiceProxyDefault=" + v, "engine-config -s SpiceProxyDefault="
}
