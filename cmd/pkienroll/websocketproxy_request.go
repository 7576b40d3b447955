package main

import (
	"crypto/x509"
	"fmt"
	"path/filepath"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/host"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// wspRequestCmd makes the websocket proxy's key and request on its host.
type wspRequestCmd struct {
	wspDirFlags
	FQDN  string `name:"fqdn" required:"" placeholder:"FQDN" help:"The proxy's host name, as browsers reach it: the request's CN and DNS SAN."`
	CA    string `name:"ca" placeholder:"FILE" help:"The engine's CA certificate, to derive the subject from (default DIR/ca.pem)."`
	Key   string `placeholder:"FILE" help:"The key: used when it exists, else made (default DIR/keys/websocket-proxy.key.nopass)."`
	Out   string `placeholder:"FILE" help:"Write the request here (default DIR/requests/websocket-proxy-FQDN.req)."`
	Force bool   `help:"Replace an existing request, keeping it as FILE.YYYYMMDDHHMMSS."`
	wspOwnerFlags
}

// Run writes the key (when new) and the request, after every check.
func (c *wspRequestCmd) Run(e *env) error {
	fqdn, err := wspHost(c.FQDN)
	if err != nil {
		return err
	}
	files, ca, err := c.files(fqdn)
	if err != nil {
		return err
	}
	// An existing key is kept, as engine-setup keeps it: a renewed
	// certificate is for the same key.
	key, created, err := files.LoadOrMakeKey(true, nil)
	if err != nil {
		return err
	}
	sans, _ := pki.ParseSANs("DNS:" + fqdn)
	csr, err := host.NewCSR(key, ca, fqdn, sans)
	if err != nil {
		return err
	}
	b := host.Bundle{CSR: csr.DER}
	if created {
		b.Key = key
	}
	if err := files.Install(b, c.options()); err != nil {
		return err
	}
	c.report(e, files, created, csr, fqdn)
	return nil
}

// options install the files, making the directories they go in.
func (c *wspRequestCmd) options() host.Options { return host.Options{Force: c.Force, MakeDirs: true} }

// files are the proxy's key, its request (checked writable before a key
// is made for it), and (for the directory it comes back to) its
// certificate, with the owner the key is given to; and the CA certificate
// the subject is derived from.
func (c *wspRequestCmd) files(fqdn string) (host.Files, *x509.Certificate, error) {
	name, _ := proxy.WebsocketRequestName(fqdn)
	files := proxy.WebsocketFilesIn(c.PKIDir)
	files.EngineCert = ""
	var caFile string
	ca, key, out := pathFlag{"--ca", c.CA, filepath.Join(c.PKIDir, "ca.pem"), &caFile},
		pathFlag{"--key", c.Key, files.Key, &files.Key},
		pathFlag{"--out", c.Out, filepath.Join(c.PKIDir, "requests", name+".req"), &files.CSR}
	if err := resolvePaths(ca, key, out); err != nil {
		return host.Files{}, nil, err
	}
	// The key is read when it exists, else written: either way the
	// request must not go over it, nor over the CA certificate.
	if err := checkNotInput(out, key, ca); err != nil {
		return host.Files{}, nil, err
	}
	var err error
	if files.Owner, err = c.owner(); err != nil {
		return host.Files{}, nil, err
	}
	caCert, err := pki.ReadCertificate(caFile)
	if err == nil {
		err = host.CheckWritable(c.options(), files.CSR)
	}
	return files, caCert, err
}

// report logs what Run wrote, and where the request goes next.
func (c *wspRequestCmd) report(e *env, files host.Files, created bool, csr *host.CSR, fqdn string) {
	if created {
		kv := []any{"path", files.Key, "bits", pki.DefaultKeyBits}
		if files.Owner != nil {
			kv = append(kv, "owner", files.Owner.Name)
		}
		e.log.Info("wrote key", kv...)
	} else {
		e.log.Info("using existing key", "path", files.Key)
	}
	name, _ := proxy.WebsocketRequestName(fqdn)
	e.log.Info("wrote request", "path", files.CSR, "subject", csr.Subject.String(), "san", "DNS:"+fqdn)
	e.log.Info("copy it to the engine and sign it there",
		"to", filepath.Join(pki.DefaultPKIDir, "requests", name+".req"),
		"command", "pkienroll websocket-proxy sign --fqdn "+fqdn)
}

// wspSignCmd signs the websocket proxy's request in the engine's PKI
// directory, as engine-setup's pki-enroll-request.sh line does, with a
// validity browsers accept.
type wspSignCmd struct {
	storeFlags
	lockFlags
	FQDN string   `name:"fqdn" required:"" placeholder:"FQDN" help:"The proxy's host name: signs requests/websocket-proxy-FQDN.req for it."`
	Days dayCount `default:"${default_days}" help:"Validity in days (${days_range}); ${warn_server_days} is the most Apple platforms accept."`
}

// Run signs with the CA's subject and the proxy's name as CN and SAN. The
// days are always passed on: the engine script's default, five years, is
// more than Apple platforms accept.
func (c *wspSignCmd) Run(e *env) error {
	host, err := wspHost(c.FQDN)
	if err != nil {
		return err
	}
	if err := checkDays(c.Days); err != nil {
		return err
	}
	name, _ := proxy.WebsocketRequestName(host)
	store, err := c.openStore(c.storeFlags)
	if err != nil {
		return err
	}
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		return err
	}
	subject, err := dn.DeriveFrom(ca, host)
	if err != nil {
		return fmt.Errorf("derive subject with CN %q from CA certificate %s: %w", host, store.CACertPath(), err)
	}
	sans, err := pki.ParseSANs("DNS:" + host)
	if err != nil {
		return fmt.Errorf("--fqdn: %w", err)
	}
	is, err := store.Sign(e.ctx, pki.SignRequest{Name: name, Subject: subject, Days: int(c.Days), SANs: sans})
	if err != nil {
		return err
	}
	logIssued(e, is)
	e.log.Info("copy it to the proxy host", "to", proxy.WebsocketFilesIn(pki.DefaultPKIDir).Cert)
	return nil
}
