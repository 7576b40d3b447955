package atomicfile

import (
	"os"
	"strconv"
	"strings"

	"github.com/pkienroll/pkienroll/internal/safefile"
	"golang.org/x/sys/unix"
)

// HaveSyncfs is true where SyncFilesystem is one syncfs(2).
const HaveSyncfs = true

// SyncFilesystem flushes every file of the file system holding dir with
// one syncfs(2): for a batch, one flush instead of one fsync per file.
func SyncFilesystem(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return safefile.UnwrapPathError(err)
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

// systemDirty is Dirty plus Writeback of /proc/meminfo, in bytes: what
// a syncfs might have to wait for.
func systemDirty() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	var total int64
	found := 0
	for _, line := range strings.Split(string(data), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || (name != "Dirty" && name != "Writeback") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, false
		}
		total += kb << 10
		found++
	}
	return total, found == 2
}
