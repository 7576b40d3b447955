package main

import (
	"encoding/asn1"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/pki"
)

// pkiDirFlag is --pki-dir, the one declaration every command that takes
// it embeds. Its help starts with ${pki_dir_help}, "The engine's PKI
// directory" unless the embedding field sets it (set:"pki_dir_help=...").
type pkiDirFlag struct {
	PKIDir string `name:"pki-dir" env:"PKIENROLL_PKI_DIR" default:"${default_pki_dir}" placeholder:"DIR" help:"${pki_dir_help}: $$${env} if set, else ${default}."`
}

// pkiDirOrNoneFlag is pkiDirFlag for metrics, which also runs on a proxy
// host: there --pki-dir= (empty) reads no directory, where every other
// command refuses an empty --pki-dir (checkGiven).
type pkiDirOrNoneFlag struct {
	PKIDir string `name:"pki-dir" env:"PKIENROLL_PKI_DIR" default:"${default_pki_dir}" placeholder:"DIR" emptyok:"" help:"${pki_dir_help}: $$${env} if set, else ${default}."`
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

// checkDays rejects a certificate's --days outside the policy's bounds
// (2..36500), which the help states. The library reads 0 as "the
// default"; on the command line 0 is a mistake, not a request for 20 years.
// A value out of the flag's range is a usage error (exit 80), as
// `--timeout NaN` is.
func checkDays(days dayCount) error {
	p := pki.DefaultPolicy()
	switch {
	case days == 1 && p.MinDays == 2:
		return usageErrorf("--days 1 is outside %s: a certificate's notBefore is a day back (for slow clocks) and the day counts, so it would have expired when issued", p.DaysRange())
	case int(days) < p.MinDays || int(days) > p.MaxDays:
		return usageErrorf("--days %d is outside %s", days, p.DaysRange())
	}
	return nil
}

// checkCRLDays rejects a CRL's --days outside the policy's bounds
// (1..36500), a usage error as checkDays's.
func checkCRLDays(days dayCount) error {
	if p := pki.DefaultPolicy(); int(days) < p.MinCRLDays || int(days) > p.MaxCRLDays {
		return usageErrorf("--days %d is outside %s", days, p.CRLDaysRange())
	}
	return nil
}

// policyVars are the issuance policy's bounds and defaults for the help
// (kong.Vars): the flags say what the library applies.
func policyVars() kong.Vars {
	p := pki.DefaultPolicy()
	return kong.Vars{
		"default_days": strconv.Itoa(p.DefaultDays), "default_ca_days": strconv.Itoa(p.DefaultCADays),
		"default_crl_days": strconv.Itoa(p.DefaultCRLDays),
		"days_range":       p.DaysRange(), "crl_days_range": p.CRLDaysRange(),
		"warn_server_days": strconv.Itoa(p.WarnServerDays),
		"default_ku":       strings.Join(pki.KeyUsageNames(p.LeafKeyUsageRSA), ","),
		"default_ku_ec":    strings.Join(pki.KeyUsageNames(p.LeafKeyUsageEC), ","),
		"default_eku":      extKeyUsageList(p.LeafExtKeyUsage),
	}
}

// extKeyUsageList is oids as openssl names them, comma-separated.
func extKeyUsageList(oids []asn1.ObjectIdentifier) string {
	names := make([]string, len(oids))
	for i, o := range oids {
		names[i] = pki.ExtKeyUsageName(o)
	}
	return strings.Join(names, ",")
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
	Days   dayCount `default:"${default_days}" help:"Validity in days (${days_range}), notBefore through notAfter inclusive; ${warn_server_days} is the most Apple platforms accept."`
	KU     string   `name:"ku" placeholder:"LIST" help:"Key usage, openssl names (default ${default_ku}; ${default_ku_ec} for an EC key)."`
	EKU    string   `name:"eku" placeholder:"LIST" help:"Extended key usage, openssl names or OIDs (default ${default_eku})."`
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
