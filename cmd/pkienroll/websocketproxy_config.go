package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/host"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// wspEngineCertCmd puts the engine's certificate on the proxy host, where
// the service checks console tickets with it.
type wspEngineCertCmd struct {
	wspDirFlags
	Engine        string    `xor:"source" required:"" placeholder:"HOST[:PORT]" help:"Fetch it from the engine over HTTPS (port 443 by default), trusting only the CA."`
	From          string    `xor:"source" required:"" placeholder:"FILE" help:"Copy it from this file (certs/engine.cer of the engine)."`
	EngineAddress string    `placeholder:"ADDR" help:"Connect to the engine at this address, when its name does not resolve here."`
	CA            string    `name:"ca" placeholder:"FILE" help:"The engine's CA certificate (default DIR/ca.pem)."`
	Out           string    `placeholder:"FILE" help:"Write it here (default DIR/certs/engine.cer), mode 0600."`
	Timeout       fetchWait `default:"30" help:"Seconds to wait for the engine."`
	Force         bool      `help:"Replace an existing file, keeping it as FILE.YYYYMMDDHHMMSS."`
	wspOwnerFlags
}

// Run fetches or reads the certificate, checks it, and writes it.
func (c *wspEngineCertCmd) Run(e *env) error {
	files, caFile, err := c.files()
	if err != nil {
		return err
	}
	cas, err := pki.ReadCertificates(caFile)
	if err != nil {
		return err
	}
	opts := host.Options{Force: c.Force, MakeDirs: true}
	if err := host.CheckWritable(opts, files.EngineCert); err != nil {
		return err
	}
	cert, source, err := c.engineCert(e, cas)
	if err != nil {
		return err
	}
	if err := files.Install(host.Bundle{EngineCert: cert}, opts); err != nil {
		return err
	}
	subject, _ := dn.FromCertificate(cert)
	e.log.Info("wrote engine certificate", "path", files.EngineCert, "subject", subject.String(),
		"expires", cert.NotAfter.Format(time.DateOnly), "from", source)
	return nil
}

// files checks the flags and names the engine's certificate, with the
// account it is given to; and the CA certificate file.
func (c *wspEngineCertCmd) files() (files host.Files, caFile string, err error) {
	if c.Engine == "" && c.From == "" {
		return files, "", fmt.Errorf("--engine or --from is empty: give the engine, or the file")
	}
	from := c.From
	ca, out := pathFlag{"--ca", c.CA, filepath.Join(c.PKIDir, "ca.pem"), &caFile},
		pathFlag{"--out", c.Out, proxy.WebsocketFilesIn(c.PKIDir).EngineCert, &files.EngineCert}
	if err = resolvePaths(ca, out); err != nil {
		return files, "", err
	}
	if err = checkNotInput(out, ca, pathFlag{flag: "--from", to: &from}); err != nil {
		return files, "", err
	}
	files.Owner, err = c.owner()
	return files, caFile, err
}

// engineCert fetches the engine's certificate, or reads it from --from,
// and checks it against cas; source is where it came from.
func (c *wspEngineCertCmd) engineCert(e *env, cas []*x509.Certificate) (cert *x509.Certificate, source string, err error) {
	if c.Engine == "" {
		if cert, err = pki.ReadCertificate(c.From); err != nil {
			return nil, "", err
		}
		if err := proxy.VerifyEngineCertificate(cert, cas, now()); err != nil {
			return nil, "", fmt.Errorf("engine certificate %s: %w", c.From, err)
		}
		// No host to hold it to: the file is the admin's word for that.
		if err := proxy.VerifyEngineLeaf(cert, ""); err != nil {
			return nil, "", fmt.Errorf("engine certificate %s: %w", c.From, err)
		}
		return cert, c.From, nil
	}
	if source, err = proxy.EngineCertificateURL(c.Engine); err != nil {
		return nil, "", err
	}
	e.log.Debug("fetching the engine's certificate", "url", source)
	cert, err = proxy.FetchEngineCertificate(e.ctx, proxy.EngineFetch{
		Engine: c.Engine, Address: c.EngineAddress, CAs: cas,
		Timeout: time.Duration(c.Timeout), Now: now(),
	})
	return cert, source, err
}

// Help is the command's detail in --help: the default of --out, too long
// for the flag's column.
func (c *wspConfigCmd) Help() string {
	return "The configuration goes to " + proxy.DefaultWebsocketConfig + " unless --out names another file."
}

