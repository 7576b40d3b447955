package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
)

// hangTimeout bounds a command that a bug would block forever (opening a
// FIFO): the test fails instead of hanging. It is not a speed requirement.
const hangTimeout = 30 * time.Second

// runCLIFinishes is runCLI that fails the test when the command has not
// returned within hangTimeout.
func runCLIFinishes(t *testing.T, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runCLI(t, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(hangTimeout):
		t.Fatalf("pkienroll %s did not return within %s: it blocks", strings.Join(args, " "), hangTimeout)
		return result{}
	}
}

// TestSpecialFilesRefused names a FIFO or a device where a file is read
// (the store's request, serial.txt and database.txt; inspect, verify and
// subject arguments): each command returns at once with one line saying
// "not a regular file", and the scratch directory is unchanged. Before,
// opening the FIFO blocked forever (a FIFO serial.txt while holding the
// store's lock) and /dev/zero was read until the size limit.
func TestSpecialFilesRefused(t *testing.T) {
	t.Parallel()
	fifo := func(rel ...string) func(t *testing.T, f *fixture) {
		return func(t *testing.T, f *fixture) {
			path := f.path(rel...)
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		args  []string
		want  []string
	}{
		{"sign request is a FIFO", fifo("pki", "requests", "proxy.req"),
			[]string{"sign", "--pki-dir", "{pki}", "--name", "proxy"}, []string{"requests/proxy.req"}},
		{"sign serial.txt is a FIFO", fifo("pki", "serial.txt"),
			[]string{"sign", "--pki-dir", "{pki}", "--name", "proxy"}, []string{"serial.txt"}},
		{"list database.txt is a FIFO", fifo("pki", "database.txt"),
			[]string{"list", "--pki-dir", "{pki}"}, []string{"database.txt"}},
		{"crl database.txt is a FIFO", fifo("pki", "database.txt"),
			[]string{"crl", "--pki-dir", "{pki}", "--out", "{dir}/ca.crl"}, []string{"database.txt"}},
		{"inspect a FIFO", fifo("in.pem"),
			[]string{"inspect", "{dir}/in.pem"}, []string{"in.pem"}},
		{"inspect /dev/zero", nil,
			[]string{"inspect", "/dev/zero"}, []string{"/dev/zero"}},
		{"verify cert is a FIFO", fifo("in.pem"),
			[]string{"verify", "--ca", "{ca}", "--cert", "{dir}/in.pem"}, []string{"in.pem"}},
		{"verify ca is /dev/zero", nil,
			[]string{"verify", "--ca", "/dev/zero", "--cert", "{ca}"}, []string{"/dev/zero"}},
		{"subject cert is a FIFO", fifo("in.pem"),
			[]string{"subject", "--cert", "{dir}/in.pem"}, []string{"in.pem"}},
		{"request key is a FIFO", fifo("in.key"),
			[]string{"request", "--key", "{dir}/in.key", "--subject", "/O=Example/CN=x.example.com", "--out", "{dir}/x.req"}, []string{"in.key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			before := pkitest.Snapshot(t, f.dir)
			args := flags(tc.args...)(f)
			r := runCLIFinishes(t, args...)
			if r.code != exitError {
				t.Errorf("pkienroll %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, exitError, r)
			}
			assertOneErrorLine(t, r.stderr, append(tc.want, "not a regular file")...)
			pkitest.AssertUnchanged(t, f.dir, before)
			if _, err := os.Stat(filepath.Join(f.dir, "x.req")); err == nil {
				t.Error("an output was written")
			}
		})
	}
}
