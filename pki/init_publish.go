package pki

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// initManifest is the file of an init's staging directory that lists, once
// every file is staged and before the first one moves, where each goes and
// the SHA-256 of its content: what abandonInit needs to undo a publication
// a kill interrupted.
const initManifest = "manifest"

// initStagingDir is where InitStore builds the CA of s before moving it
// into place: inside the PKI directory (so every move is a rename on one
// file system), with a lock holder's temporary name.
func (s *Store) initStagingDir() string {
	return s.path(atomicfile.TempPrefix + "init-" + s.opts.caName)
}

// publishInit stages files in the staging directory, writes the manifest,
// then renames each file into place in order (the CA certificate last: it
// is what makes the directory a store), and removes the staging directory.
// The caller holds the directory's lock.
func (s *Store) publishInit(files []initFile) error {
	staging := s.initStagingDir()
	if err := os.Mkdir(staging, modePrivateDir); err != nil {
		return fmt.Errorf("create %s: %w", staging, safefile.UnwrapPathError(err))
	}
	var manifest bytes.Buffer
	for i, f := range files {
		tmp := filepath.Join(staging, strconv.Itoa(i))
		if err := stageInitFile(tmp, f); err != nil {
			_ = os.RemoveAll(staging)
			return err
		}
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&manifest, "%d\t%s\t%s\n", i, hex.EncodeToString(sum[:]), f.Path)
	}
	if err := stageInitFile(filepath.Join(staging, initManifest), initFile{OutputFile: atomicfile.OutputFile{Data: manifest.Bytes(), Mode: modePrivate}}); err != nil {
		_ = os.RemoveAll(staging)
		return err
	}
	if err := atomicfile.SyncDir(staging); err != nil {
		_ = os.RemoveAll(staging)
		return fmt.Errorf("write %s: %w", staging, err)
	}
	for i, f := range files {
		if err := os.Rename(filepath.Join(staging, strconv.Itoa(i)), f.Path); err != nil {
			err = fmt.Errorf("write %s: %w", f.Path, safefile.UnwrapPathError(err))
			if undo := s.abandonInit(); undo != nil {
				return fmt.Errorf("%w; undoing: %w", err, undo)
			}
			return err
		}
		if err := atomicfile.SyncDir(filepath.Dir(f.Path)); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("remove %s: %w", staging, safefile.UnwrapPathError(err))
	}
	return atomicfile.SyncDir(s.dir)
}

// stageInitFile writes f to tmp with its final mode (never wider on the
// way), gives it the owner of f.ownerOf when running as root, and syncs it.
func stageInitFile(tmp string, f initFile) error {
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, f.Mode&modePrivate)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, safefile.UnwrapPathError(err))
	}
	if f.ownerOf != "" && os.Geteuid() == 0 {
		var st syscall.Stat_t
		if err := syscall.Stat(f.ownerOf, &st); err == nil {
			if err := out.Chown(int(st.Uid), int(st.Gid)); err != nil {
				out.Close()
				return fmt.Errorf("write %s: give it the owner of %s: %w", f.Path, f.ownerOf, safefile.UnwrapPathError(err))
			}
		}
	}
	if err := atomicfile.WriteClose(out, f.Data, f.Mode, true); err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	return nil
}

// abandonInit undoes what an interrupted InitStore of this CA left: its
// staging directory and, when the kill came while files were being moved
// into place, the files already moved (only those whose content is still
// what the manifest says). When the CA certificate had been moved, the init
// was complete and only the staging directory is removed. The caller holds
// the directory's lock.
func (s *Store) abandonInit() error {
	staging := s.initStagingDir()
	if _, err := os.Lstat(staging); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	data, err := readFileLimited(filepath.Join(staging, initManifest), 1<<20, true)
	if err == nil {
		type entry struct{ staged, sum, path string }
		var entries []entry
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			fields := strings.SplitN(sc.Text(), "\t", 3)
			if len(fields) == 3 {
				entries = append(entries, entry{filepath.Join(staging, fields[0]), fields[1], fields[2]})
			}
		}
		complete := len(entries) > 0 && !exists(entries[len(entries)-1].staged)
		for _, e := range entries {
			if complete || exists(e.staged) || !s.owns(e.path) {
				continue
			}
			content, err := readFileLimited(e.path, maxKeyFileSize+maxConfSize, true)
			if err != nil {
				continue
			}
			if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) == e.sum {
				if err := os.Remove(e.path); err != nil {
					return fmt.Errorf("init CA: undo interrupted init: remove %s: %w", e.path, safefile.UnwrapPathError(err))
				}
			}
		}
	}
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("init CA: remove %s: %w", staging, safefile.UnwrapPathError(err))
	}
	return nil
}

// owns reports whether path is one of the files an init of this CA writes,
// so that a doctored manifest cannot make abandonInit remove anything else.
func (s *Store) owns(path string) bool {
	// .truststore too: an init writes every CA of the directory into it, so
	// the retry of an undone init makes it whole again.
	paths := []string{s.CAKeyPath(), s.CACertPath(), s.CADERPath(), s.TrustStorePath(), s.SerialPath(),
		s.DatabasePath(), s.DatabasePath() + ".attr", s.path("openssl.conf"), s.SerialCertPath(initialSerial)}
	if cert, caCert, ok := confNames(s.opts.caName); ok {
		paths = append(paths, s.path(cert), s.path(caCert))
	}
	return slices.Contains(paths, path)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
