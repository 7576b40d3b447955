package main

import "errors"

// PKCS#12 passwords come from a file or a variable, read by the rules of
// secret.go. The flag pointers tell a flag given an empty value
// (`--password-file "$UNSET"`) from no flag.

// passwordFlags give the password of a bundle enroll writes. --password is
// there for scripts written for pki-enroll-pkcs12.sh, which takes the
// password on its command line; it logs a warning.
type passwordFlags struct {
	PasswordFile *string `placeholder:"FILE" xor:"password" help:"Read the bundle password from the first line of FILE."`
	PasswordEnv  *string `placeholder:"VAR" xor:"password" help:"Read the bundle password from environment variable VAR."`
	Password     *string `placeholder:"PASSWORD" xor:"password" help:"The bundle password itself; other users can see it in ps, prefer --password-file."`
}

// password returns the password and whether it came from the command line.
func (f passwordFlags) password() (pass string, onCommandLine bool, err error) {
	if f.Password != nil {
		// The same rules as a file or a variable: a value that is only a
		// newline must not make an unprotected bundle.
		p, err := secretLine([]byte(*f.Password), "--password")
		return string(p), true, err
	}
	p, err := required(readSecret("password", f.PasswordFile, f.PasswordEnv))
	return string(p), false, err
}

// passinFlags give the password that opens an existing bundle.
type passinFlags struct {
	PassinFile *string `placeholder:"FILE" xor:"passin" required:"" help:"Read the bundle password from the first line of FILE."`
	PassinEnv  *string `placeholder:"VAR" xor:"passin" required:"" help:"Read the bundle password from environment variable VAR."`
}

func (f passinFlags) passin() (string, error) {
	p, err := required(readSecret("passin", f.PassinFile, f.PassinEnv))
	return string(p), err
}

// passoutFlags give the passphrase that encrypts an extracted key; without
// them the key is written in the clear.
type passoutFlags struct {
	PassoutFile *string `placeholder:"FILE" xor:"passout" help:"Encrypt the extracted key with the passphrase on the first line of FILE."`
	PassoutEnv  *string `placeholder:"VAR" xor:"passout" help:"Encrypt the extracted key with the passphrase in environment variable VAR."`
}

// passout returns the passphrase, or nil when none is configured.
func (f passoutFlags) passout() ([]byte, error) {
	return readSecret("passout", f.PassoutFile, f.PassoutEnv)
}

// required turns readSecret's "no flag given" into an error, for secrets
// that kong's required tag already demands (it lets nothing through, so
// this is a guard, not a message users see).
func required(secret []byte, err error) ([]byte, error) {
	if err == nil && secret == nil {
		return nil, errors.New("no password given")
	}
	return secret, err
}
