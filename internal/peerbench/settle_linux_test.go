package main

import (
	"os"
	"testing"
)

// TestForgetsDeletionsSlowly: a tmpfs is never an ext4 without a journal,
// and the test's own directory is told without an error, whatever it is
// on. Which ext4 this machine has is logged, not asserted.
func TestForgetsDeletionsSlowly(t *testing.T) {
	slow, err := forgetsDeletionsSlowly(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the test's directory is on an ext4 without a journal: %v", slow)
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm")
	}
	if slow, err := forgetsDeletionsSlowly("/dev/shm"); err != nil || slow {
		t.Errorf("/dev/shm: %v, %v; want false, nil", slow, err)
	}
}
