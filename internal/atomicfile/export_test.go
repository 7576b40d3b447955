package atomicfile

import (
	"os"
	"testing"
)

// FailRename makes ReplaceAll's rename of the staged file for path fail,
// with a real fault: its temporary file is removed just before. Tests
// that use it do not run in parallel.
func FailRename(t testing.TB, path string) {
	t.Helper()
	beforeRename = func(s *Staged) {
		if s.path == path {
			if err := os.Remove(s.tmp); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(func() { beforeRename = nil })
}

// AppearBeforeRename makes a file with data appear at path just before
// ReplaceAll renames the staged file for path, as another writer's would.
// Tests that use it do not run in parallel.
func AppearBeforeRename(t testing.TB, path string, data []byte) {
	t.Helper()
	beforeRename = func(s *Staged) {
		if s.path == path {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(func() { beforeRename = nil })
}
