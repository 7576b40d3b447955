package pki

// pkienroll runs on Linux, macOS and FreeBSD: the engine's PKI directory
// relies on flock(2), POSIX modes and owners, and O_NOFOLLOW, which Windows
// does not have. This undefined name makes `GOOS=windows go build` say so
// before anything else.
var _ = pkienroll_does_not_build_on_windows_it_needs_flock_and_POSIX_file_modes
