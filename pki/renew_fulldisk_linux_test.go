package pki_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestRenewCAFullDisk puts the PKI directory on a tmpfs with one page
// left: certs/ca.der is staged in it, the backup of ca.pem is linked (a
// link takes no page), and the new ca.pem does not fit. The renewal fails
// and takes its backup link back: the directory is byte-identical. As
// cmd/pkienroll's TestCRLFullDisk, it needs root to mount, and is skipped,
// loudly, without.
func TestRenewCAFullDisk(t *testing.T) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=512k"); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs to fill (%v)", err)
	}
	// Detached, not unmounted: a plain unmount once failed with EBUSY
	// under a parallel run, leaving the mount and failing t.TempDir's
	// removal; a detached mount goes once nothing holds it.
	t.Cleanup(func() { _ = syscall.Unmount(mnt, syscall.MNT_DETACH) })
	s, err := pki.InitStore(filepath.Join(mnt, "pki"), pki.InitRequest{Subject: pkitest.Name(t, pkitest.EngineCASubject)}, pkitest.SharedCAKeyGenerator(t))
	if err != nil {
		t.Fatal(err)
	}
	fillLeavingOnePage(t, filepath.Join(mnt, "filler"))
	before := pkitest.Snapshot(t, s.Dir())
	_, err = s.RenewCA(t.Context(), 0)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("RenewCA on a full disk: %v, want no space left on device", err)
	}
	pkitest.AssertUnchanged(t, s.Dir(), before)
}

// fillLeavingOnePage fills the file system of path but for one page.
func fillLeavingOnePage(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, os.Getpagesize())
	for {
		if _, err := f.Write(page); err != nil {
			break
		}
	}
	for {
		if _, err := f.Write(page[:1]); err != nil {
			break
		}
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(fi.Size() - fi.Size()%int64(len(page)) - int64(len(page))); err != nil {
		t.Fatal(err)
	}
}
