package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// wspEngineCertCmd puts the engine's certificate on the proxy host, where
// the service checks console tickets with it.
type wspEngineCertCmd struct {
	wspDirFlags
	Engine        string  `xor:"source" required:"" placeholder:"HOST[:PORT]" help:"Fetch it from the engine over HTTPS (port 443 by default), trusting only the CA."`
	From          string  `xor:"source" required:"" placeholder:"FILE" help:"Copy it from this file (certs/engine.cer of the engine)."`
	EngineAddress string  `placeholder:"ADDR" help:"Connect to the engine at this address, when its name does not resolve here."`
	CA            string  `name:"ca" placeholder:"FILE" help:"The engine's CA certificate (default DIR/ca.pem)."`
	Out           string  `placeholder:"FILE" help:"Write it here (default DIR/certs/engine.cer), mode 0600."`
	Timeout       float64 `default:"30" help:"Seconds to wait for the engine."`
	Force         bool    `help:"Replace an existing file, keeping it as FILE.YYYYMMDDHHMMSS."`
	wspOwnerFlags
}

// Run fetches or reads the certificate, checks it, and writes it.
func (c *wspEngineCertCmd) Run(e *env) error {
	if c.Engine == "" && c.From == "" {
		return fmt.Errorf("--engine or --from is empty: give the engine, or the file")
	}
	caFile, err := orDefault("--ca", c.CA, filepath.Join(c.PKIDir, "ca.pem"))
	if err != nil {
		return err
	}
	out, err := orDefault("--out", c.Out, proxy.WebsocketFilesIn(c.PKIDir).EngineCert)
	if err != nil {
		return err
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("--timeout %v is not positive", c.Timeout)
	}
	owner, err := c.account()
	if err != nil {
		return err
	}
	if err := owner.mayGive(); err != nil {
		return err
	}
	cas, err := pki.ReadCertificates(caFile)
	if err != nil {
		return err
	}
	if err := checkOutput(out, c.Force); err != nil {
		return err
	}
	var cert *x509.Certificate
	source := c.From
	if c.Engine != "" {
		if source, err = proxy.EngineCertificateURL(c.Engine); err != nil {
			return err
		}
		e.log.Debug("fetching the engine's certificate", "url", source)
		cert, err = proxy.FetchEngineCertificate(e.ctx, proxy.EngineFetch{
			Engine: c.Engine, Address: c.EngineAddress, CAs: cas,
			Timeout: time.Duration(c.Timeout * float64(time.Second)), At: now(),
		})
		if err != nil {
			return err
		}
	} else {
		if cert, err = pki.ReadCertificate(c.From); err != nil {
			return err
		}
		if err := proxy.VerifyEngineCertificate(cert, cas, now()); err != nil {
			return fmt.Errorf("engine certificate %s: %w", c.From, err)
		}
		// No host to hold it to: the file is the admin's word for that.
		if err := proxy.VerifyEngineLeaf(cert, ""); err != nil {
			return fmt.Errorf("engine certificate %s: %w", c.From, err)
		}
	}
	if err := makeDirs(out); err != nil {
		return err
	}
	if err := atomicfile.WriteFiles(atomicfile.Options{Force: c.Force}, atomicfile.OutputFile{Path: out, Data: pki.EncodeCertificatePEM(cert.Raw), Mode: 0o600}); err != nil {
		return err
	}
	if err := owner.give(out); err != nil {
		return err
	}
	subject, _ := dn.FromCertificate(cert)
	e.log.Info("wrote engine certificate", "path", out, "subject", subject.String(),
		"expires", cert.NotAfter.Format(time.DateOnly), "from", source)
	return nil
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
	FQDN       string `name:"fqdn" required:"" placeholder:"FQDN" help:"The proxy's host name, as browsers reach it; its certificate must name it."`
	Port       int    `default:"6100" help:"PROXY_PORT: where browsers connect."`
	CA         string `name:"ca" placeholder:"FILE" help:"The engine's CA certificate (default DIR/ca.pem)."`
	Key        string `placeholder:"FILE" help:"SSL_KEY, without passphrase (default DIR/keys/websocket-proxy.key.nopass)."`
	Cert       string `placeholder:"FILE" help:"SSL_CERTIFICATE (default DIR/certs/websocket-proxy.cer)."`
	EngineCert string `name:"engine-cert" placeholder:"FILE" help:"CERT_FOR_DATA_VERIFICATION (default DIR/certs/engine.cer)."`
	Out        string `placeholder:"FILE" help:"Write the configuration here instead (FILE.YYYYMMDDHHMMSS keeps a replaced one)."`
	Force      bool   `help:"Replace an existing configuration, keeping it as FILE.YYYYMMDDHHMMSS."`
	wspOwnerFlags
}

// Run checks, writes the file, and prints the engine-config lines.
func (c *wspConfigCmd) Run(e *env) error {
	host, err := wspHost(c.FQDN)
	if err != nil {
		return err
	}
	on, off, err := proxy.WebsocketEngineConfigCommands(host, c.Port)
	if err == nil && c.Port == 0 {
		err = fmt.Errorf("port 0 is outside 1..65535")
	}
	if err != nil {
		return fmt.Errorf("--port: %w", err)
	}
	def := proxy.WebsocketFilesIn(c.PKIDir)
	var files proxy.WebsocketFiles
	var caFile, out string
	for _, f := range []struct {
		flag, path, def string
		to              *string
	}{
		{"--ca", c.CA, filepath.Join(c.PKIDir, "ca.pem"), &caFile},
		{"--key", c.Key, def.Key, &files.Key},
		{"--cert", c.Cert, def.Cert, &files.Cert},
		{"--engine-cert", c.EngineCert, def.EngineCert, &files.EngineCert},
		{"--out", c.Out, proxy.DefaultWebsocketConfig, &out},
	} {
		if *f.to, err = orDefault(f.flag, f.path, f.def); err != nil {
			return err
		}
	}
	conf, err := proxy.RenderWebsocket(proxy.WebsocketConfig{Port: c.Port, Files: files})
	if err != nil {
		return err
	}
	owner, err := c.account()
	if err != nil {
		return err
	}
	if err := proxy.CheckWebsocketFiles(files, caFile, host, now()); err != nil {
		return err
	}
	for _, f := range []struct{ what, path string }{{"key", files.Key}, {"certificate", files.Cert}, {"engine certificate", files.EngineCert}} {
		if why := owner.canRead(f.path); why != "" {
			return fmt.Errorf("%s %s: %s; the service runs as %s (chown %s %s)", f.what, f.path, why, c.Owner, c.Owner, f.path)
		}
	}
	if err := checkOutput(out, c.Force); err != nil {
		return err
	}
	if err := makeDirs(out); err != nil {
		return err
	}
	at := now()
	backup := out + "." + at.Format("20060102150405")
	_, statErr := os.Lstat(out)
	if err := atomicfile.WriteFiles(atomicfile.Options{Force: c.Force, Now: at}, atomicfile.OutputFile{Path: out, Data: conf, Mode: 0o644}); err != nil {
		return err
	}
	if statErr == nil {
		e.log.Info("kept previous configuration", "backup", backup)
	}
	e.log.Info("wrote websocket proxy configuration", "path", out, "port", c.Port)
	e.log.Info("restart the proxy to use it", "command", "systemctl restart ovirt-websocket-proxy")
	_, err = fmt.Fprintf(e.stdout, "# On the engine: turn the websocket proxy on, then restart ovirt-engine.\n%s\n"+
		"# To turn it off again (then restart ovirt-engine):\n%s\n", on, off)
	return err
}
