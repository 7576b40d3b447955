package atomicfile_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestWriteFilesModes: outputs get exactly their mode whatever the umask.
// It changes the process umask, so it must not run in parallel.
func TestWriteFilesModes(t *testing.T) {
	for _, umask := range []int{0o022, 0, 0o077} {
		t.Run(fmt.Sprintf("umask_%04o", umask), func(t *testing.T) {
			dir := t.TempDir()
			outs := []atomicfile.OutputFile{
				{Path: filepath.Join(dir, "key.pem"), Data: []byte("key\n"), Mode: 0o600},
				{Path: filepath.Join(dir, "cert.pem"), Data: []byte("cert\n"), Mode: 0o644},
				{Path: filepath.Join(dir, "group.pem"), Data: []byte("group\n"), Mode: 0o640},
				{Path: filepath.Join(dir, "empty"), Data: nil, Mode: 0o644},
			}
			old := syscall.Umask(umask)
			err := atomicfile.WriteFiles(atomicfile.Options{}, outs...)
			syscall.Umask(old)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				if got := pkitest.ReadFile(t, o.Path); got != string(o.Data) {
					t.Errorf("%s = %q, want %q", o.Path, got, o.Data)
				}
				if got := pkitest.PermOf(t, o.Path); got != o.Mode {
					t.Errorf("%s mode %v, want %v", o.Path, got, o.Mode)
				}
			}
			pkitest.AssertNoTempFiles(t, dir)
		})
	}
}

func TestWriteFilesReplace(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	t.Run("refused without force", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		old := filepath.Join(dir, "proxy.cer")
		pkitest.WriteFile(t, old, []byte("old\n"), 0o644)
		before := pkitest.Snapshot(t, dir)
		err := atomicfile.WriteFiles(atomicfile.Options{Now: now},
			atomicfile.OutputFile{Path: filepath.Join(dir, "new.pem"), Data: []byte("new\n"), Mode: 0o644},
			atomicfile.OutputFile{Path: old, Data: []byte("replacement\n"), Mode: 0o644})
		if !errors.Is(err, pki.ErrExists) {
			t.Errorf("WriteFiles over an existing file: %v, want ErrExists", err)
		}
		pkitest.AssertUnchanged(t, dir, before)
		if err := atomicfile.CheckWritable(old, false); !errors.Is(err, pki.ErrExists) {
			t.Errorf("CheckWritable(existing, false): %v, want ErrExists", err)
		}
	})
	t.Run("backup with force", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := filepath.Join(dir, "proxy.cer")
		pkitest.WriteFile(t, path, []byte("v1\n"), 0o644)
		if err := atomicfile.CheckWritable(path, true); err != nil {
			t.Errorf("CheckWritable(existing, true): %v", err)
		}
		for i, content := range []string{"v2\n", "v3\n"} {
			if err := atomicfile.WriteFiles(atomicfile.Options{Force: true, Now: now}, atomicfile.OutputFile{Path: path, Data: []byte(content), Mode: 0o600}); err != nil {
				t.Fatal(err)
			}
			if got := pkitest.ReadFile(t, path); got != content {
				t.Errorf("after write %d: %q", i, got)
			}
			if got := pkitest.PermOf(t, path); got != 0o600 {
				t.Errorf("mode %v, want 0600", got)
			}
		}
		backups := map[string]string{
			path + ".20260102030405":   "v1\n",
			path + ".20260102030405.1": "v2\n",
		}
		for p, want := range backups {
			if got := pkitest.ReadFile(t, p); got != want {
				t.Errorf("backup %s = %q, want %q", p, got, want)
			}
		}
		if n := len(pkitest.Snapshot(t, dir)); n != 4 { // ".", the file, two backups
			t.Errorf("%d entries in the directory, want 4", n)
		}
	})
}

func TestWriteFilesRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) []atomicfile.OutputFile
		force bool
		want  error
	}{
		{"symlink", func(t *testing.T, dir string) []atomicfile.OutputFile {
			target := filepath.Join(t.TempDir(), "target")
			pkitest.WriteFile(t, target, []byte("precious\n"), 0o644)
			t.Cleanup(func() {
				if pkitest.ReadFile(t, target) != "precious\n" {
					t.Error("the symlink's target was written")
				}
			})
			pkitest.ReplaceWithSymlink(t, filepath.Join(dir, "out"), target)
			return []atomicfile.OutputFile{{Path: filepath.Join(dir, "out"), Data: []byte("x"), Mode: 0o644}}
		}, true, pki.ErrSymlink},
		{"dangling symlink", func(t *testing.T, dir string) []atomicfile.OutputFile {
			pkitest.ReplaceWithSymlink(t, filepath.Join(dir, "out"), filepath.Join(dir, "nowhere"))
			return []atomicfile.OutputFile{{Path: filepath.Join(dir, "out"), Data: []byte("x"), Mode: 0o644}}
		}, false, pki.ErrSymlink},
		{"directory", func(t *testing.T, dir string) []atomicfile.OutputFile {
			if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
				t.Fatal(err)
			}
			return []atomicfile.OutputFile{{Path: filepath.Join(dir, "out"), Data: []byte("x"), Mode: 0o644}}
		}, true, nil},
		{"same path twice", func(t *testing.T, dir string) []atomicfile.OutputFile {
			p := filepath.Join(dir, "out")
			return []atomicfile.OutputFile{{Path: p, Data: []byte("a"), Mode: 0o644}, {Path: p, Data: []byte("b"), Mode: 0o644}}
		}, true, atomicfile.ErrSameFile},
		{"same file spelled twice", func(t *testing.T, dir string) []atomicfile.OutputFile {
			return []atomicfile.OutputFile{
				{Path: filepath.Join(dir, "out"), Data: []byte("a"), Mode: 0o600},
				{Path: dir + "/./out", Data: []byte("b"), Mode: 0o644},
			}
		}, false, atomicfile.ErrSameFile},
		{"second output cannot be written", func(t *testing.T, dir string) []atomicfile.OutputFile {
			return []atomicfile.OutputFile{
				{Path: filepath.Join(dir, "first"), Data: []byte("a"), Mode: 0o644},
				{Path: filepath.Join(dir, "missing", "second"), Data: []byte("b"), Mode: 0o644},
			}
		}, false, fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			outs := tc.setup(t, dir)
			before := pkitest.Snapshot(t, dir)
			err := atomicfile.WriteFiles(atomicfile.Options{Force: tc.force}, outs...)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("WriteFiles: %v, want %v", err, tc.want)
			}
			pkitest.AssertUnchanged(t, dir, before)
		})
	}
}

func TestCheckWritable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	pkitest.WriteFile(t, file, []byte("x"), 0o644)
	link := filepath.Join(dir, "link")
	pkitest.ReplaceWithSymlink(t, link, file)
	for _, tc := range []struct {
		path  string
		force bool
		ok    bool
		want  error
	}{
		{filepath.Join(dir, "new"), false, true, nil},
		{filepath.Join(dir, "new"), true, true, nil},
		{file, false, false, pki.ErrExists},
		{file, true, true, nil},
		{link, true, false, pki.ErrSymlink},
		{link, false, false, pki.ErrSymlink},
		{dir, true, false, nil},
	} {
		err := atomicfile.CheckWritable(tc.path, tc.force)
		if tc.ok != (err == nil) || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("CheckWritable(%s, %v) = %v, want ok=%v %v", tc.path, tc.force, err, tc.ok, tc.want)
		}
	}
}
