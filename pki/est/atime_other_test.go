//go:build !linux

package est_test

import (
	"io/fs"
	"time"
)

// fileAtime is the zero time where the test does not read access times:
// the test that uses it skips.
func fileAtime(fs.FileInfo) time.Time { return time.Time{} }
