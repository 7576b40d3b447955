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
