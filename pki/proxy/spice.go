package proxy

import (
	"bytes"
	"fmt"
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
// tunnel through to the hypervisors' display ports.
type SpiceConfig struct {
	// Listen is where clients connect, [ADDR:]PORT; DefaultSpicePort on
	// every address when empty.
	Listen string
	// ReadTimeout is the idle timeout of a tunnel; DefaultReadTimeout when
	// zero.
	ReadTimeout time.Duration
}

type spiceData struct {
	Listen      string
	First, Last int
	ReadTimeout string
}

// RenderSpice returns the Squid configuration of the SPICE proxy: CONNECT
// to the SPICE display ports allowed, everything else refused, nothing
// cached, idle timeouts long enough for a console.
func RenderSpice(c SpiceConfig) ([]byte, error) {
	d := spiceData{First: SpicePortFirst, Last: SpicePortLast}
	var err error
	if d.Listen, err = listenAddr(c.Listen, DefaultSpicePort); err != nil {
		return nil, err
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

// spiceTemplate is parsed on first use, not at start-up of every pkienroll
// process (docs/performance.md).
var spiceTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("spice").Parse(`# Squid configuration: the forward proxy SPICE clients tunnel through to
# the hypervisors (SpiceProxyDefault=http://THIS-HOST:PORT on the engine).
# Made by pkienroll squid-config spice for Squid 5 and 6; check it with:
# squid -k parse -f THIS-FILE

# Where SPICE clients connect, as to any HTTP proxy.
http_port {{.Listen}}

# The clients ask for a tunnel (CONNECT) to a virtual machine's display port
# on its hypervisor: {{.First}}-{{.Last}}, the range oVirt opens for VNC and SPICE,
# plain and TLS. Not 16514: that is libvirt's TLS port (migration and
# remote management), which no console client uses; opening it would hand
# the hypervisors' libvirt to whoever reaches this proxy.
acl spice_ports port {{.First}}-{{.Last}}
acl spice_connect method CONNECT

# Tunnels to the display ports, nothing else: no plain HTTP, no other port.
http_access allow spice_connect spice_ports
http_access deny all

# A tunnel carries nothing to cache; keep nothing.
cache deny all

# A console can be idle for long. In a tunnel, data either way gives both
# sides read_timeout more (Squid's default, 15 minutes, cuts idle consoles).
read_timeout {{.ReadTimeout}}
`))
})
