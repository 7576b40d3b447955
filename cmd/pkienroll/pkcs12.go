package main

import (
	"errors"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/host"
)

// pkcs12Cmd groups the PKCS#12 commands.
type pkcs12Cmd struct {
	Extract pkcs12ExtractCmd `cmd:"" help:"Write the key or the certificate of a PKCS#12 bundle, like pki-pkcs12-extract.sh."`
}

// stdoutPath names standard output for --key and --cert.
const stdoutPath = "-"

// pkcs12ExtractCmd pulls the key or the certificate out of a bundle, like
// the engine's pki-pkcs12-extract.sh.
type pkcs12ExtractCmd struct {
	pkiDirFlag `set:"pki_dir_help=PKI directory of --name"`
	Name       string `xor:"source" required:"" placeholder:"NAME" help:"Read keys/NAME.p12 of the PKI directory."`
	In         string `xor:"source" required:"" placeholder:"FILE" help:"Read this PKCS#12 file."`
	Key        string `placeholder:"FILE|-" help:"Write the private key here (mode 0600), or to stdout with -."`
	Cert       string `placeholder:"FILE|-" help:"Write the certificate here (mode 0644), or to stdout with -."`
	Force      bool   `help:"Replace existing files, keeping them as FILE.YYYYMMDDHHMMSS."`
	passinFlags
	passoutFlags
}

// Run extracts what was asked for.
func (c *pkcs12ExtractCmd) Run(e *env) error {
	path, store, err := c.bundlePath()
	if err != nil {
		return err
	}
	pw, err := c.passwords()
	if err != nil {
		return err
	}
	files, opts := c.files(), host.Options{Force: c.Force}
	if err := checkOutputs(store, files.Key, files.Cert); err != nil {
		return err
	}
	bundleFlag := "--in"
	if c.In == "" {
		bundleFlag = "--name"
	}
	if err := checkOutputsNotInputs([]flagFile{{"--key", files.Key}, {"--cert", files.Cert}},
		[]flagFile{{bundleFlag, path}, optionalFile("--passin-file", c.PassinFile), optionalFile("--passout-file", c.PassoutFile)}); err != nil {
		return err
	}
	if err := host.CheckWritable(opts, files.Key, files.Cert); err != nil {
		return err
	}
	b, err := c.read(store, path, pw.passin)
	if errors.Is(err, pki.ErrPassword) && pw.retry != "" {
		b, err = c.read(store, path, pw.retry)
	}
	if err != nil {
		return err
	}
	encrypted, err := c.write(e, files, b, pw.passout)
	if err != nil {
		return err
	}
	c.report(e, path, b, encrypted)
	crlfWarning(e, pw.crlf, "the key")
	return nil
}

// read reads the bundle: --in as given, keys/NAME.p12 of --name as the
// store's own files are read, without following a symbolic link.
func (c *pkcs12ExtractCmd) read(store *pki.Store, path, passin string) (pki.Bundle, error) {
	if c.In != "" {
		return pki.ReadPKCS12(path, passin)
	}
	return store.ReadPKCS12(c.Name, passin)
}

// extractPasswords are the secrets of pkcs12 extract.
type extractPasswords struct {
	// passin opens the bundle; retry, when not empty, is tried when it
	// does not (passinFlags.passin).
	passin, retry string
	// passout is the key's new passphrase, nil for none; crlf names its
	// file when that ends its line in CR LF (crlfWarning).
	passout []byte
	crlf    string
}

// passwords are the bundle's password and the key's new passphrase,
// after checking that there is something to extract.
func (c *pkcs12ExtractCmd) passwords() (pw extractPasswords, err error) {
	if c.Key == "" && c.Cert == "" {
		return pw, errors.New("nothing to extract: give --key, --cert or both")
	}
	if pw.passout, pw.crlf, err = c.passout(); err != nil {
		return pw, err
	}
	if pw.passout != nil && c.Key == "" {
		return pw, errors.New("--passout-file and --passout-env encrypt the key: give --key too")
	}
	pw.passin, pw.retry, err = c.passin()
	return pw, err
}

// files are the files of --key and --cert; "-" (standard output) is none.
func (c *pkcs12ExtractCmd) files() host.Files {
	var f host.Files
	if c.Key != stdoutPath {
		f.Key = c.Key
	}
	if c.Cert != stdoutPath {
		f.Cert = c.Cert
	}
	return f
}

// write installs the files, then writes what goes to standard output:
// nothing is printed when a file cannot be written.
func (c *pkcs12ExtractCmd) write(e *env, files host.Files, b pki.Bundle, passout []byte) (encrypted bool, err error) {
	var out host.Bundle
	var toStdout [][]byte
	if c.Key != "" {
		if out.KeyPEM, encrypted, err = encodeKey(b.Key, pki.KeyEncoding{Passphrase: passout}); err != nil {
			return false, err
		}
		if c.Key == stdoutPath {
			toStdout, out.KeyPEM = append(toStdout, out.KeyPEM), nil
		} else {
			// Install checks the pair with Key when KeyPEM is encrypted.
			out.Key = b.Key
		}
	}
	if c.Cert == stdoutPath {
		toStdout = append(toStdout, pki.EncodeCertificatePEM(b.Certificate.Raw))
	} else if c.Cert != "" {
		out.Cert = b.Certificate
	}
	if err := files.Install(out, host.Options{Force: c.Force}); err != nil {
		return false, err
	}
	for _, data := range toStdout {
		if _, err := e.stdout.Write(data); err != nil {
			return false, fmt.Errorf("write to stdout: %w", err)
		}
	}
	return encrypted, nil
}

// report logs the files written.
func (c *pkcs12ExtractCmd) report(e *env, path string, b pki.Bundle, encrypted bool) {
	if c.Key != "" && c.Key != stdoutPath {
		e.log.Info("wrote key", "path", c.Key, "encrypted", encrypted, "from", path)
	}
	if c.Cert != "" && c.Cert != stdoutPath {
		e.log.Info("wrote certificate", "path", c.Cert, "serial", pki.FormatSerial(b.Certificate.SerialNumber), "from", path)
	}
}

// bundlePath is --in, or keys/NAME.p12 of --pki-dir. The store is the
// PKI directory whose files the outputs may not be: --pki-dir's, also with
// --in when it opens (on the engine's host), nil when it does not.
func (c *pkcs12ExtractCmd) bundlePath() (string, *pki.Store, error) {
	if c.In != "" {
		store, err := pki.OpenStore(c.PKIDir)
		if err != nil {
			store = nil // no PKI directory here, so none to protect
		}
		return c.In, store, nil
	}
	if c.Name == "" {
		return "", nil, errors.New("--name and --in are empty: give the bundle to read")
	}
	if err := pki.ValidateName(c.Name); err != nil {
		return "", nil, fmt.Errorf("--name: %w", err)
	}
	store, err := pki.OpenStore(c.PKIDir)
	if err != nil {
		return "", nil, err
	}
	return store.PKCS12Path(c.Name), store, nil
}

// checkOutputs refuses any of paths (empty ones skipped) that is a file of
// store's PKI directory (pki.Store.CheckExtractOutput: keys/NAME.key.nopass
// as engine-setup extracts it is allowed), even with --force; a nil store
// has none.
func checkOutputs(store *pki.Store, paths ...string) error {
	if store == nil {
		return nil
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if err := store.CheckExtractOutput(p); err != nil {
			return err
		}
	}
	return nil
}
