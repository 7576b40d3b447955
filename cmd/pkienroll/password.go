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

// password returns the password and whether it came from the command
// line; crlf names the flag and file when the file's line ends in "\r\n"
// (readSecretCR), for crlfWarning.
func (f passwordFlags) password() (pass string, onCommandLine bool, crlf string, err error) {
	if f.Password != nil {
		// The same rules as a file or a variable: a value that is only a
		// newline must not make an unprotected bundle.
		p, err := secretLine([]byte(*f.Password), "--password")
		return string(p), true, "", err
	}
	p, crlf, err := readSecretCR("password", f.PasswordFile, f.PasswordEnv)
	p, err = required(p, err)
	return string(p), false, crlf, err
}

// crlfWarning is the warning logged when what is written is protected
// with a secret from a file whose line ends in "\r\n", named by crlf:
// pkienroll drops the '\r', openssl's file: source keeps it.
func crlfWarning(e *env, crlf, what string) {
	if crlf != "" {
		e.log.Warn("the secret file ends its line with CR LF: pkienroll drops the CR, openssl's -passin file: keeps it; "+
			"give openssl a copy with LF line ends (sed 's/\\r$//')", "source", crlf, "protects", what)
	}
}

// passinFlags give the password that opens an existing bundle.
type passinFlags struct {
	PassinFile *string `placeholder:"FILE" xor:"passin" required:"" help:"Read the bundle password from the first line of FILE."`
	PassinEnv  *string `placeholder:"VAR" xor:"passin" required:"" help:"Read the bundle password from environment variable VAR."`
}

// passin returns the password, and as retry the same with the '\r' that
// ended the file's line when it ended in "\r\n": what openssl's file:
// source opens with, tried when the password fails (it cannot open what
// the other would).
func (f passinFlags) passin() (pass, retry string, err error) {
	p, crlf, err := readSecretCR("passin", f.PassinFile, f.PassinEnv)
	if p, err = required(p, err); err != nil {
		return "", "", err
	}
	if crlf != "" {
		retry = string(p) + "\r"
	}
	return string(p), retry, nil
}

// passoutFlags give the passphrase that encrypts an extracted key; without
// them the key is written in the clear.
type passoutFlags struct {
	PassoutFile *string `placeholder:"FILE" xor:"passout" help:"Encrypt the extracted key with the passphrase on the first line of FILE."`
	PassoutEnv  *string `placeholder:"VAR" xor:"passout" help:"Encrypt the extracted key with the passphrase in environment variable VAR."`
}

// passout returns the passphrase, or nil when none is configured; crlf
// as for password.
func (f passoutFlags) passout() (pass []byte, crlf string, err error) {
	return readSecretCR("passout", f.PassoutFile, f.PassoutEnv)
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
