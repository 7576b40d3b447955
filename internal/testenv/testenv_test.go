package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLookPathFindsAProgram(t *testing.T) {
	if got := LookPath(t, "sh", "dash"); !strings.HasSuffix(got, "/sh") {
		t.Fatalf("LookPath(sh) = %q", got)
	}
}

// TestMissingRecordsTheSkip runs Missing in a subtest, outside CI, and
// checks that it skipped and wrote its reason to the summary.
func TestMissingRecordsTheSkip(t *testing.T) {
	log := filepath.Join(t.TempDir(), "skipped")
	t.Setenv(SkipLogEnv, log)
	t.Setenv("CI", "")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		LookPath(t, "pkienroll-no-such-program", "no-such-package")
		t.Error("LookPath returned for a missing program")
	})
	if !skipped {
		t.Fatal("the test did not skip")
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := "TestMissingRecordsTheSkip/inner: pkienroll-no-such-program is not installed (apt-get install no-such-package)\n"
	if string(data) != want {
		t.Fatalf("skip log = %q, want %q", data, want)
	}
}
