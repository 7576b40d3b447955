package atomicfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestWriteFilesAllOrNothing: a set of files where one cannot be backed
// up (every backup name taken) or renamed (atomicfile.FailRename) after
// others were, with backups or without, leaves every file as it was
// (content, mode), no backup and no temporary file: the backups are all
// made before the first rename, and the files already replaced are put
// back. Not parallel: FailRename sets a hook of the package.
func TestWriteFilesAllOrNothing(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	blockBackups := func(t testing.TB, path string) { pkitest.BlockBackups(t, path, now) }
	for _, tc := range []struct {
		name     string
		failing  int // the output that fails: 1 is new, 2 exists
		noBackup bool
		fault    func(t testing.TB, path string)
		want     string
	}{
		{"backup of the third", 2, false, blockBackups, "back up"},
		{"rename of the second", 1, false, atomicfile.FailRename, "write"},
		{"rename of the third", 2, false, atomicfile.FailRename, "write"},
		{"rename of the third without backups", 2, true, atomicfile.FailRename, "write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			outs := []atomicfile.OutputFile{
				{Path: filepath.Join(dir, "a.key"), Data: []byte("new key\n"), Mode: 0o600},
				{Path: filepath.Join(dir, "new.cer"), Data: []byte("new file\n"), Mode: 0o644},
				{Path: filepath.Join(dir, "c.pem"), Data: []byte("new ca\n"), Mode: 0o644},
			}
			pkitest.WriteFile(t, outs[0].Path, []byte("old key\n"), 0o640)
			pkitest.WriteFile(t, outs[2].Path, []byte("old ca\n"), 0o600)
			tc.fault(t, outs[tc.failing].Path)
			before := pkitest.Snapshot(t, dir)
			err := atomicfile.WriteFiles(atomicfile.Options{Force: true, NoBackup: tc.noBackup, Now: now}, outs...)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "put back") {
				t.Errorf("WriteFiles: %v, want a %q error and everything put back", err, tc.want)
			}
			if tc.want == "write" && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("WriteFiles: %v, want the failed rename's error", err)
			}
			pkitest.AssertUnchanged(t, dir, before)
		})
	}
}

// TestWriteFilesNoBackupSet: a set written without backups leaves no
// link of the replaced files behind, hidden or not.
func TestWriteFilesNoBackupSet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	pkitest.WriteFile(t, a, []byte("old\n"), 0o644)
	if err := atomicfile.WriteFiles(atomicfile.Options{Force: true, NoBackup: true},
		atomicfile.OutputFile{Path: a, Data: []byte("a\n"), Mode: 0o644},
		atomicfile.OutputFile{Path: b, Data: []byte("b\n"), Mode: 0o644}); err != nil {
		t.Fatal(err)
	}
	if n := len(pkitest.Snapshot(t, dir)); n != 3 { // ".", a, b
		t.Errorf("%d entries in the directory, want 3", n)
	}
	if got := pkitest.ReadFile(t, a) + pkitest.ReadFile(t, b); got != "a\nb\n" {
		t.Errorf("written: %q", got)
	}
}

// TestWriteFilesKeepsFileThatAppeared: a destination that did not exist
// when WriteFiles checked, and that another writer made before the
// rename (two `keygen`s of one path), is left as that writer made it: the
// set fails with fs.ErrExist and the files already renamed are put back.
// Not parallel: AppearBeforeRename sets a hook of the package.
func TestWriteFilesKeepsFileThatAppeared(t *testing.T) {
	dir := t.TempDir()
	outs := []atomicfile.OutputFile{
		{Path: filepath.Join(dir, "a.cer"), Data: []byte("new cert\n"), Mode: 0o644},
		{Path: filepath.Join(dir, "b.key"), Data: []byte("new key\n"), Mode: 0o600},
	}
	atomicfile.AppearBeforeRename(t, outs[1].Path, []byte("the other writer's key\n"))
	err := atomicfile.WriteFiles(atomicfile.Options{}, outs...)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), outs[1].Path) {
		t.Fatalf("WriteFiles: %v, want an fs.ErrExist error naming %s", err, outs[1].Path)
	}
	if got, err := os.ReadFile(outs[1].Path); err != nil || string(got) != "the other writer's key\n" {
		t.Errorf("%s holds %q (%v), want the other writer's", outs[1].Path, got, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("left %v, want only b.key", entries)
	}
}
