package pki

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

// File modes of the PKI directory.
const (
	modePublic     os.FileMode = 0o644
	modePrivate    os.FileMode = 0o600
	modePrivateDir os.FileMode = 0o700
	modePublicDir  os.FileMode = 0o755
)

// tempPrefix starts the name of every temporary file we create, so that a
// later writer can recognise and remove what a crash left behind.
const tempPrefix = ".pkienroll-tmp-"

// backupTimeLayout is the suffix of backups: FILE.YYYYMMDDHHMMSS, as the
// engine scripts name them.
const backupTimeLayout = "20060102150405"

// stagedFile is a fully written, synced temporary file waiting to be renamed
// over its destination. Staging every output before renaming any lets a
// command that writes several files fail without leaving any of them.
type stagedFile struct {
	path    string
	tmp     string
	renamed bool
	// keep leaves the temporary file in place when the rename fails: it may
	// be the only copy of something already published (see Enroll).
	keep bool
}

// stageFile writes data to a new temporary file beside path with exactly the
// given mode, for writers that do not hold the store's lock. The name is
// random (unlockedTempName) and the file is created with O_EXCL and a mode
// no wider than perm, so a private key is never readable by others, not
// even for an instant and whatever the umask; fchmod then sets the exact
// mode the umask may have narrowed.
func stageFile(path string, data []byte, perm os.FileMode) (*stagedFile, error) {
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
	return filepath.Join(filepath.Dir(path), tempPrefix+filepath.Base(path)+unlockedTempMark+hex.EncodeToString(suffix[:])), nil
}

// unlockedTempMark separates a destination's name from the random suffix of
// an unlocked writer's temporary file.
const unlockedTempMark = "~"

// lockedTempName is the fixed temporary name of a lock holder's write to
// path.
func lockedTempName(path string) string {
	return filepath.Join(filepath.Dir(path), tempPrefix+filepath.Base(path))
}

// stageLocked is stageFile for writers that hold the store's lock: the
// temporary file has a fixed name per destination, so one that a crashed
// signer left behind is taken over by the next signer instead of piling
// up, without listing the (possibly huge) certificate directory. Whatever
// has that name is unlinked first and the file created anew with O_EXCL and
// O_NOFOLLOW: a hard link, symbolic link or FIFO planted there is removed,
// never written through. With sync false the caller syncs every staged
// file at once (syncFilesystem) before the first rename.
func stageLocked(path string, data []byte, perm os.FileMode, sync bool) (*stagedFile, error) {
	return stageLockedAs(path, lockedTempName(path), data, perm, sync)
}

// stageLockedAs is stageLocked with the temporary name chosen by the caller
// (one the store's lock protects).
func stageLockedAs(path, tmp string, data []byte, perm os.FileMode, sync bool) (*stagedFile, error) {
	for range 3 {
		if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("write %s: remove stale %s: %w", path, tmp, unwrapPathError(err))
		}
		s, err := stageAs(path, tmp, data, perm, sync)
		if !errors.Is(err, fs.ErrExist) {
			return s, err
		}
	}
	return nil, fmt.Errorf("write %s: %s keeps reappearing (is something writing without the lock?)", path, tmp)
}

// stageAs creates tmp with O_EXCL and O_NOFOLLOW, so that it is always a
// new inode of ours, and writes data to it. An existing tmp is returned as
// the bare fs.ErrExist for the caller to retry.
func stageAs(path, tmp string, data []byte, perm os.FileMode, sync bool) (*stagedFile, error) {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm&modePrivate)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fs.ErrExist
		}
		return nil, fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	if err := writeClose(f, data, perm, sync); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &stagedFile{path: path, tmp: tmp}, nil
}

func writeClose(f *os.File, data []byte, perm os.FileMode, sync bool) error {
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
	return unwrapPathError(err)
}

// commit renames the temporary file over its destination and syncs the
// directory so that the rename itself survives a crash.
func (s *stagedFile) commit() error {
	if err := s.rename(); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	return nil
}

// rename is commit without the directory sync, for callers that rename
// several files into one directory and sync it once.
func (s *stagedFile) rename() error {
	if err := os.Rename(s.tmp, s.path); err != nil {
		if !s.keep {
			_ = os.Remove(s.tmp)
		}
		return fmt.Errorf("write %s: %w", s.path, unwrapPathError(err))
	}
	s.renamed = true
	return nil
}

// abort removes the temporary file unless it was renamed into place; it is
// safe to call after commit.
func (s *stagedFile) abort() {
	if s != nil && !s.renamed && !s.keep {
		_ = os.Remove(s.tmp)
	}
}

// writeFileLocked replaces path with data (temporary file, fsync, rename),
// for lock holders: the temporary file has the fixed name of stageLocked,
// so the next writer of the same file reuses one that a crash left behind.
func writeFileLocked(path string, data []byte, perm os.FileMode) error {
	s, err := stageLocked(path, data, perm, true)
	if err != nil {
		return err
	}
	return s.commit()
}

