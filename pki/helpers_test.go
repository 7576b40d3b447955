package pki_test

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// The shared fixtures (internal/pkitest), under the names this package's
// tests use.
const (
	engineCASubject    = pkitest.EngineCASubject
	engineProxySubject = pkitest.EngineProxySubject
	caKeyIndex         = pkitest.CAKey
	requestKeyIndex    = pkitest.RequestKey
	otherKeyIndex      = pkitest.OtherKey
)

var (
	sharedKey            = pkitest.SharedKey
	sharedCAKeyGenerator = pkitest.SharedCAKeyGenerator
	storeName            = pkitest.Name
	newTestStore         = pkitest.NewStore
	writeRequest         = pkitest.WriteRequest
	writeRequestTemplate = pkitest.WriteRequestTemplate
	writeStoreFile       = pkitest.WriteFile
	writeSharedKey       = pkitest.WriteSharedKey
	readStoreFile        = pkitest.ReadFile
	mustEKU              = pkitest.EKU
	readStoreCert        = pkitest.ReadCert
	opensslBinary        = pkitest.OpenSSL
	runOpenSSL           = pkitest.RunOpenSSL
	tryOpenSSL           = pkitest.TryOpenSSL
)

// storeFileState is what snapshot records of one directory entry.
type storeFileState struct {
	mode    fs.FileMode
	content string // file content, or a symbolic link's target
}

// snapshot records every entry under dir (relative path → mode and
// content), for asserting that a failed operation left a directory
// byte-identical.
func snapshot(t testing.TB, dir string) map[string]storeFileState {
	t.Helper()
	snap := make(map[string]storeFileState)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st := storeFileState{mode: fi.Mode()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if st.content, err = os.Readlink(path); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			st.content = string(data)
		}
		snap[rel] = st
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", dir, err)
	}
	return snap
}

// assertUnchanged fails the test when dir differs from the snapshot before.
func assertUnchanged(t testing.TB, dir string, before map[string]storeFileState) {
	t.Helper()
	after := snapshot(t, dir)
	var diffs []string
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			diffs = append(diffs, "removed "+p)
		case a.mode != b.mode:
			diffs = append(diffs, fmt.Sprintf("mode of %s: %v → %v", p, b.mode, a.mode))
		case a.content != b.content:
			diffs = append(diffs, fmt.Sprintf("content of %s changed: %q → %q", p, clipText(b.content), clipText(a.content)))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "added "+p)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("%s is not byte-identical to before:\n  %s", dir, strings.Join(diffs, "\n  "))
	}
}

func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// permOf returns the permission bits of path (not following a link).
func permOf(t testing.TB, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// storeDatabaseLines returns database.txt as lines, each with its newline; it
// fails the test when the file does not end with a newline.
func storeDatabaseLines(t testing.TB, s *pki.Store) []string {
	t.Helper()
	data := readStoreFile(t, s.DatabasePath())
	if data == "" {
		return nil
	}
	if !strings.HasSuffix(data, "\n") {
		t.Fatalf("%s does not end with a newline: %q", s.DatabasePath(), data)
	}
	lines := strings.SplitAfter(data, "\n")
	return lines[:len(lines)-1] // the empty string after the last newline
}

// indexUTCTime is how database.txt writes a date before 2050.
func indexUTCTime(t time.Time) string { return t.UTC().Format("060102150405Z") }

// opensslCertText is `openssl x509 -noout -text` of the certificate in path.
func opensslCertText(t testing.TB, path string) string {
	t.Helper()
	return runOpenSSL(t, "", "x509", "-noout", "-text", "-in", path)
}

// assertTextHas fails the test for every want missing from text.
func assertTextHas(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	missing := false
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
			missing = true
		}
	}
	if missing {
		t.Logf("%s:\n%s", what, text)
	}
}

// firstPEMBytes returns the DER inside the first PEM block of data.
func firstPEMBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("no PEM block in %q", clipText(string(data)))
	}
	return block.Bytes
}

// assertSameFile fails when the files at a and b differ.
func assertSameFile(t testing.TB, a, b string) {
	t.Helper()
	da, db := readStoreFile(t, a), readStoreFile(t, b)
	if !bytes.Equal([]byte(da), []byte(db)) {
		t.Errorf("%s and %s differ", a, b)
	}
}
