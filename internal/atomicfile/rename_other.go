//go:build !linux

package atomicfile

import "os"

// renameNoReplace is a plain rename where renameat2(2) is not: a file
// that appears at newpath after the caller checked is replaced.
func renameNoReplace(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
