package main

import (
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
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
	host, err := wspHost(c.FQDN)
	if err != nil {
		return err
	}
	name, _ := proxy.WebsocketRequestName(host)
	files := proxy.WebsocketFilesIn(c.PKIDir)
	caFile, err := orDefault("--ca", c.CA, filepath.Join(c.PKIDir, "ca.pem"))
	if err != nil {
		return err
	}
	keyPath, err := orDefault("--key", c.Key, files.Key)
	if err != nil {
		return err
	}
	out, err := orDefault("--out", c.Out, filepath.Join(c.PKIDir, "requests", name+".req"))
	if err != nil {
		return err
	}
	owner, err := c.account()
	if err != nil {
		return err
	}
	if err := owner.mayGive(); err != nil {
		return err
	}
	ca, err := pki.ReadCertificate(caFile)
	if err != nil {
		return err
	}
	subject, err := dn.DeriveFrom(ca, host)
	if err != nil {
		return fmt.Errorf("derive subject with CN %q from CA certificate %s: %w", host, caFile, err)
	}
	sans, err := pki.ParseSANs("DNS:" + host)
	if err != nil {
		return fmt.Errorf("--fqdn: %w", err)
	}
	// An existing key is kept, as engine-setup keeps it: a renewed
	// certificate is for the same key.
	var key crypto.Signer
	newKey := false
	switch _, err := os.Lstat(keyPath); {
	case err == nil:
		if key, err = pki.ReadKey(keyPath, nil); err != nil {
			return fmt.Errorf("%w (the websocket proxy needs a key without passphrase)", err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := checkOutput(keyPath, false); err != nil {
			return err
		}
		if key, err = pki.GenerateKey(pki.DefaultKeyBits); err != nil {
			return err
		}
		newKey = true
	default:
		return fmt.Errorf("check %s: %w", keyPath, safefile.UnwrapPathError(err))
	}
	if err := checkOutput(out, c.Force); err != nil {
		return err
	}
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject, SANs: sans})
	if err != nil {
		return err
	}
	outs := []atomicfile.OutputFile{{Path: out, Data: pki.EncodeRequestPEM(der), Mode: 0o644}}
	if newKey {
		keyPEM, err := pki.EncodeKey(key, pki.KeyEncoding{})
		if err != nil {
			return err
		}
		outs = append([]atomicfile.OutputFile{{Path: keyPath, Data: keyPEM, Mode: 0o600}}, outs...)
	}
	// certs/ too: the signed certificate comes back there.
	if err := makeDirs(keyPath, out, files.Cert); err != nil {
		return err
	}
	if err := atomicfile.WriteFiles(atomicfile.Options{Force: c.Force}, outs...); err != nil {
		return err
	}
	if newKey {
		if err := owner.give(keyPath); err != nil {
			return err
		}
		kv := []any{"path", keyPath, "bits", pki.DefaultKeyBits}
		if owner != nil {
			kv = append(kv, "owner", owner.name)
		}
		e.log.Info("wrote key", kv...)
	} else {
		e.log.Info("using existing key", "path", keyPath)
	}
	e.log.Info("wrote request", "path", out, "subject", subject.String(), "san", "DNS:"+host)
	e.log.Info("copy it to the engine and sign it there",
		"to", filepath.Join(pki.DefaultPKIDir, "requests", name+".req"),
		"command", "pkienroll websocket-proxy sign --fqdn "+host)
	return nil
}

// wspSignCmd signs the websocket proxy's request in the engine's PKI
// directory, as engine-setup's pki-enroll-request.sh line does, with a
// validity browsers accept.
type wspSignCmd struct {
	storeFlags
	lockFlags
	FQDN string   `name:"fqdn" required:"" placeholder:"FQDN" help:"The proxy's host name: signs requests/websocket-proxy-FQDN.req for it."`
	Days dayCount `default:"${default_days}" help:"Validity in days (1..36500); 825 is the most Apple platforms accept."`
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
