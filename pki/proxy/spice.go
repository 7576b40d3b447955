package proxy

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"text/template"
	"time"
)

// SPICE display ports: the range oVirt opens on every hypervisor for
// "remote guest console access via VNC and SPICE", plain and TLS.
const (
	SpicePortFirst = 5900
	SpicePortLast  = 6923
)

// SpiceConfig describes the forward proxy that SPICE clients (remote-viewer)
// tunnel through to the hypervisors' display ports. Clients and Hypervisors
// are required: without them the proxy is an open relay to every host's
// display ports.
type SpiceConfig struct {
	// Listen is where clients connect, [ADDR:]PORT; DefaultSpicePort on
	// every address when empty. An HTTPS proxy (TLS set) needs ADDR: the
	// address clients connect to, which its certificate must name.
	Listen string
	// Clients are the networks that may use the proxy, CIDR or single
	// addresses ("0.0.0.0/0" and "::/0" for anyone).
	Clients []string
	// Hypervisors are where the proxy may tunnel to: networks (CIDR or
	// single addresses), ".domain" for a domain and all names in it, or a
	// host name.
	Hypervisors []string
	// TLS, when set, makes the proxy an HTTPS proxy (https:// in
	// SpiceProxyDefault) with this certificate; CheckSpiceTLSFiles checks
	// what clients need of it.
	TLS *SpiceTLS
	// ReadTimeout is the idle timeout of a tunnel; DefaultReadTimeout when
	// zero.
	ReadTimeout time.Duration
}

// SpiceTLS is the certificate of an HTTPS SPICE proxy, as absolute paths on
// the proxy host. CAFile, the engine's CA certificate, is only read by
// CheckSpiceTLSFiles; Squid needs the certificate and key.
type SpiceTLS struct {
	CertFile, KeyFile, CAFile string
}

type spiceData struct {
	Listen            string
	Cert, Key         string
	First, Last       int
	Clients           string
	Networks, Domains string
	ReadTimeout       string
	ListenAddr        string
}

// RenderSpice returns the Squid configuration of the SPICE proxy: CONNECT
// from the clients' networks to the hypervisors' display ports allowed,
// everything else refused, nothing cached, idle timeouts long enough for a
// console; an https_port forward proxy when c.TLS is set.
func RenderSpice(c SpiceConfig) ([]byte, error) {
	d := spiceData{First: SpicePortFirst, Last: SpicePortLast}
	var err error
	if d.Listen, err = listenAddr(c.Listen, DefaultSpicePort); err != nil {
		return nil, err
	}
	if d.Clients, err = spiceClients(c.Clients); err != nil {
		return nil, err
	}
	if d.Networks, d.Domains, err = spiceHypervisors(c.Hypervisors); err != nil {
		return nil, err
	}
	if c.TLS != nil {
		addr, err := spiceTLSAddr(c.Listen)
		if err != nil {
			return nil, err
		}
		d.ListenAddr = addr.String()
		for _, f := range []struct{ what, path string }{{"certificate", c.TLS.CertFile}, {"key", c.TLS.KeyFile}} {
			if err := checkPath(f.what, f.path); err != nil {
				return nil, err
			}
		}
		d.Cert, d.Key = c.TLS.CertFile, c.TLS.KeyFile
	}
	if d.ReadTimeout, _, err = timeouts(c.ReadTimeout); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := spiceTemplate().Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render SPICE proxy configuration: %w", err)
	}
	return b.Bytes(), nil
}

