package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// ext4SuperMagic is statfs(2)'s f_type of ext2, ext3 and ext4.
const ext4SuperMagic = 0xEF53

// forgetsDeletionsSlowly reports whether dir is on an ext4 without a
// journal: there every file created skips each inode of its block group
// freed in the last 60 seconds (360 while that part of the inode table is
// not yet written), reading the inode table for each, so a server
// measured just after a build or an earlier run deleted thousands of
// files creates its own slowly. An ext4 with a journal has
// /proc/fs/jbd2/DEVICE-8.
func forgetsDeletionsSlowly(dir string) (bool, error) {
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		return false, err
	}
	if fs.Type != ext4SuperMagic {
		return false, nil
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return false, err
	}
	uevent, err := os.ReadFile(fmt.Sprintf("/sys/dev/block/%d:%d/uevent", unix.Major(st.Dev), unix.Minor(st.Dev)))
	if err != nil {
		return false, err
	}
	for line := range strings.SplitSeq(string(uevent), "\n") {
		if name, ok := strings.CutPrefix(line, "DEVNAME="); ok {
			_, err := os.Stat("/proc/fs/jbd2/" + name + "-8")
			return os.IsNotExist(err), nil
		}
	}
	return false, fmt.Errorf("no DEVNAME for %s's device", dir)
}
