package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// beforeRename, when set by a test, runs before each staged file of
// ReplaceAll is renamed: a fault made there with real files (the
// temporary file removed) fails that rename after others succeeded.
var beforeRename func(s *Staged)

// ReplaceAll renames every staged file over its destination, all or
// nothing as far as the file system allows. exists[i] says that files[i]
// replaces an existing file (atomicfile.CheckReplace). Every existing file
// is first kept as FILE.YYYYMMDDHHMMSS (LinkBackup, opts.Now), or with
// opts.NoBackup under a hidden name that only serves an undo and is
// removed at the end (not needed, and not made, for a single file); the
// directories are synced, so the backups are durable before anything is
// replaced. A backup that cannot be made removes those already made and
// fails with nothing renamed. Then each file is renamed in turn (one that
// did not exist with RENAME_NOREPLACE where the system has it, so that a
// file another writer made meanwhile is never replaced) and the
// directories are synced; when a rename or that sync fails, the files
// already replaced are put back in reverse order (the link renamed over
// the new file, which restores the old inode, its mode and owner, and
// removes the backup name; a file that did not exist is removed) and the
// backups of the others removed, so that the error leaves the files as
// they were. What cannot be put back is named in the error, with the
// backup that still holds it. opts.Force is not read: the caller has
// already refused what may not be replaced. The caller still Aborts every
// staged file, which removes the temporary files of those not renamed.
func ReplaceAll(files []*Staged, exists []bool, opts Options) error {
	now := opts.now()
	dirs := dirsOf(files)
	kept := make([]string, len(files))
	linked := false
	for i, s := range files {
		if !exists[i] {
			continue
		}
		var err error
		switch {
		case !opts.NoBackup:
			kept[i], err = LinkBackup(s.path, now)
		case len(files) > 1:
			kept[i], err = linkUndo(s.path)
		}
		if err != nil {
			removeAll(kept)
			_ = syncDirs(dirs)
			return err
		}
		linked = linked || kept[i] != ""
	}
	if linked {
		if err := syncDirs(dirs); err != nil {
			removeAll(kept)
			return err
		}
	}
	for i, s := range files {
		if beforeRename != nil {
			beforeRename(s)
		}
		rename := s.Rename
		if !exists[i] {
			rename = s.renameNew
		}
		if err := rename(); err != nil {
			return undo(files, i, exists, kept, err)
		}
	}
	if err := syncDirs(dirs); err != nil {
		return undo(files, len(files), exists, kept, err)
	}
	if opts.NoBackup {
		// Not synced: a crash that keeps one is a stray hard link of a
		// replaced file, named as a temporary file of ours.
		removeAll(kept)
	}
	return nil
}

// linkUndo links path under a new temporary name beside it, which keeps
// the file a rename is about to replace until the set is in place.
func linkUndo(path string) (string, error) {
	for range 10 {
		name, err := unlockedTempName(path)
		if err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
		err = os.Link(path, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("write %s: keep the old file: %w", path, safefile.UnwrapPathError(err))
		}
	}
	return "", fmt.Errorf("write %s: cannot create a temporary link", path)
}

// undo puts back the first n of files, which were renamed, in reverse
// order after err stopped ReplaceAll, removes the links that kept the
// others, syncs the directories, and returns err with what could not be
// put back.
func undo(files []*Staged, n int, exists []bool, kept []string, err error) error {
	var failed []string
	for i := n - 1; i >= 0; i-- {
		path := files[i].path
		var uerr error
		switch {
		case kept[i] != "":
			if uerr = os.Rename(kept[i], path); uerr == nil {
				kept[i] = ""
			}
		case !exists[i]:
			uerr = os.Remove(path)
		default:
			uerr = errors.New("no copy of the old file was kept")
		}
		if uerr != nil {
			msg := fmt.Sprintf("%s is the new one (%v)", path, safefile.UnwrapPathError(uerr))
			if kept[i] != "" {
				msg = fmt.Sprintf("%s is the new one, the old one is %s (%v)", path, kept[i], safefile.UnwrapPathError(uerr))
				kept[i] = ""
			}
			failed = append(failed, msg)
		}
	}
	removeAll(kept)
	_ = syncDirs(dirsOf(files))
	if len(failed) > 0 {
		return fmt.Errorf("%w; could not put back: %s", err, strings.Join(failed, "; "))
	}
	return err
}

// removeAll removes each named link, skipping empty names.
func removeAll(names []string) {
	for _, n := range names {
		if n != "" {
			_ = os.Remove(n)
		}
	}
}

// dirsOf are the directories of files' destinations.
func dirsOf(files []*Staged) []string {
	dirs := make([]string, len(files))
	for i, s := range files {
		dirs[i] = filepath.Dir(s.path)
	}
	return dirs
}

// syncDirs syncs each of dirs once (SyncDir: a directory named through a
// symbolic link is followed, as the files in it were written).
func syncDirs(dirs []string) error {
	seen := make(map[string]bool, len(dirs))
	for _, d := range dirs {
		if seen[d] {
			continue
		}
		seen[d] = true
		if err := SyncDir(d); err != nil {
			return fmt.Errorf("sync %s: %w", d, err)
		}
	}
	return nil
}
