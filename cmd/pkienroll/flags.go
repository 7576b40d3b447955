package main

import (
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// pkiDirFlag is --pki-dir, the one declaration every command that takes
// it embeds. Its help starts with ${pki_dir_help}, "The engine's PKI
// directory" unless the embedding field sets it (set:"pki_dir_help=...").
type pkiDirFlag struct {
	PKIDir string `name:"pki-dir" env:"PKIENROLL_PKI_DIR" default:"${default_pki_dir}" placeholder:"DIR" help:"${pki_dir_help}: $$${env} if set, else ${default}."`
}

// storeFlags locate the PKI directory and its files, with the names and
// meanings of the engine scripts' flags.
type storeFlags struct {
	pkiDirFlag
	CAFile  string `name:"ca-file" default:"ca" help:"CA base name: NAME.pem and private/NAME.pem."`
	CertDir string `name:"cert-dir" default:"certs" help:"Directory of issued certificates, relative to --pki-dir."`
	ReqDir  string `name:"req-dir" default:"requests" help:"Directory of requests, relative to --pki-dir."`
}

func (f storeFlags) options() []pki.StoreOption {
	return []pki.StoreOption{pki.WithCAName(f.CAFile), pki.WithCertDir(f.CertDir), pki.WithRequestDir(f.ReqDir)}
}

// passphraseFlags name where a key's passphrase comes from (read by the
// rules of secret.go); the passphrase itself is never a flag, so it never
// shows in `ps`. Pointers tell a flag given an empty value
// (`--passphrase-file "$UNSET"`) from no flag: the first must fail, not
// write an unencrypted key.
type passphraseFlags struct {
	PassphraseFile *string `placeholder:"FILE" xor:"passphrase" help:"Read the key passphrase from the first line of FILE."`
	PassphraseEnv  *string `placeholder:"VAR" xor:"passphrase" help:"Read the key passphrase from environment variable VAR."`
}

// passphrase returns the passphrase, or nil when none is configured.
func (f passphraseFlags) passphrase() ([]byte, error) {
	return readSecret("passphrase", f.PassphraseFile, f.PassphraseEnv)
}

// checkDays rejects a --days outside 1..36500. The library reads 0 as "the
// default"; on the command line 0 is a mistake, not a request for 20 years.
func checkDays(days dayCount) error {
	if days < 1 || days > 36500 {
		return fmt.Errorf("--days %d is outside 1..36500", days)
	}
	return nil
}

// lockFlags are for commands that take the PKI directory's lock.
type lockFlags struct {
	Timeout lockWait `default:"20" help:"Seconds to wait for the PKI directory's lock."`
}

// openStore opens the PKI directory with the lock timeout of the flags.
func (f lockFlags) openStore(s storeFlags) (*pki.Store, error) {
	return pki.OpenStore(s.PKIDir, append(s.options(), pki.WithLockTimeout(time.Duration(f.Timeout)))...)
}

// profileFlags shape an issued certificate, with the names and meanings of
// the engine script's flags (sign and enroll).
type profileFlags struct {
	Days   dayCount `default:"${default_days}" help:"Validity in days (1..36500), notBefore through notAfter inclusive; 825 is the most Apple platforms accept."`
	KU     string   `name:"ku" placeholder:"LIST" help:"Key usage, openssl names (default digitalSignature,keyEncipherment)."`
	EKU    string   `name:"eku" placeholder:"LIST" help:"Extended key usage, openssl names or OIDs (default serverAuth,clientAuth)."`
	SAN    string   `name:"san" placeholder:"LIST" help:"Subject alternative names (DNS:...,IP:...); default the request's, else the CN."`
	AIAURL string   `name:"aia-url" placeholder:"URL" help:"Write this URL as the authorityInfoAccess caIssuers of the certificate."`
}

// signRequest turns the flags, and a --subject when not empty, into the
// shared part of every SignRequest.
func (f profileFlags) signRequest(subject string) (pki.SignRequest, error) {
	r := pki.SignRequest{Days: int(f.Days), AIAURL: f.AIAURL}
	var err error
	if subject != "" {
		if r.Subject, err = parseSubjectFlag(subject); err != nil {
			return r, err
		}
	}
	if f.KU != "" {
		if r.KeyUsage, err = pki.ParseKeyUsage(f.KU); err != nil {
			return r, fmt.Errorf("--ku: %w", err)
		}
	}
	if f.EKU != "" {
		if r.ExtKeyUsage, err = pki.ParseExtKeyUsage(f.EKU); err != nil {
			return r, fmt.Errorf("--eku: %w", err)
		}
	}
	if r.SANs, err = pki.ParseSANs(f.SAN); err != nil {
		return r, fmt.Errorf("--san: %w", err)
	}
	if err := checkDays(f.Days); err != nil {
		return r, err
	}
	return r, nil
}

// logIssued tells what signing did for one certificate.
func logIssued(e *env, is *pki.Issued) {
	for _, w := range is.Warnings {
		e.log.Warn(w, "name", is.Name)
	}
	if is.Backup != "" {
		e.log.Info("kept previous certificate", "backup", is.Backup)
	}
	e.log.Info("issued certificate", "name", is.Name, "serial", is.Serial,
		"path", is.CertPath, "expires", is.Certificate.NotAfter.Format(time.DateOnly))
}
