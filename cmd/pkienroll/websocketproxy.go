package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// websocketProxyCmd enrolls the websocket proxy (ovirt-websocket-proxy) on
// a host of its own: what engine-setup's remote enrollment does, with
// HTTPS where it used plain HTTP and a validity browsers accept.
type websocketProxyCmd struct {
	Request    wspRequestCmd    `cmd:"" help:"On the proxy host: make the proxy's key and request, subject derived from the CA."`
	Sign       wspSignCmd       `cmd:"" help:"On the engine: sign requests/websocket-proxy-FQDN.req (825 days)."`
	EngineCert wspEngineCertCmd `cmd:"" name:"engine-cert" help:"On the proxy host: fetch (HTTPS) or copy the engine's certificate, checked against the CA."`
	Config     wspConfigCmd     `cmd:"" help:"On the proxy host: check every file, write 10-setup.conf, print the engine-config lines."`
}

// wspDirFlags locate the PKI directory on the proxy host, where the
// websocket proxy's files are.
type wspDirFlags struct {
	pkiDirFlag `set:"pki_dir_help=This host's PKI directory"`
}

// wspOwnerFlags name the account the service runs as.
type wspOwnerFlags struct {
	Owner string `default:"ovirt" help:"The account ovirt-websocket-proxy runs as, which must read the files; \"\" to leave owners alone."`
}

// account is a user the files are for.
type account struct {
	name     string
	uid, gid int
	groups   []int
}

// account looks the owner up; nil when --owner is "".
func (f wspOwnerFlags) account() (*account, error) {
	if f.Owner == "" {
		return nil, nil
	}
	u, err := user.Lookup(f.Owner)
	if err != nil {
		return nil, fmt.Errorf("--owner %s: no such account (give the account ovirt-websocket-proxy runs as)", f.Owner)
	}
	a := &account{name: u.Username}
	a.uid, _ = strconv.Atoi(u.Uid)
	a.gid, _ = strconv.Atoi(u.Gid)
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil {
			a.groups = append(a.groups, g)
		}
	}
	return a, nil
}

// mayGive fails unless files can be given to the account: only root can
// give a file to another. Commands call it before they write anything.
func (a *account) mayGive() error {
	if a == nil || os.Geteuid() == 0 || a.uid == os.Geteuid() {
		return nil
	}
	return fmt.Errorf("--owner %s: only root can give files to another account (run as root, or give --owner \"\")", a.name)
}

// give makes path the account's, with its primary group. The file is
// opened without following links, so a link put in its place is not
// followed to another file.
func (a *account) give(path string) error {
	if a == nil {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("give %s to %s: %w", path, a.name, safefile.UnwrapPathError(err))
	}
	defer f.Close()
	if err := f.Chown(a.uid, a.gid); err != nil {
		return fmt.Errorf("give %s to %s: %w", path, a.name, safefile.UnwrapPathError(err))
	}
	return nil
}

// canRead says why the account cannot read path, "" when it can: by its
// mode bits for the file's owner, group or others, as the kernel decides
// for an account without privileges.
func (a *account) canRead(path string) string {
	if a == nil || a.uid == 0 {
		return ""
	}
	fi, err := os.Stat(path)
	if err != nil {
		return safefile.UnwrapPathError(err).Error()
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	mode := fi.Mode().Perm()
	uid, gid := int(st.Uid), int(st.Gid)
	switch {
	case uid == a.uid:
		if mode&0o400 != 0 {
			return ""
		}
	case gid == a.gid || slices.Contains(a.groups, gid):
		if mode&0o040 != 0 {
			return ""
		}
	case mode&0o004 != 0:
		return ""
	}
	return fmt.Sprintf("%s cannot read it (owner %s, mode %04o)", a.name, ownerName(uid, gid), mode)
}

// ownerName spells uid:gid with names where the system has them.
func ownerName(uid, gid int) string {
	u, g := strconv.Itoa(uid), strconv.Itoa(gid)
	if x, err := user.LookupId(u); err == nil {
		u = x.Username
	}
	if x, err := user.LookupGroupId(g); err == nil {
		g = x.Name
	}
	return u + ":" + g
}

// checkOutput is atomicfile.CheckWritable for a file whose directory may not exist
// yet (makeDirs makes it).
func checkOutput(path string, force bool) error {
	if _, err := os.Stat(filepath.Dir(path)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return atomicfile.CheckWritable(path, force)
}

// makeDirs makes the missing directories of each path, 0755 as the engine's
// packages make those of its PKI and configuration directories.
func makeDirs(paths ...string) error {
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("make directory %s: %w", filepath.Dir(p), safefile.UnwrapPathError(err))
		}
	}
	return nil
}

// orDefault returns path made absolute, or def when path is empty.
func orDefault(flag, path, def string) (string, error) {
	if path == "" {
		path = def
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return abs, nil
}

// wspHost checks --fqdn.
func wspHost(fqdn string) (string, error) {
	host, err := proxy.CheckWebsocketHost(fqdn)
	if err != nil {
		return "", fmt.Errorf("--fqdn: %w", err)
	}
	return host, nil
}
