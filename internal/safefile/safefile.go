// Package safefile reads files that may be hostile: a FIFO, a device, a
// symbolic link or a file that never ends where a certificate, key or
// password file is expected. Every pkienroll reader goes through it.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// ErrSymlink reports a path that is a symbolic link where a regular file
// must be read or written.
var ErrSymlink = errors.New("is a symbolic link")

// ReadLimited reads at most limit bytes of path and fails on larger
// files, so a hostile or mistaken input (a device, a huge file) is refused
// quickly. Only a regular file is read: the file is opened with O_NONBLOCK,
// so that opening a FIFO cannot block, and anything that fstat does not call
// a regular file (a FIFO, a device, a socket) is refused before the first
// read. The limit counts bytes read, not what fstat says, so a file that
// grows while it is read is still bounded. With noFollow a symbolic link is
// refused rather than followed.
func ReadLimited(path string, limit int64, noFollow bool) ([]byte, error) {
	f, err := OpenRegular(path, noFollow)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, UnwrapPathError(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// OpenRegular opens path for reading when it is a regular file, without
// ever blocking in open(2) (see ReadLimited).
func OpenRegular(path string, noFollow bool) (*os.File, error) {
	flags := unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY
	if noFollow {
		flags |= unix.O_NOFOLLOW
	}
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, flags, 0)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		if noFollow && errors.Is(err, unix.ELOOP) {
			return nil, ErrSymlink
		}
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		unix.Close(fd)
		return nil, errors.New("is a directory")
	default:
		unix.Close(fd)
		return nil, errors.New("not a regular file")
	}
	// A regular file ignores O_NONBLOCK; clear it all the same, so that
	// nothing below depends on that.
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err == nil {
		_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl&^unix.O_NONBLOCK)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// UnwrapPathError strips the *fs.PathError and *os.LinkError wrappers:
// callers' messages already name the path, and "open x: open x: permission
// denied" reads badly.
func UnwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
