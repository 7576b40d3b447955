package host

import (
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"syscall"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// Owner is the account a service runs as, resolved once: the files it
// must read are given to it (with its primary group) when installed.
type Owner struct {
	// Name is the account's name, as the error messages spell it.
	Name string
	// UID and GID are its user and primary group.
	UID, GID int
	// Groups are all the groups it is a member of, which decide whether
	// it reads a file through the file's group.
	Groups []int
}

// LookupOwner resolves the account name. An empty name is no owner (nil):
// files keep the owner the writing process gives them.
func LookupOwner(name string) (*Owner, error) {
	if name == "" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, ErrNoAccount)
	}
	o := &Owner{Name: u.Username}
	o.UID, _ = strconv.Atoi(u.Uid)
	o.GID, _ = strconv.Atoi(u.Gid)
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil {
			o.Groups = append(o.Groups, g)
		}
	}
	return o, nil
}

// CheckGive fails with ErrNotRoot unless this process may give files to
// o: only root may give a file to another account. Callers run it before
// any work that a refusal at the end would waste (a key, a request sent
// over the network). A nil Owner gives nothing and may always.
func (o *Owner) CheckGive() error {
	if o == nil || os.Geteuid() == 0 || o.UID == os.Geteuid() {
		return nil
	}
	return fmt.Errorf("%s: %w", o.Name, ErrNotRoot)
}

// CanRead returns nil when o can read path by its mode bits for the file's
// owner, group or others, as the kernel decides for an account without
// privileges; else an error wrapping ErrUnreadable that names the file's
// owner and mode. root, and a nil Owner, read everything.
func (o *Owner) CanRead(path string) error {
	if o == nil || o.UID == 0 {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, safefile.UnwrapPathError(err))
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	mode := fi.Mode().Perm()
	uid, gid := int(st.Uid), int(st.Gid)
	switch {
	case uid == o.UID:
		if mode&0o400 != 0 {
			return nil
		}
	case gid == o.GID || slices.Contains(o.Groups, gid):
		if mode&0o040 != 0 {
			return nil
		}
	case mode&0o004 != 0:
		return nil
	}
	return &UnreadableError{Path: path, Account: o.Name, Owner: ownerName(uid, gid), Mode: mode}
}

// UnreadableError is CanRead's answer for a file the account cannot read.
type UnreadableError struct {
	// Path is the file.
	Path string
	// Account is the account that cannot read it.
	Account string
	// Owner is the file's owner and group, USER:GROUP, with names where
	// the system has them.
	Owner string
	// Mode is the file's permission bits.
	Mode os.FileMode
}

// Error says who cannot read what, without the path (callers name it
// with what the file is for).
func (e *UnreadableError) Error() string {
	return fmt.Sprintf("%s cannot read it (owner %s, mode %04o)", e.Account, e.Owner, e.Mode)
}

// Unwrap is ErrUnreadable.
func (e *UnreadableError) Unwrap() error { return ErrUnreadable }

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
