package pki

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// File modes of the PKI directory (DESIGN.md).
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
}

// stageFile writes data to a new temporary file beside path with exactly the
// given mode. The file is created with O_EXCL and a mode no wider than perm,
// so a private key is never readable by others, not even for an instant and
// whatever the umask; fchmod then sets the exact mode the umask may have
// narrowed.
func stageFile(path string, data []byte, perm os.FileMode) (*stagedFile, error) {
	dir := filepath.Dir(path)
	for range 10 {
		var suffix [8]byte
		if _, err := rand.Read(suffix[:]); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		tmp := filepath.Join(dir, tempPrefix+filepath.Base(path)+"-"+hex.EncodeToString(suffix[:]))
		s, err := stageAs(path, tmp, os.O_EXCL, data, perm, true)
		if !errors.Is(err, fs.ErrExist) {
			return s, err
		}
	}
	return nil, fmt.Errorf("write %s: cannot create a temporary file", path)
}

// stageLocked is stageFile for writers that hold the store's lock: the
// temporary file has a fixed name per destination, so one that a crashed
// signer left behind is simply reused by the next signer instead of piling
// up, without listing the (possibly huge) certificate directory. With sync
// false the caller syncs every staged file at once (syncFilesystem) before
// the first rename.
func stageLocked(path string, data []byte, perm os.FileMode, sync bool) (*stagedFile, error) {
	tmp := filepath.Join(filepath.Dir(path), tempPrefix+filepath.Base(path))
	return stageAs(path, tmp, os.O_TRUNC, data, perm, sync)
}

func stageAs(path, tmp string, mode int, data []byte, perm os.FileMode, sync bool) (*stagedFile, error) {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|mode|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm&modePrivate)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
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
		_ = os.Remove(s.tmp)
		return fmt.Errorf("write %s: %w", s.path, unwrapPathError(err))
	}
	s.renamed = true
	return nil
}

// abort removes the temporary file unless it was renamed into place; it is
// safe to call after commit.
func (s *stagedFile) abort() {
	if s != nil && !s.renamed {
		_ = os.Remove(s.tmp)
	}
}

// writeFileLocked is writeFileAtomic for lock holders: the temporary file
// has the fixed name of stageLocked, so the next writer of the same file
// reuses one that a crash left behind.
func writeFileLocked(path string, data []byte, perm os.FileMode) error {
	s, err := stageLocked(path, data, perm, true)
	if err != nil {
		return err
	}
	return s.commit()
}

// writeFileAtomic replaces path with data: temporary file, fsync, rename.
// A crash at any point leaves either the old or the new content.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	s, err := stageFile(path, data, perm)
	if err != nil {
		return err
	}
	return s.commit()
}

// syncFilesystem flushes every file of the file system holding dir with
// one syncfs(2): for a batch, one flush instead of one fsync per file.
func syncFilesystem(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return unwrapPathError(err)
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

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
		return true, fmt.Errorf("refusing to replace %s (use --force to keep a backup and replace it): %w", path, ErrExists)
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
	base := path + "." + now.Format(backupTimeLayout)
	name := base
	for i := 1; ; i++ {
		err := os.Link(path, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return "", fmt.Errorf("back up %s: %w", path, unwrapPathError(err))
		}
		name = fmt.Sprintf("%s.%d", base, i)
	}
}

// readFileLimited reads at most limit bytes of path and fails on larger
// files, so a hostile or mistaken input (a device, a huge file) is refused
// quickly. With noFollow a symbolic link is refused rather than followed.
func readFileLimited(path string, limit int64, noFollow bool) ([]byte, error) {
	flags := os.O_RDONLY | syscall.O_CLOEXEC
	if noFollow {
		flags |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		if noFollow && errors.Is(err, syscall.ELOOP) {
			return nil, ErrSymlink
		}
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if fi.IsDir() {
		return nil, errors.New("is a directory")
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
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
