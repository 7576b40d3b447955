package flock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestExclusive(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, []byte("ca"), 0o644); err != nil {
		t.Fatal(err)
	}
	held, err := Exclusive(t.Context(), path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Exclusive(t.Context(), path, 200*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock: %v, want ErrLocked", err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("gave up after %s, before its timeout", waited)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	if _, err := Exclusive(ctx, path, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v, want context.Canceled", err)
	}
	held.Unlock()
	held.Unlock() // twice is harmless
	again, err := Exclusive(t.Context(), path, time.Second)
	if err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
	again.Unlock()

	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Exclusive(t.Context(), link, time.Second); !errors.Is(err, ErrSymlink) {
		t.Errorf("lock through a link: %v, want ErrSymlink", err)
	}
}
