package pki

import (
	"os"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// File modes of the PKI directory, as the engine's package and scripts
// leave them (the CA key's own, 0640 in a 0750 private/, are in ca.go).
const (
	modePublic     os.FileMode = 0o644
	modePrivate    os.FileMode = 0o600
	modePrivateDir os.FileMode = 0o700
	modePublicDir  os.FileMode = 0o755
)

// readFileLimited reads at most limit bytes of a regular file (see
// safefile.ReadLimited).
func readFileLimited(path string, limit int64, noFollow bool) ([]byte, error) {
	return safefile.ReadLimited(path, limit, noFollow)
}
