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
promtool:prometheus
bash:bash
zsh:zsh
rpm:rpm
systemd-analyze:systemd
man:man-db
keytool:default-jre-headless
qemu-system-x86_64:qemu-system-x86
chromium:chromium
certutil:libnss3-tools
unshare:util-linux
gcc:gcc"

# Peers that are no program on PATH: spice-gtk's Python bindings (the real
# SPICE client of the console tests) and noVNC's files. dpkg says whether
# they are there.
# libc6-dev: the C headers cgo needs to build the OpenSSL signer's tests
# (-tags openssl); the libcrypto it loads comes with openssl's libssl3.
libraries="python3-gi gir1.2-spiceclientglib-2.0 novnc libc6-dev"

missing=
for pair in $peers; do
	program=${pair%%:*}
	package=${pair#*:}
	if ! command -v "$program" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$program" ]; then
		missing="$missing $package"
	fi
done
for package in $libraries; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $package"
	fi
done
install_estclient() {
	# globalsign/est's estclient, an EST client no one here wrote, for the
	# interop tests of `pkienroll serve`. It is built from a scratch module
	# that requires the exact version (asking for the latest fails), with
	# cgo (it links PKCS#11 and TPM code).
	command -v estclient >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v go >/dev/null 2>&1; then
		echo "not installed: estclient (not root, or no go: the EST interop test will skip)" >&2
		return 0
	fi
	echo "building the interop tests' estclient (github.com/globalsign/est v1.0.6)"
	scratch=$(mktemp -d)
	(
		cd "$scratch"
		printf 'module x\n\ngo 1.26\n' >go.mod
		CGO_ENABLED=1 go get github.com/globalsign/est/cmd/estclient@v1.0.6 >/dev/null 2>&1
		CGO_ENABLED=1 go build -o /usr/local/bin/estclient github.com/globalsign/est/cmd/estclient
	) || echo "could not build estclient: the EST interop test will skip" >&2
	rm -rf "$scratch"
}
install_estclient

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
