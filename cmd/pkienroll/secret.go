package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// Every secret the command line takes — a key's passphrase, a bundle's
// password, the passin and passout of pkcs12 extract — is read here, by one
// set of rules, like openssl's file: and env: sources:
//
//   - the secret is the first line, without its '\n' and one '\r' before it
//     (a file saved with CRLF line ends), which openssl's file: source
//     keeps: readSecretCR says so, for a bundle's password to be tried
//     with it too, and for a warning where a secret so read protects what
//     is written;
//   - an empty first line, an empty file or variable, an unset variable and
//     an empty flag value are errors that name the flag and the file or
//     variable, never the value: encrypting with an empty passphrase would
//     write the key in the clear;
//   - a file must be a regular file (a FIFO would block, /dev/zero never
//     ends), and at most maxSecretFile bytes are read, whatever stat says.

// maxSecretFile bounds a secret file; a secret is one line.
const maxSecretFile = 64 << 10

// readSecret returns the secret of the flags --PREFIX-file and --PREFIX-env,
// or nil when neither is given. kong's xor keeps both from being given.
func readSecret(prefix string, file, env *string) ([]byte, error) {
	secret, _, err := readSecretCR(prefix, file, env)
	return secret, err
}

// readSecretCR is readSecret that also says, as crlf, which flag and file
// the secret came from when its line ended in "\r\n" (empty otherwise):
// openssl's file: source keeps that '\r' in the secret, which readSecret
// drops.
func readSecretCR(prefix string, file, env *string) (secret []byte, crlf string, err error) {
	switch {
	case file != nil:
		flag := "--" + prefix + "-file"
		if *file == "" {
			return nil, "", fmt.Errorf("%s is empty: give the file that holds the secret", flag)
		}
		data, err := readSecretFile(*file)
		if err != nil {
			return nil, "", fmt.Errorf("%s: read %s: %w", flag, *file, err)
		}
		source := flag + " " + *file
		if line, _, _ := bytes.Cut(data, []byte("\n")); !bytes.HasSuffix(line, []byte("\r")) {
			source = ""
		}
		secret, err := secretLine(data, flag+": "+*file)
		return secret, source, err
	case env != nil:
		flag := "--" + prefix + "-env"
		if *env == "" {
			return nil, "", fmt.Errorf("%s is empty: give the name of the variable that holds the secret", flag)
		}
		v, ok := os.LookupEnv(*env)
		if !ok {
			return nil, "", fmt.Errorf("%s: variable %s is not set", flag, *env)
		}
		secret, err := secretLine([]byte(v), fmt.Sprintf("%s: variable %s", flag, *env))
		return secret, "", err
	}
	return nil, "", nil
}

// secretLine is the secret in data by the rules above; source names where
// data came from for the error.
func secretLine(data []byte, source string) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%s is empty", source)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return nil, fmt.Errorf("%s: first line is empty", source)
	}
	return line, nil
}

// readSecretFile reads a regular file of at most maxSecretFile bytes.
// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a
// writer; the type is then checked on the open file, so a name swapped
// after a check cannot slip a FIFO or a device in. Symbolic links are
// followed: secret files are often links (systemd credentials, Kubernetes
// secrets), and what they lead to is checked the same way.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, safefile.UnwrapPathError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, safefile.UnwrapPathError(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file but %s", fileKind(fi.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, safefile.UnwrapPathError(err)
	}
	if len(data) > maxSecretFile {
		return nil, fmt.Errorf("larger than %d bytes", maxSecretFile)
	}
	return data, nil
}

// fileKind names what a file that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file (" + m.Type().String() + ")"
}
