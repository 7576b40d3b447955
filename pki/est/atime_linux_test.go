package est_test

import (
	"io/fs"
	"syscall"
	"time"
)

// fileAtime is fi's access time.
func fileAtime(fi fs.FileInfo) time.Time {
	st := fi.Sys().(*syscall.Stat_t)
	return time.Unix(st.Atim.Sec, st.Atim.Nsec)
}
