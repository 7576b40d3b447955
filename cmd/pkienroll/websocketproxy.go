package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/pkienroll/pkienroll/pki/host"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// websocketProxyCmd enrolls the websocket proxy (ovirt-websocket-proxy) on
// a host of its own: what engine-setup's remote enrollment does, with
// HTTPS where it used plain HTTP and a validity browsers accept.
type websocketProxyCmd struct {
	Request    wspRequestCmd    `cmd:"" help:"On the proxy host: make the proxy's key and request, subject derived from the CA."`
	Sign       wspSignCmd       `cmd:"" help:"On the engine: sign requests/websocket-proxy-FQDN.req (825 days)."`
	EngineCert wspEngineCertCmd `cmd:"" name:"engine-cert" help:"On the proxy host: fetch (HTTPS) or copy the engine's certificate, checked against the CA."`
	Config     wspConfigCmd     `cmd:"" help:"On the proxy host: check every file, write 10-setup.conf, print the engine-config lines."`
}

// wspDirFlags locate the PKI directory on the proxy host, where the
// websocket proxy's files are.
type wspDirFlags struct {
	pkiDirFlag `set:"pki_dir_help=This host's PKI directory"`
}

// wspOwnerFlags name the account the service runs as.
type wspOwnerFlags struct {
	Owner string `default:"ovirt" emptyok:"" help:"The account ovirt-websocket-proxy runs as, which must read the files; \"\" to leave owners alone."`
}

// owner looks up --owner for files the command gives to the service's
// account, and checks that this process may give them; nil when --owner
// is "".
func (f wspOwnerFlags) owner() (*host.Owner, error) {
	o, err := lookupOwner(f.Owner, "ovirt-websocket-proxy")
	if err != nil {
		return nil, err
	}
	return o, checkGive(o)
}

// lookupOwner resolves --owner, the account service runs as.
func lookupOwner(name, service string) (*host.Owner, error) {
	o, err := host.LookupOwner(name)
	if errors.Is(err, host.ErrNoAccount) {
		return nil, fmt.Errorf("--owner %s: no such account (give the account %s runs as)", name, service)
	}
	return o, err
}

// checkGive fails before anything is written unless this process may give
// files to o.
func checkGive(o *host.Owner) error {
	if err := o.CheckGive(); errors.Is(err, host.ErrNotRoot) {
		return fmt.Errorf("--owner %s: only root can give files to another account (run as root, or give --owner \"\")", o.Name)
	} else if err != nil {
		return err
	}
	return nil
}

// pathFlag is a file flag: its value, or def when empty, made absolute
// into to.
type pathFlag struct {
	flag, path, def string
	to              *string
}

// resolvePaths resolves each file flag, the first error naming its flag.
func resolvePaths(flags ...pathFlag) error {
	for _, f := range flags {
		var err error
		if *f.to, err = orDefault(f.flag, f.path, f.def); err != nil {
			return err
		}
	}
	return nil
}

// orDefault returns path made absolute, or def when path is empty.
func orDefault(flag, path, def string) (string, error) {
	if path == "" {
		path = def
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return abs, nil
}

// checkNotInput refuses an output flag that names, however spelled, a file
// the command reads or the output names: written, it would replace that
// file (with --force, keeping only a backup), the CA certificate with the
// engine's or a certificate with a configuration.
func checkNotInput(out pathFlag, inputs ...pathFlag) error {
	ins := make([]flagFile, len(inputs))
	for i, in := range inputs {
		ins[i] = flagFile{in.flag, *in.to}
	}
	return checkOutputsNotInputs([]flagFile{{out.flag, *out.to}}, ins)
}

// wspHost checks --fqdn.
func wspHost(fqdn string) (string, error) {
	host, err := proxy.CheckWebsocketHost(fqdn)
	if err != nil {
		return "", fmt.Errorf("--fqdn: %w", err)
	}
	return host, nil
}
