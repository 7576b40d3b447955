package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadLimited(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		limit    int64
		noFollow bool
		want     string // error text; "" for success
	}{
		{"regular file", regular, 10, true, ""},
		{"link followed", link, 10, false, ""},
		{"link refused", link, 10, true, ErrSymlink.Error()},
		{"over the limit", regular, 9, false, "larger than 9 bytes"},
		{"FIFO", fifo, 10, false, "not a regular file"},
		{"directory", dir, 10, false, "is a directory"},
		{"missing", filepath.Join(dir, "missing"), 10, false, "no such file"},
		{"device", "/dev/zero", 10, false, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var data []byte
			var err error
			go func() {
				defer close(done)
				data, err = ReadLimited(tt.path, tt.limit, tt.noFollow)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("ReadLimited blocked") // a FIFO opened without O_NONBLOCK would
			}
			if tt.want == "" {
				if err != nil || string(data) != "0123456789" {
					t.Fatalf("ReadLimited = %q, %v", data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadLimited error = %v, want %q", err, tt.want)
			}
			if tt.want == ErrSymlink.Error() && !errors.Is(err, ErrSymlink) {
				t.Errorf("error %v does not wrap ErrSymlink", err)
			}
		})
	}
}
