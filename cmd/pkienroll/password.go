package main

import (
	"fmt"
	"os"
	"strings"
)

// PKCS#12 passwords come from a file or a variable, like openssl's file: and
// env: sources: the first line, without its newline. The flag pointers tell
// a flag given an empty value (`--password-file "$UNSET"`) from no flag.

// passwordFlags give the password of a bundle enroll writes. --password is
// there for scripts written for pki-enroll-pkcs12.sh, which takes the
// password on its command line; it logs a warning.
type passwordFlags struct {
	PasswordFile *string `placeholder:"FILE" xor:"password" required:"" help:"Read the bundle password from the first line of FILE."`
	PasswordEnv  *string `placeholder:"VAR" xor:"password" required:"" help:"Read the bundle password from environment variable VAR."`
	Password     *string `placeholder:"PASSWORD" xor:"password" required:"" help:"The bundle password itself; other users can see it in ps, prefer --password-file."`
}

// password returns the password and whether it came from the command line.
func (f passwordFlags) password() (pass string, onCommandLine bool, err error) {
	if f.Password != nil {
		if *f.Password == "" {
			return "", true, fmt.Errorf("--password is empty: give the bundle password")
		}
		return *f.Password, true, nil
	}
	pass, err = readSecret("password", f.PasswordFile, f.PasswordEnv)
	return pass, false, err
}

// passinFlags give the password that opens an existing bundle.
type passinFlags struct {
	PassinFile *string `placeholder:"FILE" xor:"passin" required:"" help:"Read the bundle password from the first line of FILE."`
	PassinEnv  *string `placeholder:"VAR" xor:"passin" required:"" help:"Read the bundle password from environment variable VAR."`
}

func (f passinFlags) passin() (string, error) {
	return readSecret("passin", f.PassinFile, f.PassinEnv)
}

// passoutFlags give the passphrase that encrypts an extracted key; without
// them the key is written in the clear.
type passoutFlags struct {
	PassoutFile *string `placeholder:"FILE" xor:"passout" help:"Encrypt the extracted key with the passphrase on the first line of FILE."`
	PassoutEnv  *string `placeholder:"VAR" xor:"passout" help:"Encrypt the extracted key with the passphrase in environment variable VAR."`
}

// passout returns the passphrase, or nil when none is configured.
func (f passoutFlags) passout() ([]byte, error) {
	if f.PassoutFile == nil && f.PassoutEnv == nil {
		return nil, nil
	}
	pass, err := readSecret("passout", f.PassoutFile, f.PassoutEnv)
	if err != nil {
		return nil, err
	}
	return []byte(pass), nil
}

// maxPasswordFile bounds a password file; a password is one line.
const maxPasswordFile = 64 << 10

// readSecret reads the secret of the flags --PREFIX-file and --PREFIX-env,
// of which one is set. The secret itself never shows in an error.
func readSecret(prefix string, file, env *string) (string, error) {
	switch {
	case file != nil:
		path := *file
		if path == "" {
			return "", fmt.Errorf("--%s-file is empty: give the file that holds the password", prefix)
		}
		fi, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("--%s-file: read %s: %w", prefix, path, unwrap(err))
		}
		if fi.Size() > maxPasswordFile {
			return "", fmt.Errorf("--%s-file: read %s: larger than %d bytes", prefix, path, maxPasswordFile)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("--%s-file: read %s: %w", prefix, path, unwrap(err))
		}
		line, _, _ := strings.Cut(string(data), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return "", fmt.Errorf("--%s-file: %s: first line is empty", prefix, path)
		}
		return line, nil
	case env != nil:
		name := *env
		if name == "" {
			return "", fmt.Errorf("--%s-env is empty: give the name of the variable that holds the password", prefix)
		}
		v, ok := os.LookupEnv(name)
		line, _, _ := strings.Cut(v, "\n")
		if !ok || line == "" {
			return "", fmt.Errorf("--%s-env: variable %s is not set or empty", prefix, name)
		}
		return line, nil
	}
	return "", fmt.Errorf("no --%s-file or --%s-env given", prefix, prefix)
}
