package pkitest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// CopyTree copies the directory src into the existing directory dst,
// keeping modes. It returns an error rather than failing a test, so that
// fixtures made once per test binary (under a sync.Once) can use it.
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." {
				if err := os.Mkdir(target, 0o700); err != nil {
					return err
				}
			}
			return os.Chmod(target, info.Mode().Perm())
		}
		return CopyFile(path, target)
	})
}

// CopyFile copies src to dst with src's mode; dst is never readable by
// others on the way (a key keeps 0600 while it is written).
func CopyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		return err
	}
	return os.Chmod(dst, info.Mode().Perm())
}

// MustCopyFile is CopyFile that fails the test on error.
func MustCopyFile(t testing.TB, src, dst string) {
	t.Helper()
	if err := CopyFile(src, dst); err != nil {
		t.Fatal(err)
	}
}
