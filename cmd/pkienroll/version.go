package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// versionLine is what --version and `pkienroll version` print: the
// program, its version and the Go that built it, such as
// "pkienroll v1.2.0 (go1.26.1 linux/amd64)".
func versionLine() string {
	return fmt.Sprintf("pkienroll %s (%s %s/%s)", programVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// programVersion is the version stamped with -ldflags, else the module
// version the go command recorded (`go install ...@v1.2.0`, or a
// pseudo-version from the git checkout it was built in), else "dev".
func programVersion() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	// Built in a checkout without a tag: dev and the commit.
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = "+" + s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return version
	}
	return version + rev + dirty
}

// versionCmd prints the version line.
type versionCmd struct{}

// Run prints the version line on stdout; a build with the OpenSSL signer
// (`make build-openssl`) adds a line naming the signer the CA key uses:
// "signature: openssl (OpenSSL 3.0.19 …)", or "signature: go (why)".
func (c *versionCmd) Run(e *env) error {
	if opensslsign.Built {
		_, err := fmt.Fprintf(e.stdout, "%s\nsignature: %s\n", versionLine(), opensslsign.Status())
		return err
	}
	_, err := fmt.Fprintln(e.stdout, versionLine())
	return err
}
