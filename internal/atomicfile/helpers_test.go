package atomicfile_test

import "github.com/pkienroll/pkienroll/internal/pkitest"

// The shared fixtures (internal/pkitest), under the names these tests use.
var (
	readStoreFile      = pkitest.ReadFile
	writeStoreFile     = pkitest.WriteFile
	snapshot           = pkitest.Snapshot
	permOf             = pkitest.PermOf
	assertNoTempFiles  = pkitest.AssertNoTempFiles
	replaceWithSymlink = pkitest.ReplaceWithSymlink
	assertUnchanged    = pkitest.AssertUnchanged
)