// syncDir flushes dir, so that the renames in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return unwrapPathError(err)
	}
	defer d.Close()
	return unwrapPathError(d.Sync())
}

// checkReplace decides whether path may be written. A missing file may; a
// symbolic link or anything but a regular file may not; an existing file may
// only with replace, and then the caller backs it up first.
func checkReplace(path string, replace bool) (exists bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("check %s: %w", path, unwrapPathError(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		return true, fmt.Errorf("refusing to write %s: %w", path, ErrSymlink)
	case !fi.Mode().IsRegular():
		return true, fmt.Errorf("refusing to write %s: not a regular file", path)
	case !replace:
		return true, fmt.Errorf("refusing to replace %s: %w", path, ErrExists)
	}
	return true, nil
}

// backupFile keeps the current content of path as path.YYYYMMDDHHMMSS (with
// a numeric suffix when that name is taken). It hard-links rather than copies:
// the later rename of the new file replaces the directory entry, never the
// old inode, so the link is a complete, instant and atomic backup.
func backupFile(path string, now time.Time) (string, error) {
	name, err := linkBackup(path, now)
	if err != nil {
		return "", err
	}
	return name, syncDir(filepath.Dir(path))
}

// linkBackup is backupFile without the directory sync.
func linkBackup(path string, now time.Time) (string, error) {
	return linkBackupOf(path, path, now)
}

// linkBackupOf links src as a backup of path: path.YYYYMMDDHHMMSS, with a
// numeric suffix when that name is taken.
func linkBackupOf(src, path string, now time.Time) (string, error) {
	base := path + "." + now.Format(backupTimeLayout)
	name := base
	for i := 1; ; i++ {
		err := os.Link(src, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return "", fmt.Errorf("back up %s: %w", path, unwrapPathError(err))
		}
		name = fmt.Sprintf("%s.%d", base, i)
	}
}

// readFileLimited reads at most limit bytes of a regular file (see
// safefile.ReadLimited), with the package's messages and sentinels.
func readFileLimited(path string, limit int64, noFollow bool) ([]byte, error) {
	return safefile.ReadLimited(path, limit, noFollow)
}

// unwrapPathError strips the *fs.PathError wrapper: our messages already
// name the path, and "open x: open x: permission denied" reads badly.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// isTempFile reports whether name is one of our temporary files.
func isTempFile(name string) bool { return strings.HasPrefix(name, tempPrefix) }

// isLockedTempFile reports whether name is a temporary file that only a
// holder of the store's lock writes (see stageLocked), as opposed to one of
// stageFile's, which a writer without the lock may still be writing.
func isLockedTempFile(name string) bool {
	return isTempFile(name) && !strings.Contains(name, unlockedTempMark)
}

// WriteOptions says how an output file may treat an existing file of the
// same name.
type WriteOptions struct {
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

// WriteFiles writes a set of files all or nothing, as far as the file system
// allows: every check runs and every file is written to a synced temporary
// file before the first rename, and existing files (allowed only with
// opts.Force) are backed up just before they are replaced.
func WriteFiles(opts WriteOptions, outs ...OutputFile) error {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	exists := make([]bool, len(outs))
	for i, o := range outs {
		for _, p := range outs[:i] {
			if p.Path == o.Path {
				return fmt.Errorf("write %s: the same file is named for two outputs", o.Path)
			}
		}
		var err error
		if exists[i], err = checkReplace(o.Path, opts.Force); err != nil {
			return err
		}
	}
	staged := make([]*stagedFile, 0, len(outs))
	defer func() {
		for _, s := range staged {
			s.abort()
		}
	}()
	for _, o := range outs {
		s, err := stageFile(o.Path, o.Data, o.Mode)
		if err != nil {
			return err
		}
		staged = append(staged, s)
	}
	for i, s := range staged {
		if exists[i] && !opts.NoBackup {
			if _, err := backupFile(s.path, now); err != nil {
				return err
			}
		}
		if err := s.commit(); err != nil {
			return err
		}
	}
	return nil
}

// CheckWritable reports whether path may be written as an output: its
// directory must exist, and the file must not, or exist as a regular file
// with force (it will then be backed up). Commands call it before expensive
// or numbered work, such as making a key or a CRL, that a failed write would
// waste.
func CheckWritable(path string, force bool) error {
	exists, err := checkReplace(path, force)
	if err != nil || exists {
		return err
	}
	if dir, err := os.Stat(filepath.Dir(path)); err != nil || !dir.IsDir() {
		return fmt.Errorf("cannot write %s: directory %s does not exist", path, filepath.Dir(path))
	}
	return nil
}
