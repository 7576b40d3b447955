package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// TestCRLFullDisk puts --out, then the whole PKI directory, on a full
// tmpfs: crl fails with one line and changes nothing. Mounting needs root
// (CAP_SYS_ADMIN); without it the test is skipped, loudly, also under
// CI=true, where TestCRLWriteFailureChangesNothing still runs.
func TestCRLFullDisk(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mnt := f.path("full")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs to fill (%v); TestCRLWriteFailureChangesNothing covers the failure", err)
	}
	// Detached, not unmounted: a plain unmount once failed with EBUSY
	// under a parallel run, leaving the mount and failing t.TempDir's
	// removal; a detached mount goes once nothing holds it.
	t.Cleanup(func() { _ = syscall.Unmount(mnt, syscall.MNT_DETACH) })
	fill := func(t *testing.T) {
		t.Helper()
		// Fill the file system, leaving no block free.
		fl, err := os.Create(filepath.Join(mnt, "filler"))
		if err != nil {
			t.Fatal(err)
		}
		defer fl.Close()
		chunk := make([]byte, 4096)
		for {
			if _, err := fl.Write(chunk); err != nil {
				break
			}
		}
		for {
			if _, err := fl.Write(chunk[:1]); err != nil {
				break
			}
		}
	}
	t.Run("out on a full disk", func(t *testing.T) {
		out := filepath.Join(mnt, "ca.crl")
		mustRun(t, "-q", "crl", "--pki-dir", f.pki, "--out", out)
		fill(t)
		before, mntBefore := pkitest.Snapshot(t, f.pki), pkitest.Snapshot(t, mnt)
		r := runCLI(t, "crl", "--pki-dir", f.pki, "--out", out, "--force")
		if r.code != exitError {
			t.Errorf("crl to a full disk: %s", r)
		}
		assertOneErrorLine(t, r.stderr, "write CRL", "no space left on device")
		pkitest.AssertUnchanged(t, f.pki, before)
		pkitest.AssertUnchanged(t, mnt, mntBefore)
		_ = os.Remove(filepath.Join(mnt, "filler"))
	})
	t.Run("store on a full disk", func(t *testing.T) {
		store := filepath.Join(mnt, "pki")
		if err := os.Mkdir(store, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := pkitest.CopyTree(f.pki, store); err != nil {
			t.Fatal(err)
		}
		out := f.path("store-full.crl")
		mustRun(t, "-q", "crl", "--pki-dir", store, "--out", out)
		fill(t)
		before, outBefore := pkitest.Snapshot(t, store), pkitest.ReadFile(t, out)
		r := runCLI(t, "crl", "--pki-dir", store, "--out", out, "--force")
		if r.code != exitError {
			t.Errorf("crl with the store on a full disk: %s", r)
		}
		assertOneErrorLine(t, r.stderr, "crlnumber.txt", "no space left on device")
		pkitest.AssertUnchanged(t, store, before)
		if pkitest.ReadFile(t, out) != outBefore {
			t.Error("the CRL at --out changed")
		}
		if kept := backups(t, out); len(kept) != 0 {
			t.Errorf("backups left: %q", kept)
		}
	})
}
