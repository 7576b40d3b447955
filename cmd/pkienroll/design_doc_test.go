package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// designRow is a row of docs/design.md's package table: | `pki/est` | ... |
// (the table of the section ## Packages).
var designRow = regexp.MustCompile("(?m)^\\| `([\\w/]+)` \\|")

// TestDesignListsEveryPackage: docs/design.md, the page a new engineer
// reads first, has a row for every package of the module (internal ones
// included) and none for a package that is gone, and the README and the
// pki package's comment lead to it.
func TestDesignListsEveryPackage(t *testing.T) {
	root := filepath.Join("..", "..")
	var pkgs []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			if i := sort.SearchStrings(pkgs, rel); i == len(pkgs) || pkgs[i] != rel {
				pkgs = append(pkgs, rel)
				sort.Strings(pkgs)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	design := pkitest.ReadFile(t, filepath.Join(root, "docs", "design.md"))
	_, table, ok := strings.Cut(design, "\n## Packages\n")
	if !ok {
		t.Fatal("docs/design.md has no section ## Packages")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	listed := map[string]bool{}
	for _, m := range designRow.FindAllStringSubmatch(table, -1) {
		listed[m[1]] = true
	}
	for _, p := range pkgs {
		if !listed[p] {
			t.Errorf("docs/design.md's package table has no row for %s", p)
		}
		delete(listed, p)
	}
	for p := range listed {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("docs/design.md's package table lists %s, which is not a package of the module", p)
		}
	}
	if len(pkgs) < 15 {
		t.Errorf("found %d packages; the walk no longer finds them", len(pkgs))
	}
	for _, f := range []string{"README.md", filepath.Join("pki", "doc.go")} {
		if !strings.Contains(pkitest.ReadFile(t, filepath.Join(root, f)), "docs/design.md") {
			t.Errorf("%s does not lead to docs/design.md", f)
		}
	}
}

// TestLibraryNeverLogsOrExits: the rule docs/design.md gives the CLI and
// the library, checked in the sources. No package under pki/ or internal/
// (but the commands and test helpers there) imports a logger, exits, or
// writes to the process's stdout or stderr: those are the CLI's.
func TestLibraryNeverLogsOrExits(t *testing.T) {
	root := filepath.Join("..", "..")
	forbidden := regexp.MustCompile(`"log"|"log/slog"|"github.com/charmbracelet/log"|\bos\.Exit\(|\bos\.Std(out|err)\b|\bfmt\.Print|\blog\.Fatal`)
	notLibrary := map[string]bool{ // commands and test helpers
		"internal/estbench": true, "internal/peerbench": true, "internal/benchsummary": true, "internal/testenv": true, "internal/pkitest": true,
	}
	files := 0
	for _, top := range []string{"pki", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" || notLibrary[filepath.ToSlash(rel)] {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			files++
			for i, line := range strings.Split(pkitest.ReadFile(t, path), "\n") {
				if code, _, _ := strings.Cut(line, "//"); forbidden.MatchString(code) {
					t.Errorf("%s:%d: a library logs, exits or prints only through its caller: %s", rel, i+1, strings.TrimSpace(line))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 50 {
		t.Errorf("read %d library files; the walk no longer finds them", files)
	}
}
