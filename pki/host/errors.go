package host

import "errors"

// ErrNoAccount reports an owner that is not an account of this host.
var ErrNoAccount = errors.New("no such account")

// ErrNotRoot reports files that would be given to another account by a
// process that is not root: only root may give a file away.
var ErrNotRoot = errors.New("only root can give files to another account")

// ErrUnreadable reports a file the service's account cannot read.
var ErrUnreadable = errors.New("the service's account cannot read it")

// ErrNoPath reports a file that Install was given content for but Files
// does not name.
var ErrNoPath = errors.New("no path for it")
