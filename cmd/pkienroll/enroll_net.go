package main

import (
	"slices"
	"strings"

	"github.com/alecthomas/kong"
)

// netEnrollFlags are `enroll --server`, kept hidden for the scripts that
// use it: the flags of obtain, which is network enrollment under its own
// name.
type netEnrollFlags struct {
	Server        string  `placeholder:"URL" hidden:"" help:"Deprecated: use pkienroll obtain."`
	Token         *string `placeholder:"TOKEN" xor:"token" hidden:"" help:"The one-time token from pkienroll token create; others can see it in ps until it is used, prefer --token-file."`
	TokenFile     *string `placeholder:"FILE" xor:"token" hidden:"" help:"Read the token from the first line of FILE."`
	TokenEnv      *string `placeholder:"VAR" xor:"token" hidden:"" help:"Read the token from environment variable VAR."`
	CAFingerprint string  `name:"ca-fingerprint" placeholder:"SHA256:HEX" hidden:"" help:"The engine CA's SHA-256 fingerprint (openssl x509 -in ca.pem -noout -fingerprint -sha256 on the engine): the server is trusted only if its CA has it."`
	CN            string  `name:"cn" placeholder:"FQDN" hidden:"" help:"This host's name: the CN; the subject is the CA's with this CN."`
	Key           string  `placeholder:"FILE" hidden:"" help:"Write the new key here (mode 0600, no passphrase)."`
	Cert          string  `placeholder:"FILE" hidden:"" help:"Write the certificate here."`
	CAOut         string  `name:"ca-out" placeholder:"FILE" hidden:"" help:"Write the CA certificate here (for renew and for clients)."`
	Force         bool    `hidden:"" help:"Replace existing files, keeping each as FILE.YYYYMMDDHHMMSS."`
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

// runNetwork is `enroll --server`, the old spelling of obtain: the same
// enrollment, after a warning that says what to use.
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
	e.log.Warn("enroll --server is deprecated: use pkienroll obtain, with the same flags")
	o := obtainCmd{Server: c.Server, Token: c.Token, TokenFile: c.TokenFile, TokenEnv: c.TokenEnv, CAFingerprint: c.CAFingerprint,
		CN: c.CN, SAN: c.SAN, Key: c.Key, Cert: c.Cert, CAOut: c.CAOut, Force: c.Force}
	return o.Run(e)
}

// synopses are enroll's usage line: the network enrollment it also did
// is obtain's now.
func (c *enrollCmd) synopses() []string {
	return []string{"enroll --name=NAME --subject=S (--password-file=FILE | --password-env=VAR | --password=PASSWORD) [flags]"}
}
