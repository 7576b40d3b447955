//go:build !linux

package atomicfile

// renameNoReplace is a plain rename where renameat2(2) is not: a file
// that appears at newpath after the caller checked is replaced.
func renameNoReplace(oldpath, newpath string) error { return RenameFile(oldpath, newpath) }
