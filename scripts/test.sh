#!/bin/sh
# test.sh GO: the full suite as `make test` runs it, the OpenSSL signer's
# build (-tags openssl) on its packages, then a summary of every interop
# test that skipped because a peer program was missing, loud enough to see
# without -v. Under CI=true such a test fails instead of skipping.
set -u
go=${1:-go}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

PKIENROLL_SKIP_LOG=$log "$go" test -race -count=1 -timeout 12m ./...
status=$?

# The OpenSSL signer (make build-openssl) is compiled only with -tags openssl
# and cgo: its tests, and pki's and the EST server's (whose CA key then signs
# through libcrypto), run again with the tag. Without cgo or a C compiler
# that is not tested, which the summary says (and CI=true fails).
cc=$("$go" env CC)
if [ "$("$go" env CGO_ENABLED)" = 1 ] && command -v "${cc%% *}" >/dev/null 2>&1; then
	PKIENROLL_SKIP_LOG=$log "$go" test -race -count=1 -timeout 12m -tags openssl \
		./internal/opensslsign ./pki/... || status=1
	PKIENROLL_SKIP_LOG=$log "$go" test -race -count=1 -tags openssl -run 'TestVersion|TestServeSIGKILLUnderLoad' ./cmd/pkienroll || status=1
else
	echo "openssl build (go test -tags openssl): not tested: no cgo or no C compiler ($cc); install gcc and libc6-dev" >>"$log"
	[ "${CI:-}" = true ] && status=1
fi

if [ -s "$log" ]; then
	count=$(wc -l <"$log")
	echo
	echo "################################################################"
	echo "# WARNING: $count interop test(s) SKIPPED: what they check was NOT checked"
	echo "################################################################"
	sort "$log" | sed 's/^/#   /'
	echo "# Install the programs named above (or run as root on Debian: make test installs them)."
fi
exit $status
