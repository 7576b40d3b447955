package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// netEnrollFlags are `enroll --server`: the proxy enrolls itself over EST
// with a token the engine's admin made.
type netEnrollFlags struct {
	Server        string  `placeholder:"URL" group:"On the proxy host, with --server" help:"Enroll this host over EST from the engine's pkienroll serve (https://HOST:PORT) instead of on the engine."`
	Token         *string `placeholder:"TOKEN" xor:"token" group:"On the proxy host, with --server" help:"The one-time token from pkienroll token create; others can see it in ps until it is used, prefer --token-file."`
	TokenFile     *string `placeholder:"FILE" xor:"token" group:"On the proxy host, with --server" help:"Read the token from the first line of FILE."`
	TokenEnv      *string `placeholder:"VAR" xor:"token" group:"On the proxy host, with --server" help:"Read the token from environment variable VAR."`
	CAFingerprint string  `name:"ca-fingerprint" placeholder:"SHA256:HEX" group:"On the proxy host, with --server" help:"The engine CA's SHA-256 fingerprint (openssl x509 -in ca.pem -noout -fingerprint -sha256 on the engine): the server is trusted only if its CA has it."`
	CN            string  `name:"cn" placeholder:"FQDN" group:"On the proxy host, with --server" help:"This host's name: the CN; the subject is the CA's with this CN."`
	Key           string  `placeholder:"FILE" group:"On the proxy host, with --server" help:"Write the new key here (mode 0600, no passphrase)."`
	Cert          string  `placeholder:"FILE" group:"On the proxy host, with --server" help:"Write the certificate here."`
	CAOut         string  `name:"ca-out" placeholder:"FILE" group:"On the proxy host, with --server" help:"Write the CA certificate here (for renew and for clients)."`
	Force         bool    `group:"On the proxy host, with --server" help:"Replace existing files, keeping each as FILE.YYYYMMDDHHMMSS."`
}

// engineEnrollFlags are the flags of enroll on the engine, which do not mix
// with --server.
var engineEnrollFlags = []string{"pki-dir", "ca-file", "cert-dir", "req-dir", "timeout", "name", "subject",
	"days", "ku", "eku", "aia-url", "keep-key", "legacy", "password-file", "password-env", "password"}

// networkOnlyFlags are the flags that mean something only with --server.
var networkOnlyFlags = []string{"token", "token-file", "token-env", "ca-fingerprint", "cn", "key", "cert", "ca-out", "force"}

// givenFlags are the flags given on the command line (not by default or
// environment).
func givenFlags(k *kong.Context) []string {
	var names []string
	for _, p := range k.Path {
		if p.Flag != nil && !p.Resolved {
			names = append(names, p.Flag.Name)
		}
	}
	return names
}

// checkMode refuses flags of the other mode, as a usage error.
func (c *enrollCmd) checkMode(k *kong.Context) error {
	given := givenFlags(k)
	other := networkOnlyFlags
	why := "without --server"
	if c.Server != "" {
		other, why = engineEnrollFlags, "with --server (enroll over the network)"
	}
	var wrong []string
	for _, f := range given {
		if slices.Contains(other, f) && !slices.Contains(wrong, "--"+f) {
			wrong = append(wrong, "--"+f)
		}
	}
	if len(wrong) > 0 {
		return usageErrorf("%s cannot be used %s", strings.Join(wrong, ", "), why)
	}
	return nil
}

// runNetwork enrolls this host over EST.
func (c *enrollCmd) runNetwork(e *env) error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"--ca-fingerprint", c.CAFingerprint}, {"--cn", c.CN}, {"--key", c.Key}, {"--cert", c.Cert}, {"--ca-out", c.CAOut},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if c.Token == nil && c.TokenFile == nil && c.TokenEnv == nil {
		missing = append(missing, "--token (or --token-file, --token-env)")
	}
	if len(missing) > 0 {
		return usageErrorf("missing %s (enroll --server needs them)", strings.Join(missing, "; "))
	}
	token, err := readSecret("token", c.TokenFile, c.TokenEnv)
	if err != nil {
		return err
	}
	if token == nil {
		if *c.Token == "" {
			return errors.New("--token is empty: give the token pkienroll token create printed")
		}
		token = []byte(*c.Token)
	}
	sans, err := pki.ParseSANs(c.SAN)
	if err != nil {
		return fmt.Errorf("--san: %w", err)
	}
	files := est.Files{Key: c.Key, Cert: c.Cert, CA: c.CAOut}
	for _, p := range []struct{ flag, path string }{{"--key", c.Key}, {"--cert", c.Cert}, {"--ca-out", c.CAOut}} {
		if err := atomicfile.CheckWritable(p.path, c.Force); err != nil {
			return fmt.Errorf("%s: %w", p.flag, err)
		}
	}
	client, err := est.Bootstrap(e.ctx, c.Server, c.CAFingerprint)
	if err != nil {
		return err
	}
	e.log.Debug("trusting the server's CA", "subject", client.CA.Subject.String(), "fingerprint", est.Fingerprint(client.CA))
	cert, err := client.EnrollFiles(e.ctx, est.EnrollRequest{Token: string(token), CN: c.CN, SANs: sans, Files: files, Force: c.Force})
	if err != nil {
		return err
	}
	e.log.Info("enrolled", "serial", pki.FormatSerial(cert.SerialNumber), "cn", cert.Subject.CommonName,
		"expires", cert.NotAfter.Format("2006-01-02"), "key", c.Key, "cert", c.Cert, "ca", c.CAOut)
	return nil
}

// synopses are enroll's two usage lines, one per mode (printHelp shows
// them): kong cannot require flags of one mode only.
func (c *enrollCmd) synopses() []string {
	return []string{
		"enroll --name=NAME --subject=S (--password-file=FILE | --password-env=VAR | --password=PASSWORD) [flags]",
		"enroll --server=URL (--token=TOKEN | --token-file=FILE | --token-env=VAR) --ca-fingerprint=SHA256:HEX --cn=FQDN --key=FILE --cert=FILE --ca-out=FILE [--san=LIST] [--force]",
	}
}
