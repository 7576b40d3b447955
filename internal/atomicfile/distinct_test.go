package atomicfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestCheckDistinct: two spellings of one file are caught, whether the
// file and its directory exist or not; different files, and different
// names of one inode (each rename replaces its own name), are not.
func TestCheckDistinct(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"real", "sub"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pkitest.ReplaceWithSymlink(t, filepath.Join(dir, "alias"), "real")
	pkitest.ReplaceWithSymlink(t, filepath.Join(dir, "sub", "up"), "..")
	pkitest.WriteFile(t, filepath.Join(dir, "real", "k.key"), []byte("key\n"), 0o600)
	if err := os.Link(filepath.Join(dir, "real", "k.key"), filepath.Join(dir, "real", "hard.key")); err != nil {
		t.Fatal(err)
	}
	j := func(p ...string) string { return filepath.Join(append([]string{dir}, p...)...) }
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"same string", j("k.key"), j("k.key"), true},
		{"dot", j("k.key"), dir + "/./k.key", true},
		{"double slash", j("k.key"), dir + "//k.key", true},
		{"dot-dot", j("k.key"), dir + "/sub/../k.key", true},
		{"linked directory, file missing", j("real", "new.key"), j("alias", "new.key"), true},
		{"linked directory, file exists", j("real", "k.key"), j("alias", "k.key"), true},
		// The kernel follows sub/up before "..": lexically this is dir/k.key.
		{"dot-dot after a link", j("k.key"), dir + "/sub/up/../k.key", false},
		{"dot-dot after a link, resolved", filepath.Dir(dir) + "/k.key", dir + "/sub/up/../k.key", true},
		{"directories still to be made", j("new", "a", "k.key"), dir + "/new/b/../a/k.key", true},
		{"directories to be made under a link", j("real", "new", "k.key"), j("alias", "new", "k.key"), true},
		{"different files", j("k.key"), j("k.req"), false},
		{"different directories", j("real", "k.key"), j("sub", "k.key"), false},
		{"hard links", j("real", "k.key"), j("real", "hard.key"), false},
		{"empty paths", "", "", false},
	} {
		if got := atomicfile.SameFile(tc.a, tc.b); got != tc.same {
			t.Errorf("%s: SameFile(%s, %s) = %v, want %v", tc.name, tc.a, tc.b, got, tc.same)
		}
		err := atomicfile.CheckDistinct(tc.a, tc.b)
		if tc.same != (err != nil) || err != nil && !errors.Is(err, atomicfile.ErrSameFile) {
			t.Errorf("%s: CheckDistinct(%s, %s) = %v, want same=%v", tc.name, tc.a, tc.b, err, tc.same)
		}
	}
}

// TestCheckDistinctRelative: a relative path and the absolute one name the
// same file. It changes the working directory, so it must not run in
// parallel.
func TestCheckDistinctRelative(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"./k.key", filepath.Join(wd, "k.key"), "x/../k.key"} {
		if err := atomicfile.CheckDistinct("k.key", b); !errors.Is(err, atomicfile.ErrSameFile) {
			t.Errorf("CheckDistinct(k.key, %s) = %v, want ErrSameFile", b, err)
		}
	}
}
