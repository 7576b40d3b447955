// Package atomicfile writes files so that a crash at any point leaves the
// old content or the new, never part of one: a temporary file beside the
// destination (created with O_EXCL|O_NOFOLLOW and a mode no wider than the
// final one, so nothing planted at its name is written through and a key is
// never readable by others), synced, renamed, and the directory synced.
// Several files are staged before the first rename (Stage, StageLocked),
// replaced files are kept as FILE.YYYYMMDDHHMMSS hard links (Backup), and
// ReplaceAll and WriteFiles put a set in place all or nothing. The temporary names let a later
// lock holder recognise and clean what a crash left (IsTemp, IsLockedTemp).
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// modePrivate bounds the mode a temporary file is created with, before
// fchmod sets the exact one: nobody else can open it in between.
const modePrivate os.FileMode = 0o600

// ErrExists reports a file that would be replaced without permission.
var ErrExists = errors.New("file exists")

// ErrSymlink reports a path that is a symbolic link where a regular file
// must be written (safefile.ErrSymlink, the readers' own).
var ErrSymlink = safefile.ErrSymlink

// TempPrefix starts the name of every temporary file we create, so that a
// later writer can recognise and remove what a crash left behind.
const TempPrefix = ".pkienroll-tmp-"

// backupTimeLayout is the suffix of backups: FILE.YYYYMMDDHHMMSS, as the
// engine scripts name them.
const backupTimeLayout = "20060102150405"

// Staged is a fully written, synced temporary file waiting to be renamed
// over its destination. Staging every output before renaming any lets a
// command that writes several files fail without leaving any of them.
type Staged struct {
	path    string
	tmp     string
	renamed bool
	// Keep leaves the temporary file in place when the rename fails: it may
	// be the only copy of something already published (see pki's Enroll).
	Keep bool
}

// Stage writes data to a new temporary file beside path with exactly the
// given mode, for writers that do not hold the store's lock. The name is
// random (unlockedTempName) and the file is created with O_EXCL and a mode
// no wider than perm, so a private key is never readable by others, not
// even for an instant and whatever the umask; fchmod then sets the exact
// mode the umask may have narrowed.
func Stage(path string, data []byte, perm os.FileMode) (*Staged, error) {
	for range 10 {
		tmp, err := unlockedTempName(path)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		s, err := stageAs(path, tmp, data, perm, true)
		if !errors.Is(err, fs.ErrExist) {
			return s, err
		}
	}
	return nil, fmt.Errorf("write %s: cannot create a temporary file", path)
}

// unlockedTempName is a random temporary name beside path:
// .pkienroll-tmp-BASE~HEX. The "~" and the random suffix mark a file that
// a writer without the store's lock may still be writing, which Check
// therefore leaves alone (no store file name has a "~").
func unlockedTempName(path string) (string, error) {
	var suffix [8]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(path), TempPrefix+filepath.Base(path)+unlockedTempMark+hex.EncodeToString(suffix[:])), nil
}

// unlockedTempMark separates a destination's name from the random suffix of
// an unlocked writer's temporary file.
const unlockedTempMark = "~"

// LockedTempName is the fixed temporary name of a lock holder's write to
// path.
func LockedTempName(path string) string {
	return filepath.Join(filepath.Dir(path), TempPrefix+filepath.Base(path))
}

// StageLocked is Stage for writers that hold the store's lock: the
// temporary file has a fixed name per destination, so one that a crashed
// signer left behind is taken over by the next signer instead of piling
// up, without listing the (possibly huge) certificate directory. The file
// is created with O_EXCL and O_NOFOLLOW; when something has that name, it is
// unlinked and the file created anew: a hard link, symbolic link or FIFO
// planted there is removed, never written through. With sync false the
// caller flushes every staged file at once (Flush) before the first rename.
func StageLocked(path string, data []byte, perm os.FileMode, sync bool) (*Staged, error) {
	return StageLockedAs(path, LockedTempName(path), data, perm, sync)
}

