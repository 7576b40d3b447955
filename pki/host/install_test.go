package host_test

import (
	"errors"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/host"
)

// TestInstall: every part goes to its file with its mode; an existing
// file without Force, a symbolic link, or a part without a file, and
// nothing at all is written; with Force each replaced file is kept.
func TestInstall(t *testing.T) {
	f := filesIn(t)
	dir := filepath.Dir(f.Key)
	key, ca := selfSignedKey(t, "ca")
	b := host.Bundle{Key: key, Cert: ca, CA: ca, EngineCert: ca, CSR: []byte{0x30, 0}, Config: []byte("X=1\n")}
	if err := f.Install(b, host.Options{}); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{f.Key: 0o600, f.Cert: 0o644, f.CA: 0o644, f.EngineCert: 0o600, f.CSR: 0o644, f.Config: 0o644} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, want mode %04o", path, err, mode)
		}
	}
	if _, err := pki.ReadKey(f.Key, nil); err != nil {
		t.Errorf("the key does not read back: %v", err)
	}
	before := listDir(t, dir)

	t.Run("refusals", func(t *testing.T) {
		for name, tc := range map[string]struct {
			files host.Files
			b     host.Bundle
			want  error
		}{
			"exists":      {f, host.Bundle{Cert: ca, Config: []byte("X=2\n")}, atomicfile.ErrExists},
			"no path":     {host.Files{Cert: filepath.Join(dir, "new.cer")}, host.Bundle{Cert: ca, CA: ca}, host.ErrNoPath},
			"missing dir": {host.Files{Cert: filepath.Join(dir, "sub", "x.cer")}, host.Bundle{Cert: ca}, nil},
		} {
			err := tc.files.Install(tc.b, host.Options{})
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("%s: %v, want %v", name, err, tc.want)
			}
		}
		if after := listDir(t, dir); !maps.Equal(before, after) {
			t.Errorf("a refused install changed %s", dir)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		link := filepath.Join(t.TempDir(), "svc.cer")
		if err := os.Symlink(f.Cert, link); err != nil {
			t.Fatal(err)
		}
		err := (host.Files{Cert: link}).Install(host.Bundle{Cert: ca}, host.Options{Force: true})
		if !errors.Is(err, atomicfile.ErrSymlink) {
			t.Errorf("install over a link: %v", err)
		}
	})
	t.Run("force keeps backups", func(t *testing.T) {
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := f.Install(host.Bundle{Cert: selfSigned(t, "other")}, host.Options{Force: true, Now: at}); err != nil {
			t.Fatal(err)
		}
		if got := pkiRead(t, f.Cert+".20260102030405"); got != before["svc.cer"] {
			t.Error("the replaced certificate was not kept")
		}
	})
	t.Run("make dirs", func(t *testing.T) {
		deep := host.Files{Key: filepath.Join(t.TempDir(), "keys", "k.key"), Cert: filepath.Join(t.TempDir(), "certs", "c.cer")}
		if err := deep.Install(host.Bundle{Key: ecKey(t)}, host.Options{MakeDirs: true}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(filepath.Dir(deep.Cert)); err != nil || fi.Mode().Perm() != host.DirMode {
			t.Errorf("certs/ not made: %v", err)
		}
	})
}

func pkiRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestInstallOwner: the key and certificates are the owner's as soon as
// they are in place (given before the rename); the request and the
// configuration stay the writer's.
func TestInstallOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files away needs root")
	}
	owner, err := host.LookupOwner("nobody")
	if err != nil {
		t.Skip("no account nobody")
	}
	f := filesIn(t)
	f.Owner = owner
	key, ca := selfSignedKey(t, "ca")
	if err := f.Install(host.Bundle{Key: key, Cert: ca, CA: ca, EngineCert: ca, CSR: []byte{0x30, 0}, Config: []byte("X=1\n")}, host.Options{}); err != nil {
		t.Fatal(err)
	}
	u, _ := user.Lookup("nobody")
	for path, given := range map[string]bool{f.Key: true, f.Cert: true, f.CA: true, f.EngineCert: true, f.CSR: false, f.Config: false} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		uid := strconv.Itoa(int(st.Uid))
		if given && (uid != u.Uid || strconv.Itoa(int(st.Gid)) != u.Gid) || !given && st.Uid != 0 {
			t.Errorf("%s: owner %d:%d, given %v", path, st.Uid, st.Gid, given)
		}
	}
	if err := f.CheckReadable(); err != nil {
		t.Errorf("nobody cannot read its own files: %v", err)
	}
}

// TestInstallAllOrNothing: a file that cannot be backed up (every backup
// name taken, pkitest.BlockBackups) fails the install before anything is
// replaced, wherever it comes in the set: every file is as it was, no
// backup or temporary file is left, and a directory MakeDirs made for the
// install is removed again.
func TestInstallAllOrNothing(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	key, ca := selfSignedKey(t, "ca")
	for _, blocked := range []string{"key", "cert", "ca"} {
		t.Run(blocked, func(t *testing.T) {
			f := filesIn(t)
			f.CSR, f.Config = "", ""
			dir := filepath.Dir(f.Key)
			if err := f.Install(host.Bundle{Key: key, Cert: ca, CA: ca, EngineCert: ca}, host.Options{}); err != nil {
				t.Fatal(err)
			}
			pkitest.BlockBackups(t, map[string]string{"key": f.Key, "cert": f.Cert, "ca": f.CA}[blocked], at)
			before := pkitest.Snapshot(t, dir)
			// A new file in a directory the install makes: put back too.
			f.CSR = filepath.Join(dir, "new", "svc.req")
			otherKey, other := selfSignedKey(t, "other")
			err := f.Install(host.Bundle{Key: otherKey, Cert: other, CA: other, EngineCert: other, CSR: []byte{0x30, 0}},
				host.Options{Force: true, MakeDirs: true, Now: at})
			if err == nil || !strings.Contains(err.Error(), "back up") {
				t.Fatalf("install with a backup that cannot be made: %v", err)
			}
			pkitest.AssertUnchanged(t, dir, before)
		})
	}
}
