package main

import (
	"os"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	xunix "golang.org/x/sys/unix"
)

// fsImmutableFL is FS_IMMUTABLE_FL of linux/fs.h (chattr +i).
const fsImmutableFL = 0x10

// TestForceWriteAllOrNothing: request --force over a key and a request
// where the request cannot be backed up or replaced (chattr +i: link and
// rename fail with EPERM) fails with one line and leaves both as they
// were: the key is not replaced on its own, which would leave a key that
// no request or certificate matches. Setting the flag needs root
// (CAP_LINUX_IMMUTABLE) and a file system that has it; without them the
// test is skipped, loudly; pki/host's TestInstallAllOrNothing and
// atomicfile's TestWriteFilesAllOrNothing make the same failures without
// root.
func TestForceWriteAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := setImmutable(f.req, true); err != nil {
		t.Skipf("SKIPPED: cannot make a file immutable (%v); TestInstallAllOrNothing covers the failure", err)
	}
	t.Cleanup(func() {
		if err := setImmutable(f.req, false); err != nil {
			t.Errorf("chattr -i %s: %v", f.req, err)
		}
	})
	before := pkitest.Snapshot(t, f.dir)
	r := runCLI(t, "request", "--force", "--ca-cert", f.caPEM, "--cn", proxyCN, "--keyout", f.key, "--out", f.req)
	if r.code != exitError {
		t.Errorf("request --force over an immutable request: %s", r)
	}
	assertOneErrorLine(t, r.stderr, "back up", "proxy.req", "operation not permitted")
	pkitest.AssertUnchanged(t, f.dir, before)
}

// setImmutable sets or clears the immutable flag of path (chattr ±i).
func setImmutable(path string, on bool) error {
	fl, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fl.Close()
	flags, err := xunix.IoctlGetUint32(int(fl.Fd()), xunix.FS_IOC_GETFLAGS)
	if err != nil {
		return err
	}
	if on {
		flags |= fsImmutableFL
	} else {
		flags &^= fsImmutableFL
	}
	return xunix.IoctlSetPointerInt(int(fl.Fd()), xunix.FS_IOC_SETFLAGS, int(flags))
}
