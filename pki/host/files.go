package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// Modes of the files Install writes. The key is the service's secret; the
// engine's certificate is kept as private as engine-setup keeps it on a
// proxy host; the rest is public.
const (
	KeyMode        os.FileMode = 0o600
	CertMode       os.FileMode = 0o644
	CAMode         os.FileMode = 0o644
	EngineCertMode os.FileMode = 0o600
	CSRMode        os.FileMode = 0o644
	ConfigMode     os.FileMode = 0o644
)

// DirMode is the mode of the directories Install makes, as the engine's
// packages make those of its PKI and configuration directories.
const DirMode os.FileMode = 0o755

// Files are one service's files on a proxy host. An empty path is a file
// the service does not have, or that this step does not touch.
type Files struct {
	// Key is the private key (PEM, without passphrase: the service starts
	// unattended).
	Key string
	// Cert is the service's certificate (PEM).
	Cert string
	// CA is the CA certificate (PEM) the certificate was verified under.
	CA string
	// EngineCert is the engine's certificate (PEM), which the websocket
	// proxy checks the signature of console tickets with.
	EngineCert string
	// CSR is the certificate signing request (PEM), for a request carried
	// to the engine by hand; it is not the service's to read.
	CSR string
	// Config is the service's configuration file (the websocket proxy's
	// 10-setup.conf); the service reads it as root before it drops to its
	// account, so it is not given to Owner.
	Config string
	// Owner, when not nil, is given the key and the certificates as they
	// are installed, and is the account CheckReadable checks for.
	Owner *Owner
}

// Options say how Install treats existing files and missing directories.
type Options struct {
	// Force replaces existing files, keeping each as FILE.YYYYMMDDHHMMSS;
	// without it an existing file is an error (atomicfile.ErrExists) found
	// before anything is written.
	Force bool
	// MakeDirs makes the missing directories of every path Files names,
	// DirMode; without it a missing directory is an error.
	MakeDirs bool
	// Now names the backups; zero means time.Now().
	Now time.Time
}

// CheckWritable checks, before any costly or irrevocable step (a key made,
// a request sent), that each of paths could be installed with o: a missing
// file, or with o.Force an existing regular file; never a symbolic link;
// and no two of them the same file, however spelled (pki.ErrSameFile).
// With o.MakeDirs a missing directory is fine, else it is an error.
func CheckWritable(o Options, paths ...string) error {
	if err := atomicfile.CheckDistinct(paths...); err != nil {
		return err
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if o.MakeDirs {
			if _, err := os.Stat(filepath.Dir(p)); errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		if err := atomicfile.CheckWritable(p, o.Force); err != nil {
			return err
		}
	}
	return nil
}

// named are the paths f names, in the order Install writes them.
func (f Files) named() []string {
	var ps []string
	for _, p := range []string{f.Key, f.Cert, f.CA, f.EngineCert, f.CSR, f.Config} {
		if p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// makeDirs makes the missing directories of every path f names, and
// returns those it made, deepest first, for removeDirs; on an error it
// has removed them.
func (f Files) makeDirs() ([]string, error) {
	var made []string
	for _, p := range f.named() {
		dir := filepath.Dir(p)
		var missing []string
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) || d == filepath.Dir(d) {
				break
			}
			missing = append(missing, d)
		}
		if err := os.MkdirAll(dir, DirMode); err != nil {
			removeDirs(append(missing, made...))
			return nil, fmt.Errorf("make directory %s: %w", dir, safefile.UnwrapPathError(err))
		}
		made = append(missing, made...)
	}
	return made, nil
}

// removeDirs removes dirs in order, each only if it is empty: the
// directories makeDirs made for an install that failed.
func removeDirs(dirs []string) {
	for _, d := range dirs {
		_ = syscall.Rmdir(d)
	}
}
