package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/pkienroll/pkienroll/pki/proxy"
)

// squidConfigCmd prints the Squid configurations of the proxies.
type squidConfigCmd struct {
	Portal squidPortalCmd `cmd:"" help:"Print the Squid configuration of a TLS reverse proxy in front of the engine's portal."`
	Spice  squidSpiceCmd  `cmd:"" help:"Print the Squid configuration of the forward proxy SPICE clients tunnel through."`
}

// squidParseTimeout bounds `squid -k parse`, which reads a few files.
const squidParseTimeout = 30 * time.Second

// squidPortalCmd prints the reverse proxy's configuration after checking
// the files it points at.
type squidPortalCmd struct {
	Engine        string        `required:"" placeholder:"HOST[:PORT]" help:"The engine's host name, as its certificate names it (port 443 by default)."`
	EngineAddress string        `placeholder:"ADDR" help:"Connect to the engine at this address, when its name does not resolve on the proxy host."`
	Listen        string        `default:"443" help:"Where clients connect: [ADDR:]PORT."`
	Cert          string        `required:"" placeholder:"FILE" help:"The proxy's certificate, as Squid will read it."`
	Key           string        `required:"" placeholder:"FILE" help:"The proxy's key, without passphrase."`
	CA            string        `name:"ca" required:"" placeholder:"FILE" help:"The engine's CA certificate, to check the engine's certificate (and the proxy's)."`
	ReadTimeout   time.Duration `default:"10h" help:"How long a connection may sit idle (Squid's own default, 15m, cuts consoles)."`
	ProxyName     string        `placeholder:"NAME" help:"The proxy's host name: check that the certificate names it, and use it in Squid's pages."`
	Check         bool          `help:"Also have Squid parse the result (squid -k parse), when Squid is installed."`
}

// Run checks the files, renders the configuration and prints it.
func (c *squidPortalCmd) Run(e *env) error {
	if err := checkReadTimeout(c.ReadTimeout); err != nil {
		return err
	}
	pc := proxy.PortalConfig{
		Engine: c.Engine, EngineAddress: c.EngineAddress, Listen: c.Listen,
		ReadTimeout: c.ReadTimeout, ProxyName: c.ProxyName,
	}
	// Squid does not run where the command ran: the configuration names
	// files by absolute path.
	for _, f := range []struct {
		flag, path string
		to         *string
	}{{"--cert", c.Cert, &pc.CertFile}, {"--key", c.Key, &pc.KeyFile}, {"--ca", c.CA, &pc.CAFile}} {
		if f.path == "" {
			return fmt.Errorf("%s is empty", f.flag)
		}
		abs, err := filepath.Abs(f.path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", f.flag, f.path, err)
		}
		*f.to = abs
	}
	conf, err := proxy.RenderPortal(pc)
	if err != nil {
		return squidValueError(err)
	}
	if err := proxy.CheckPortalFiles(pc, now()); err != nil {
		return err
	}
	return printSquidConfig(e, conf, c.Check)
}

// squidSpiceCmd prints the SPICE proxy's configuration.
type squidSpiceCmd struct {
	Listen      string        `default:"3128" help:"Where SPICE clients connect: [ADDR:]PORT (ADDR:PORT with --tls-cert)."`
	Clients     []string      `required:"" sep:"," placeholder:"CIDR" help:"Who may use the proxy: networks or addresses (0.0.0.0/0,::/0 for anyone)."`
	Hypervisors []string      `required:"" sep:"," placeholder:"CIDR|.domain" help:"Where the proxy may tunnel to: the hypervisors' networks, .domain for a domain, or host names."`
	TLSCert     string        `name:"tls-cert" placeholder:"FILE" help:"Make it an HTTPS proxy with this certificate, which needs an IP SAN for the --listen address."`
	TLSKey      string        `name:"tls-key" placeholder:"FILE" help:"The HTTPS proxy's key, without passphrase."`
	CA          string        `name:"ca" placeholder:"FILE" help:"The engine's CA certificate, to check the HTTPS proxy's certificate."`
	ReadTimeout time.Duration `default:"10h" help:"How long a console's tunnel may sit idle (Squid's own default, 15m, cuts consoles)."`
	Check       bool          `help:"Also have Squid parse the result (squid -k parse), when Squid is installed."`
}

// Run renders the configuration and prints it; for an HTTPS proxy, after
// checking the files it points at.
func (c *squidSpiceCmd) Run(e *env) error {
	if err := checkReadTimeout(c.ReadTimeout); err != nil {
		return err
	}
	sc := proxy.SpiceConfig{Listen: c.Listen, Clients: c.Clients, Hypervisors: c.Hypervisors, ReadTimeout: c.ReadTimeout}
	if c.TLSCert != "" || c.TLSKey != "" || c.CA != "" {
		sc.TLS = &proxy.SpiceTLS{}
		for _, f := range []struct {
			flag, path string
			to         *string
		}{{"--tls-cert", c.TLSCert, &sc.TLS.CertFile}, {"--tls-key", c.TLSKey, &sc.TLS.KeyFile}, {"--ca", c.CA, &sc.TLS.CAFile}} {
			if f.path == "" {
				return usageErrorf("an HTTPS SPICE proxy needs --tls-cert, --tls-key and --ca: %s is missing", f.flag)
			}
			abs, err := filepath.Abs(f.path)
			if err != nil {
				return fmt.Errorf("%s %s: %w", f.flag, f.path, err)
			}
			*f.to = abs
		}
	}
	conf, err := proxy.RenderSpice(sc)
	if err != nil {
		return squidValueError(err)
	}
	if err := proxy.CheckSpiceTLSFiles(sc, now()); err != nil {
		return err
	}
	return printSquidConfig(e, conf, c.Check)
}

// checkReadTimeout refuses --read-timeout 0, which the proxy package, for
// whom a zero value is unset, would make its default (10h): the flag has
// that default already, and 0 said something else. The package refuses
// every other value under one second.
func checkReadTimeout(d time.Duration) error {
	if d == 0 {
		return usageErrorf("--read-timeout 0s: want a whole number of seconds, at least 1s")
	}
	return nil
}

// squidValueError makes a value proxy.RenderPortal or proxy.RenderSpice
// refuses a usage error (exit 80): they check the flags' values only,
// before any file is read.
func squidValueError(err error) error {
	if errors.Is(err, proxy.ErrBadValue) {
		return &usageError{err}
	}
	return err
}

// printSquidConfig has Squid parse conf when asked to and Squid is there,
// then prints conf. Nothing is printed when Squid refuses it.
func printSquidConfig(e *env, conf []byte, check bool) error {
	if check {
		if squid := proxy.FindSquid(); squid == "" {
			e.log.Warn("squid is not installed: configuration not checked with squid -k parse")
		} else {
			ctx, cancel := context.WithTimeout(e.ctx, squidParseTimeout)
			warnings, err := proxy.SquidParse(ctx, squid, conf)
			cancel()
			for _, w := range warnings {
				e.log.Warn("squid -k parse", "warning", w)
			}
			if err != nil {
				return err
			}
			e.log.Info("squid accepts the configuration", "squid", squid)
		}
	}
	_, err := e.stdout.Write(conf)
	return err
}
