package est

import "syscall"

// noFollow refuses a symbolic link planted where a token record should be.
const noFollow = syscall.O_NOFOLLOW
