package pkitest

import (
	"os"
	"sync"
	"syscall"
	"testing"
)

// HoldLock takes the signing lock on path (the store's ca.pem) as a
// running pki-enroll-request.sh holds it, a plain exclusive flock, until
// the returned function is called or the test ends; signers meanwhile wait.
func HoldLock(t testing.TB, path string) (release func()) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("flock %s: %v", path, err)
	}
	var once sync.Once
	release = func() { once.Do(func() { f.Close() }) }
	t.Cleanup(release)
	return release
}