// StageLockedAs is StageLocked with the temporary name chosen by the caller
// (one the store's lock protects).
func StageLockedAs(path, tmp string, data []byte, perm os.FileMode, sync bool) (*Staged, error) {
	for range 3 {
		// Created first: a name that is free, as it nearly always is,
		// costs no unlink.
		s, err := stageAs(path, tmp, data, perm, sync)
		if !errors.Is(err, fs.ErrExist) {
			return s, err
		}
		if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("write %s: remove stale %s: %w", path, tmp, safefile.UnwrapPathError(err))
		}
	}
	return nil, fmt.Errorf("write %s: %s keeps reappearing (is something writing without the lock?)", path, tmp)
}

// stageAs creates tmp with O_EXCL and O_NOFOLLOW, so that it is always a
// new inode of ours, and writes data to it. An existing tmp is returned as
// the bare fs.ErrExist for the caller to retry.
func stageAs(path, tmp string, data []byte, perm os.FileMode, sync bool) (*Staged, error) {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm&modePrivate)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fs.ErrExist
		}
		return nil, fmt.Errorf("write %s: %w", path, safefile.UnwrapPathError(err))
	}
	if err := WriteClose(f, data, perm, sync); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &Staged{path: path, tmp: tmp}, nil
}

// WriteClose writes data to f, sets its mode to perm, syncs it when sync is
// set, and closes it; the first error wins.
func WriteClose(f *os.File, data []byte, perm os.FileMode, sync bool) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return safefile.UnwrapPathError(err)
}

// Path is the destination of the staged file.
func (s *Staged) Path() string { return s.path }

// Commit renames the temporary file over its destination and syncs the
// directory so that the rename itself survives a crash.
func (s *Staged) Commit() error {
	if err := s.Rename(); err != nil {
		return err
	}
	if err := SyncDir(filepath.Dir(s.path)); err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	return nil
}

// Rename is Commit without the directory sync, for callers that rename
// several files into one directory and sync it once.
func (s *Staged) Rename() error {
	return s.rename(RenameFile)
}

// renameNew is Rename for a destination that did not exist when the
// caller checked: one that appeared since is left as it is, and the
// error says so (fs.ErrExist).
func (s *Staged) renameNew() error {
	err := s.rename(renameNoReplace)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write %s: %w: it appeared while pkienroll was writing it, and is left as it is", s.path, fs.ErrExist)
	}
	return err
}

func (s *Staged) rename(rename func(oldpath, newpath string) error) error {
	if err := rename(s.tmp, s.path); err != nil {
		if !s.Keep {
			_ = os.Remove(s.tmp)
		}
		return fmt.Errorf("write %s: %w", s.path, safefile.UnwrapPathError(err))
	}
	s.renamed = true
	return nil
}

// Chown gives the staged file to uid and gid before it is renamed into
// place, so a file that must belong to a service's account is never there
// under another owner (pki/host's Install). The temporary file is a new
// inode of ours, so Lchown cannot be led elsewhere by a link.
func (s *Staged) Chown(uid, gid int) error {
	if err := os.Lchown(s.tmp, uid, gid); err != nil {
		return fmt.Errorf("give %s to %d:%d: %w", s.path, uid, gid, safefile.UnwrapPathError(err))
	}
	return nil
}

// Abort removes the temporary file unless it was renamed into place; it is
// safe to call after Commit.
func (s *Staged) Abort() {
	if s != nil && !s.renamed && !s.Keep {
		_ = os.Remove(s.tmp)
	}
}

// WriteLocked replaces path with data (temporary file, fsync, rename),
// for lock holders: the temporary file has the fixed name of StageLocked,
// so the next writer of the same file reuses one that a crash left behind.
func WriteLocked(path string, data []byte, perm os.FileMode) error {
	s, err := StageLocked(path, data, perm, true)
	if err != nil {
		return err
	}
	return s.Commit()
}

// SyncDir flushes dir, so that the renames in it survive a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return safefile.UnwrapPathError(err)
	}
	defer d.Close()
	return safefile.UnwrapPathError(d.Sync())
}

