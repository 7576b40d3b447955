package main

import (
	"fmt"

	"github.com/pkienroll/pkienroll/pki/proxy"
)

// spiceProxyCmd deals with the engine's SpiceProxyDefault setting.
type spiceProxyCmd struct {
	Check spiceProxyCheckCmd `cmd:"" help:"Check a SpiceProxyDefault value and print the engine-config lines that set and clear it."`
}

// spiceProxyCheckCmd validates a value and prints how to set it.
type spiceProxyCheckCmd struct {
	Value string `arg:"" placeholder:"VALUE" help:"The proxy, [protocol://]host[:port], as http://proxy.example.com:3128."`
}

// Run prints the engine-config lines on stdout, as shell, and what
// keeps clients from using the value on stderr.
func (c *spiceProxyCheckCmd) Run(e *env) error {
	p, err := proxy.ParseSpiceProxy(c.Value)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings() {
		e.log.Warn(w, "value", p.String())
	}
	on, off := proxy.EngineConfigCommands(p)
	_, err = fmt.Fprintf(e.stdout, "# On the engine: turn the SPICE proxy on, then restart ovirt-engine.\n%s\n"+
		"# To turn it off again (then restart ovirt-engine):\n%s\n", on, off)
	return err
}
