package main

import "github.com/pkienroll/pkienroll/internal/atomicfile"

// flagFile is a file a command's flag names; an empty path is no file.
type flagFile struct {
	flag, path string
}

// optionalFile is a flagFile of a flag that may be unset.
func optionalFile(flag string, path *string) flagFile {
	if path == nil {
		return flagFile{flag: flag}
	}
	return flagFile{flag, *path}
}

// checkOutputsNotInputs refuses an output that names, however spelled
// (atomicfile.SameFile), a file the command reads: written, it would
// replace its own input, and with --force keep only a backup of it (a
// request over the key it is made with, a key over its bundle, the CA
// certificate with the engine's).
func checkOutputsNotInputs(outputs, inputs []flagFile) error {
	for _, out := range outputs {
		for _, in := range inputs {
			if atomicfile.SameFile(out.path, in.path) {
				return usageErrorf("%s %s is the %s file: write it elsewhere", out.flag, out.path, in.flag)
			}
		}
	}
	return nil
}
