package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/pki"
)

// enrollCmd makes a certificate whole on the engine host, like the engine's
// `pki-enroll-pkcs12.sh --name=NAME --subject=S --password=P`: key, request,
// certificate and a PKCS#12 bundle keys/NAME.p12.
type enrollCmd struct {
	storeFlags
	lockFlags
	Name    string `placeholder:"NAME" help:"Write requests/NAME.req, certs/NAME.cer and keys/NAME.p12."`
	Subject string `placeholder:"S" help:"Subject of the request and the certificate."`
	profileFlags
	KeepKey bool `name:"keep-key" help:"Re-issue with the key of the existing keys/NAME.p12 instead of a new one."`
	Legacy  bool `help:"Encrypt the bundle with 3DES and SHA-1 for old readers, instead of AES-256 and PBKDF2."`
	passwordFlags
	netEnrollFlags
}

// Run enrolls one name; with --server (deprecated) it is obtain.
func (c *enrollCmd) Run(e *env, k *kong.Context) error {
	if err := c.checkMode(k); err != nil {
		return err
	}
	if c.Server != "" {
		return c.runNetwork(e)
	}
	req, err := c.request(e, k)
	if err != nil {
		return err
	}
	store, err := c.openStore(c.storeFlags)
	if err != nil {
		return err
	}
	e.log.Debug("enrolling", "dir", store.Dir(), "name", c.Name, "keep-key", c.KeepKey, "legacy", c.Legacy)
	out, err := store.Enroll(e.ctx, req)
	if err != nil {
		return err
	}
	logIssued(e, out.Issued)
	e.log.Info("wrote bundle", "path", out.PKCS12Path, "request", out.RequestPath, "kept-key", out.KeptKey, "legacy", c.Legacy)
	return nil
}

// request is the enrollment the flags ask for, every flag checked and the
// password read before the store is opened.
func (c *enrollCmd) request(e *env, k *kong.Context) (pki.EnrollRequest, error) {
	if missing := c.missingEngineFlags(k); missing != "" {
		return pki.EnrollRequest{}, usageErrorf("missing %s", missing)
	}
	if c.Name == "" {
		return pki.EnrollRequest{}, errors.New("--name is empty: give the NAME of keys/NAME.p12")
	}
	if err := pki.ValidateName(c.Name); err != nil {
		return pki.EnrollRequest{}, fmt.Errorf("--name: %w", err)
	}
	if c.Subject == "" {
		return pki.EnrollRequest{}, errors.New("--subject is empty: give the certificate's subject")
	}
	base, err := c.signRequest(c.Subject)
	if err != nil {
		return pki.EnrollRequest{}, err
	}
	base.Name = c.Name
	password, onCommandLine, crlf, err := c.password()
	if err != nil {
		return pki.EnrollRequest{}, err
	}
	if err := pki.ValidatePKCS12Password(password); err != nil {
		return pki.EnrollRequest{}, fmt.Errorf("bundle password: %w", err)
	}
	crlfWarning(e, crlf, "keys/"+c.Name+".p12")
	if !pki.JavaCanOpenWith(password) {
		e.log.Warn("the bundle password is not printable ASCII: openssl opens the bundle, Java (the engine, keytool) cannot", "name", c.Name)
	}
	if onCommandLine {
		e.log.Warn("the password given with --password can be seen by other users of this host; prefer --password-file or --password-env")
	}
	return pki.EnrollRequest{SignRequest: base, Password: password, Legacy: c.Legacy, KeepKey: c.KeepKey}, nil
}

// missingEngineFlags names the flags enroll on the engine needs that were
// not given, in kong's words; kong cannot require them, since --server
// does not take them.
func (c *enrollCmd) missingEngineFlags(k *kong.Context) string {
	given := givenFlags(k)
	var missing []string
	for _, f := range []string{"name=NAME", "subject=S"} {
		if !slices.Contains(given, strings.Split(f, "=")[0]) {
			missing = append(missing, "--"+f)
		}
	}
	if c.Password == nil && c.PasswordFile == nil && c.PasswordEnv == nil {
		missing = append(missing, "one of --password-file=FILE, --password-env=VAR or --password=PASSWORD")
	}
	return strings.Join(missing, "; ")
}
