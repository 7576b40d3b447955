package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/pkienroll/pkienroll/pki"
)

// storeFlags locate the PKI directory and its files, with the names and
// meanings of the engine scripts' flags.
type storeFlags struct {
	PKIDir  string `name:"pki-dir" env:"PKIENROLL_PKI_DIR" default:"${default_pki_dir}" placeholder:"DIR" help:"The engine's PKI directory."`
	CAFile  string `name:"ca-file" default:"ca" placeholder:"NAME" help:"CA base name: NAME.pem and private/NAME.pem."`
	CertDir string `name:"cert-dir" default:"certs" placeholder:"DIR" help:"Directory of issued certificates, relative to --pki-dir."`
	ReqDir  string `name:"req-dir" default:"requests" placeholder:"DIR" help:"Directory of requests, relative to --pki-dir."`
}

func (f storeFlags) options() []pki.StoreOption {
	return []pki.StoreOption{pki.WithCAName(f.CAFile), pki.WithCertDir(f.CertDir), pki.WithRequestDir(f.ReqDir)}
}

// passphraseFlags name where a key's passphrase comes from. Like openssl's
// file: and env: sources, the first line is used, without its newline; the
// passphrase itself is never a flag, so it never shows in `ps`.
type passphraseFlags struct {
	PassphraseFile string `placeholder:"FILE" xor:"passphrase" help:"Read the key passphrase from the first line of FILE."`
	PassphraseEnv  string `placeholder:"VAR" xor:"passphrase" help:"Read the key passphrase from environment variable VAR."`
}

// maxPassphraseFile bounds a passphrase file; a passphrase is one line.
const maxPassphraseFile = 64 << 10

// passphrase returns the passphrase, or nil when none is configured.
func (f passphraseFlags) passphrase() ([]byte, error) {
	switch {
	case f.PassphraseFile != "":
		fi, err := os.Stat(f.PassphraseFile)
		if err != nil {
			return nil, fmt.Errorf("read passphrase file %s: %w", f.PassphraseFile, unwrap(err))
		}
		if fi.Size() > maxPassphraseFile {
			return nil, fmt.Errorf("read passphrase file %s: larger than %d bytes", f.PassphraseFile, maxPassphraseFile)
		}
		data, err := os.ReadFile(f.PassphraseFile)
		if err != nil {
			return nil, fmt.Errorf("read passphrase file %s: %w", f.PassphraseFile, unwrap(err))
		}
		line, _, _ := strings.Cut(string(data), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return nil, fmt.Errorf("passphrase file %s: first line is empty", f.PassphraseFile)
		}
		return []byte(line), nil
	case f.PassphraseEnv != "":
		v, ok := os.LookupEnv(f.PassphraseEnv)
		if !ok || v == "" {
			return nil, fmt.Errorf("passphrase variable %s is not set or empty", f.PassphraseEnv)
		}
		line, _, _ := strings.Cut(v, "\n")
		return []byte(line), nil
	}
	return nil, nil
}

// unwrap drops the *PathError wrapper; our messages name the path already.
func unwrap(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