// wspConfigCmd writes the websocket proxy's 10-setup.conf after checking
// every file it names, and prints how to tell the engine.
type wspConfigCmd struct {
	wspDirFlags
	FQDN       string  `name:"fqdn" required:"" placeholder:"FQDN" help:"The proxy's host name, as browsers reach it; its certificate must name it."`
	Port       tcpPort `default:"6100" help:"PROXY_PORT: where browsers connect."`
	CA         string  `name:"ca" placeholder:"FILE" help:"The engine's CA certificate (default DIR/ca.pem)."`
	Key        string  `placeholder:"FILE" help:"SSL_KEY, without passphrase (default DIR/keys/websocket-proxy.key.nopass)."`
	Cert       string  `placeholder:"FILE" help:"SSL_CERTIFICATE (default DIR/certs/websocket-proxy.cer)."`
	EngineCert string  `name:"engine-cert" placeholder:"FILE" help:"CERT_FOR_DATA_VERIFICATION (default DIR/certs/engine.cer)."`
	Out        string  `placeholder:"FILE" help:"Write the configuration here instead (FILE.YYYYMMDDHHMMSS keeps a replaced one)."`
	Force      bool    `help:"Replace an existing configuration, keeping it as FILE.YYYYMMDDHHMMSS."`
	wspOwnerFlags
}

// Run checks, writes the file, and prints the engine-config lines.
func (c *wspConfigCmd) Run(e *env) error {
	fqdn, err := wspHost(c.FQDN)
	if err != nil {
		return err
	}
	on, off, err := proxy.WebsocketEngineConfigCommands(fqdn, int(c.Port))
	if err != nil {
		return fmt.Errorf("--port: %w", err)
	}
	files, caFile, err := c.files()
	if err != nil {
		return err
	}
	conf, err := proxy.RenderWebsocket(proxy.WebsocketConfig{Port: int(c.Port), Files: files})
	if err != nil {
		return err
	}
	if err := c.check(files, caFile, fqdn); err != nil {
		return err
	}
	if err := c.write(e, files, conf); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "# On the engine: turn the websocket proxy on, then restart ovirt-engine.\n%s\n"+
		"# To turn it off again (then restart ovirt-engine):\n%s\n", on, off)
	return err
}

// files are the key, certificates and configuration the flags name, with
// the service's account; and the CA certificate file.
func (c *wspConfigCmd) files() (files host.Files, caFile string, err error) {
	def := proxy.WebsocketFilesIn(c.PKIDir)
	inputs := []pathFlag{{"--ca", c.CA, filepath.Join(c.PKIDir, "ca.pem"), &caFile},
		{"--key", c.Key, def.Key, &files.Key},
		{"--cert", c.Cert, def.Cert, &files.Cert},
		{"--engine-cert", c.EngineCert, def.EngineCert, &files.EngineCert}}
	out := pathFlag{"--out", c.Out, proxy.DefaultWebsocketConfig, &files.Config}
	if err = resolvePaths(append(inputs, out)...); err != nil {
		return host.Files{}, "", err
	}
	// The configuration names these files: written over one, it would
	// name itself.
	if err = checkNotInput(out, inputs...); err != nil {
		return host.Files{}, "", err
	}
	files.Owner, err = lookupOwner(c.Owner, "ovirt-websocket-proxy")
	return files, caFile, err
}

// check checks every file the configuration names, and that the service's
// account can read them.
func (c *wspConfigCmd) check(files host.Files, caFile, fqdn string) error {
	if err := proxy.CheckWebsocketFiles(files, caFile, fqdn, now()); err != nil {
		return err
	}
	var unreadable *host.UnreadableError
	if err := files.CheckReadable(); errors.As(err, &unreadable) {
		return fmt.Errorf("%w; the service runs as %s (chown %s %s)", err, c.Owner, c.Owner, unreadable.Path)
	} else if err != nil {
		return err
	}
	return nil
}

// write installs the configuration, keeping a replaced one.
func (c *wspConfigCmd) write(e *env, files host.Files, conf []byte) error {
	at := now()
	_, statErr := os.Lstat(files.Config)
	if err := files.Install(host.Bundle{Config: conf}, host.Options{Force: c.Force, MakeDirs: true, Now: at}); err != nil {
		return err
	}
	if statErr == nil {
		e.log.Info("kept previous configuration", "backup", files.Config+"."+at.Format("20060102150405"))
	}
	e.log.Info("wrote websocket proxy configuration", "path", files.Config, "port", int(c.Port))
	e.log.Info("restart the proxy to use it", "command", "systemctl restart ovirt-websocket-proxy")
	return nil
}
