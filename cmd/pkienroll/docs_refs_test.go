package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// docTestRef is a test named in the docs as `path/x_test.go: TestName`,
// with more names of the same file after it (`, TestOther`).
var docTestRef = regexp.MustCompile("`((?:pki|cmd|internal)/[\\w/.-]+_test\\.go): (Test\\w+|Fuzz\\w+|Example\\w*)((?:[^`\\n]*?)(?:`, `(?:Test|Fuzz)\\w+`)*)")

// TestDocsNameRealTests: every test the docs cite as proof of a promise
// (docs/security.md, docs/compat.md, ...) exists in the file they name, so
// a moved or renamed test cannot leave a guarantee resting on nothing.
func TestDocsNameRealTests(t *testing.T) {
	root := filepath.Join("..", "..")
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, filepath.Join(root, "README.md"))
	refs := 0
	for _, doc := range docs {
		for _, m := range docTestRef.FindAllStringSubmatch(pkitest.ReadFile(t, doc), -1) {
			path := filepath.Join(root, m[1])
			src, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s cites %s: %v", filepath.Base(doc), m[1], err)
				continue
			}
			names := []string{strings.SplitN(m[2], "/", 2)[0]}
			for _, more := range regexp.MustCompile("`((?:Test|Fuzz)\\w+)`").FindAllStringSubmatch(m[3], -1) {
				names = append(names, more[1])
			}
			for _, name := range names {
				refs++
				if !regexp.MustCompile(`(?m)^func ` + name + `\(`).Match(src) {
					t.Errorf("%s cites %s: %s, which has no func %s", filepath.Base(doc), m[1], name, name)
				}
			}
		}
	}
	if refs < 50 {
		t.Errorf("found %d cited tests; the pattern no longer matches the docs", refs)
	}
}

// docPath is a document of the repository named in Go source, such as
// docs/cli.md in a comment or a flag's help.
var docPath = regexp.MustCompile(`\bdocs/[\w/.-]*\w\.md\b`)

// TestSourcesCiteRealDocs: every page of docs/ that a Go file names (a
// package comment, a doc comment, a flag's help) exists, so `go doc` and
// --help never send a reader to a page that is not there.
func TestSourcesCiteRealDocs(t *testing.T) {
	root := filepath.Join("..", "..")
	refs := 0
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
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		for _, ref := range docPath.FindAllString(pkitest.ReadFile(t, path), -1) {
			refs++
			if _, err := os.Stat(filepath.Join(root, ref)); err != nil {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s cites %s, which does not exist", rel, ref)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refs < 10 {
		t.Errorf("found %d references to docs/; the pattern no longer matches the sources", refs)
	}
}

// mdLink is a relative link of a Markdown page: [text](target.md#anchor).
var mdLink = regexp.MustCompile(`\]\(([^):#\s]+)(#[^)\s]*)?\)`)

// TestDocsLinkRealFiles: every relative link of the docs and the README
// names a file or directory that exists.
func TestDocsLinkRealFiles(t *testing.T) {
	root := filepath.Join("..", "..")
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, filepath.Join(root, "README.md"))
	for _, doc := range docs {
		for _, m := range mdLink.FindAllStringSubmatch(pkitest.ReadFile(t, doc), -1) {
			if _, err := os.Stat(filepath.Join(filepath.Dir(doc), m[1])); err != nil {
				t.Errorf("%s links %s, which does not exist", filepath.Base(doc), m[1])
			}
		}
	}
}