// spiceTLSAddr is the address an HTTPS proxy listens on, from listen: the
// clients check the proxy's certificate against the address they connect
// to (spice-gtk resolves the proxy's name itself and hands GLib the
// address), so it must be one address, not every one.
func spiceTLSAddr(listen string) (netip.Addr, error) {
	host, _, err := splitHostPort(listen)
	if err != nil || strings.Trim(listen, "0123456789") == "" {
		return netip.Addr{}, fmt.Errorf("listen %q: an HTTPS proxy needs ADDR:PORT, the address clients connect to and its certificate names: %w", redacted(listen), ErrBadValue)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.IsUnspecified() {
		return netip.Addr{}, fmt.Errorf("listen %s: an HTTPS proxy needs the one address clients connect to and its certificate names, not %s: %w", redacted(listen), host, ErrBadValue)
	}
	return a, nil
}

// spiceClients spells the clients' networks for a src ACL.
func spiceClients(list []string) (string, error) {
	if len(list) == 0 {
		return "", fmt.Errorf("no clients: say which networks may use the proxy (0.0.0.0/0,::/0 for anyone): %w", ErrBadValue)
	}
	var nets []network
	for _, s := range list {
		p, err := parseNetwork(s)
		if err != nil {
			return "", fmt.Errorf("client network %w", err)
		}
		nets = append(nets, network{s, p})
	}
	return squidNetworks("client", nets)
}

// spiceHypervisors splits the hypervisors into networks (a dst ACL) and
// names (a dstdomain ACL).
func spiceHypervisors(list []string) (networks, domains string, err error) {
	if len(list) == 0 {
		return "", "", fmt.Errorf("no hypervisors: say which networks or domains the proxy may tunnel to, or it tunnels to any host's display ports: %w", ErrBadValue)
	}
	var nets []network
	var names []domainName
	for _, s := range list {
		_, prefixErr := netip.ParsePrefix(s)
		_, addrErr := netip.ParseAddr(s)
		if prefixErr == nil || addrErr == nil || strings.ContainsAny(s, "/:") {
			p, err := parseNetwork(s)
			if err != nil {
				return "", "", fmt.Errorf("hypervisor network %w", err)
			}
			nets = append(nets, network{s, p})
			continue
		}
		if strings.HasPrefix(s, "*.") {
			return "", "", fmt.Errorf("hypervisors %q: for every name in a domain, write %q (Squid's form), not a wildcard: %w", redacted(s), redacted(s[1:]), ErrBadValue)
		}
		name := strings.TrimSuffix(s, ".")
		labels := strings.Split(name, ".")
		if err := checkHostName(strings.TrimPrefix(name, ".")); err != nil || strings.HasPrefix(name, "..") ||
			strings.Trim(labels[len(labels)-1], "0123456789") == "" {
			// An all-digit last label is a mistyped address, not a name.
			return "", "", fmt.Errorf("hypervisors %q: want a network (CIDR or address), .domain or a host name: %w", redacted(s), ErrBadValue)
		}
		names = append(names, domainName{s, strings.ToLower(name)})
	}
	if networks, err = squidNetworks("hypervisor", nets); err != nil {
		return "", "", err
	}
	if domains, err = squidDomains(names); err != nil {
		return "", "", err
	}
	return networks, domains, nil
}

// spiceTemplate is parsed on first use, not at start-up of every pkienroll
// process (docs/performance.md).
var spiceTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("spice").Parse(`# Squid configuration: the forward proxy SPICE clients tunnel through to
# the hypervisors (SpiceProxyDefault={{if .Cert}}https://{{.Listen}}{{else}}http://THIS-HOST:PORT{{end}} on the engine).
# Made by pkienroll squid-config spice for Squid 5 and 6; check it with:
# squid -k parse -f THIS-FILE
{{if .Cert}}
# Where SPICE clients connect: an HTTPS proxy, with the proxy's certificate
# and key (tls-cert= before tls-key=). Clients check the certificate
# against their operating system's trust store, not the console file's CA,
# and against the address they connect to: it must carry IP:{{.ListenAddr}}.
https_port {{.Listen}} tls-cert={{.Cert}} tls-key={{.Key}}
{{- else}}
# Where SPICE clients connect, as to any HTTP proxy. The CONNECT request,
# with the hypervisor's name and port, crosses the network in the clear.
http_port {{.Listen}}
{{- end}}

# Who may use the proxy: anyone else gets 403 for everything.
acl spice_clients src {{.Clients}}

# Where the proxy may tunnel to: the hypervisors, by network{{if .Domains}} or by name
# (-n: a CONNECT to an address is never looked up to match a name){{end}}.
# The proxy resolves the names clients send (the console file names the
# hypervisor as the engine knows it): they must resolve on this host.
{{- if .Networks}}
acl spice_hypervisors dst {{.Networks}}
{{- end}}
{{- if .Domains}}
acl spice_hypervisor_names dstdomain -n {{.Domains}}
{{- end}}

# The clients ask for a tunnel (CONNECT) to a virtual machine's display port
# on its hypervisor: {{.First}}-{{.Last}}, the range oVirt opens for VNC and SPICE,
# plain and TLS. The tunnel carries what the console sends: TLS on a VM's
# TLS port (a console file with secure-channels, or a cluster that
# requires it), clear text on its plain port. Not 16514: that is libvirt's
# TLS port (migration and remote management), which no console client
# uses; opening it would hand the hypervisors' libvirt to whoever reaches
# this proxy.
acl spice_ports port {{.First}}-{{.Last}}
acl spice_connect method CONNECT

# Tunnels from the clients to the hypervisors' display ports, nothing else:
# no plain HTTP, no other port, no other host.
http_access deny !spice_clients
{{- if .Networks}}
http_access allow spice_connect spice_ports spice_hypervisors
{{- end}}
{{- if .Domains}}
http_access allow spice_connect spice_ports spice_hypervisor_names
{{- end}}
http_access deny all

# A tunnel carries nothing to cache; keep nothing.
cache deny all

# A console can be idle for long. In a tunnel, data either way gives both
# sides read_timeout more (Squid's default, 15 minutes, cuts idle consoles).
read_timeout {{.ReadTimeout}}
`))
})
