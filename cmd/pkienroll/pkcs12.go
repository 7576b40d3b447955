package main

import (
	"errors"
	"fmt"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
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
	path, err := c.bundlePath()
	if err != nil {
		return err
	}
	if c.Key == "" && c.Cert == "" {
		return errors.New("nothing to extract: give --key, --cert or both")
	}
	passout, err := c.passout()
	if err != nil {
		return err
	}
	if passout != nil && c.Key == "" {
		return errors.New("--passout-file and --passout-env encrypt the key: give --key too")
	}
	passin, err := c.passin()
	if err != nil {
		return err
	}
	for _, p := range []string{c.Key, c.Cert} {
		if p != "" && p != stdoutPath {
			if err := atomicfile.CheckWritable(p, c.Force); err != nil {
				return err
			}
		}
	}
	b, err := pki.ReadPKCS12(path, passin)
	if err != nil {
		return err
	}

	var files []atomicfile.OutputFile
	var toStdout [][]byte
	var encrypted bool
	if c.Key != "" {
		var data []byte
		if data, encrypted, err = encodeKey(b.Key, pki.KeyEncoding{Passphrase: passout}); err != nil {
			return err
		}
		if c.Key == stdoutPath {
			toStdout = append(toStdout, data)
		} else {
			files = append(files, atomicfile.OutputFile{Path: c.Key, Data: data, Mode: 0o600})
		}
	}
	if c.Cert != "" {
		data := pki.EncodeCertificatePEM(b.Certificate.Raw)
		if c.Cert == stdoutPath {
			toStdout = append(toStdout, data)
		} else {
			files = append(files, atomicfile.OutputFile{Path: c.Cert, Data: data, Mode: 0o644})
		}
	}
	if len(files) > 0 {
		if err := atomicfile.WriteFiles(atomicfile.Options{Force: c.Force}, files...); err != nil {
			return err
		}
	}
	for _, data := range toStdout {
		if _, err := e.stdout.Write(data); err != nil {
			return fmt.Errorf("write to stdout: %w", err)
		}
	}
	if c.Key != "" && c.Key != stdoutPath {
		e.log.Info("wrote key", "path", c.Key, "encrypted", encrypted, "from", path)
	}
	if c.Cert != "" && c.Cert != stdoutPath {
		e.log.Info("wrote certificate", "path", c.Cert, "serial", pki.FormatSerial(b.Certificate.SerialNumber), "from", path)
	}
	return nil
}

// bundlePath is --in, or keys/NAME.p12 of --pki-dir.
func (c *pkcs12ExtractCmd) bundlePath() (string, error) {
	if c.In != "" {
		return c.In, nil
	}
	if c.Name == "" {
		return "", errors.New("--name and --in are empty: give the bundle to read")
	}
	if err := pki.ValidateName(c.Name); err != nil {
		return "", fmt.Errorf("--name: %w", err)
	}
	store, err := pki.OpenStore(c.PKIDir)
	if err != nil {
		return "", err
	}
	return store.PKCS12Path(c.Name), nil
}
