package pkitest

import (
	"os"
	"path/filepath"
	"testing"
)

// Golden compares got with the golden file at path or, when update is set
// (the package's own -update flag, which `make golden` looks for in its
// tests), rewrites the file instead.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the package's tests with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run the package's tests with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
