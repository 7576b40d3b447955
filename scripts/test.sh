#!/bin/sh
# test.sh GO: the full suite as `make test` runs it, then a summary of every
# interop test that skipped because a peer program was missing, loud enough
# to see without -v. Under CI=true such a test fails instead of skipping.
set -u
go=${1:-go}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

PKIENROLL_SKIP_LOG=$log "$go" test -race -count=1 -timeout 12m ./...
status=$?

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
