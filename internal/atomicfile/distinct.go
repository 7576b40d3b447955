package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrSameFile reports two outputs of one command that name the same file,
// however spelled: the second would replace the first, a request written
// over the key it was made with.
var ErrSameFile = errors.New("the same file is named for two outputs")

// CheckDistinct refuses paths of which two name the same file: the same
// string, or another spelling of it (./k.key and k.key, an absolute path, a
// detour through .., a symbolic link to the directory). Files that do not
// exist yet are compared too: what counts is the directory entry a rename
// would replace (see entryOf). Empty paths are skipped.
func CheckDistinct(paths ...string) error {
	seen := make(map[string]string, len(paths))
	for _, p := range paths {
		if p == "" {
			continue
		}
		id := entryOf(p)
		if first, ok := seen[id]; ok {
			if first == p {
				return fmt.Errorf("write %s: %w", p, ErrSameFile)
			}
			return fmt.Errorf("write %s and %s: %w", first, p, ErrSameFile)
		}
		seen[id] = p
	}
	return nil
}

// SameFile reports whether a and b name the same file, however spelled,
// as CheckDistinct compares them: for an output that must not replace a
// file the command reads.
func SameFile(a, b string) bool {
	return a != "" && b != "" && entryOf(a) == entryOf(b)
}

// entryOf identifies the directory entry p names as the kernel resolves it
// when a file is renamed to p: the device and inode of the deepest
// directory on the way that exists (symbolic links and .. followed by the
// kernel, not lexically), and the rest of the path. The rest is cleaned
// lexically, which is exact: directories still to be made (Options.MakeDirs
// of pki/host) hold no links. When even the current directory cannot be
// examined, the absolute cleaned path stands in.
func entryOf(p string) string {
	dir, rest := p, ""
	for {
		parent, last := splitLast(dir)
		if rest == "" {
			rest = last
		} else {
			rest = last + "/" + rest
		}
		fi, err := os.Stat(parent)
		if err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				dev := uint64(st.Dev) //nolint:unconvert // Dev's type differs between platforms
				return fmt.Sprintf("%d:%d:%s", dev, st.Ino, filepath.Clean(rest))
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || parent == "." || parent == "/" {
			break
		}
		dir = parent
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "path:" + filepath.Clean(p)
	}
	return "path:" + abs
}

// splitLast splits p at its last slash, without cleaning (a/b/.. stays
// itself, for the kernel to resolve): the directory ("." for none, "/" for
// the root) and the last element.
func splitLast(p string) (dir, last string) {
	i := strings.LastIndexByte(p, '/')
	switch {
	case i < 0:
		return ".", p
	case strings.TrimRight(p[:i], "/") == "":
		return "/", p[i+1:]
	}
	return p[:i], p[i+1:]
}