// CheckReplace decides whether path may be written. A missing file may; a
// symbolic link or anything but a regular file may not; an existing file may
// only with replace, and then the caller backs it up first.
func CheckReplace(path string, replace bool) (exists bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("check %s: %w", path, safefile.UnwrapPathError(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		return true, fmt.Errorf("refusing to write %s: %w", path, ErrSymlink)
	case !fi.Mode().IsRegular():
		return true, fmt.Errorf("refusing to write %s: not a regular file", path)
	case !replace:
		return true, fmt.Errorf("refusing to replace %s: %w", path, ErrExists)
	}
	return true, nil
}

// Backup keeps the current content of path as path.YYYYMMDDHHMMSS (with
// a numeric suffix when that name is taken). It hard-links rather than copies:
// the later rename of the new file replaces the directory entry, never the
// old inode, so the link is a complete, instant and atomic backup.
func Backup(path string, now time.Time) (string, error) {
	name, err := LinkBackup(path, now)
	if err != nil {
		return "", err
	}
	return name, SyncDir(filepath.Dir(path))
}

// LinkBackup is Backup without the directory sync.
func LinkBackup(path string, now time.Time) (string, error) {
	return LinkBackupOf(path, path, now)
}

// LinkBackupOf links src as a backup of path: path.YYYYMMDDHHMMSS, with a
// numeric suffix when that name is taken.
func LinkBackupOf(src, path string, now time.Time) (string, error) {
	base := path + "." + now.Format(backupTimeLayout)
	name := base
	for i := 1; ; i++ {
		err := os.Link(src, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return "", fmt.Errorf("back up %s: %w", path, safefile.UnwrapPathError(err))
		}
		name = fmt.Sprintf("%s.%d", base, i)
	}
}

// IsTemp reports whether name is one of our temporary files.
func IsTemp(name string) bool { return strings.HasPrefix(name, TempPrefix) }

// IsLockedTemp reports whether name is a temporary file that only a
// holder of the store's lock writes (see StageLocked), as opposed to one of
// Stage's, which a writer without the lock may still be writing.
func IsLockedTemp(name string) bool {
	return IsTemp(name) && !strings.Contains(name, unlockedTempMark)
}

// Options says how an output file may treat an existing file of the
// same name.
type Options struct {
	// Force replaces an existing file after keeping it as FILE.YYYYMMDDHHMMSS.
	// Without it an existing file is an ErrExists error.
	Force bool
	// NoBackup replaces without keeping the old file, for outputs that are
	// regenerated rather than issued, such as a CRL.
	NoBackup bool
	// Now is the time used for backup names; zero means time.Now().
	Now time.Time
}

// OutputFile is one file a command produces.
type OutputFile struct {
	Path string
	Data []byte
	Mode os.FileMode
}

// now is opts.Now, or the time now when it is zero.
func (opts Options) now() time.Time {
	if opts.Now.IsZero() {
		return time.Now()
	}
	return opts.Now
}

// WriteFiles writes a set of files all or nothing, as far as the file system
// allows: every check runs (two outputs naming the same file are
// ErrSameFile, CheckDistinct) and every file is written to a synced temporary
// file before the first rename; existing files (allowed only with
// opts.Force) are backed up before the first is replaced, and a failure
// after some were replaced puts them back (ReplaceAll).
func WriteFiles(opts Options, outs ...OutputFile) error {
	paths := make([]string, len(outs))
	for i, o := range outs {
		paths[i] = o.Path
	}
	if err := CheckDistinct(paths...); err != nil {
		return err
	}
	exists := make([]bool, len(outs))
	for i, o := range outs {
		var err error
		if exists[i], err = CheckReplace(o.Path, opts.Force); err != nil {
			return err
		}
	}
	staged := make([]*Staged, 0, len(outs))
	defer func() {
		for _, s := range staged {
			s.Abort()
		}
	}()
	for _, o := range outs {
		s, err := Stage(o.Path, o.Data, o.Mode)
		if err != nil {
			return err
		}
		staged = append(staged, s)
	}
	return ReplaceAll(staged, exists, opts)
}

// CheckWritable reports whether path may be written as an output: its
// directory must exist, and the file must not, or exist as a regular file
// with force (it will then be backed up). Commands call it before expensive
// or numbered work, such as making a key or a CRL, that a failed write would
// waste.
func CheckWritable(path string, force bool) error {
	exists, err := CheckReplace(path, force)
	if err != nil || exists {
		return err
	}
	if dir, err := os.Stat(filepath.Dir(path)); err != nil || !dir.IsDir() {
		return fmt.Errorf("cannot write %s: directory %s does not exist", path, filepath.Dir(path))
	}
	return nil
}
