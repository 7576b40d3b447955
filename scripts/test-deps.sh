#!/bin/sh
# test-deps.sh: installs the real peers the interop tests run against, when
# this is a Debian machine and we are root; elsewhere it only says what is
# missing (those tests then skip, and `make test` ends with their list).
# `make test` and .ci/run both call it, so the README's two commands are the
# whole set-up of a fresh machine.
set -eu

# program:Debian package, one pair a line.
peers="openssl:openssl
squid:squid-openssl
websockify:websockify
flock:util-linux
curl:curl
bash:bash"

missing=
for pair in $peers; do
	program=${pair%%:*}
	package=${pair#*:}
	if ! command -v "$program" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$program" ]; then
		missing="$missing $package"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing the interop tests' peers:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "not installed:$missing (not root on a Debian machine: the tests that need them will skip)" >&2
fi
