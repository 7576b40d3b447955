#!/usr/bin/env bash
# make test-squid6: the Squid interop tests against Squid 6, Debian 13's,
# on a Debian 12 host whose own Squid (the one `make test` runs) is 5.7.
# It makes a minimal Debian 13 tree with debootstrap (once, in
# SQUID6_ROOT, about 300 MB), installs squid-openssl there, and runs the
# tests with a `squid` that runs that Squid in the tree (chroot): the
# tests' files are in a directory mounted at the same path inside, and
# the tree shares the host's network, so Squid 6 parses the same
# configurations and serves on the same loopback ports. Root only.
set -euo pipefail
cd "$(dirname "$0")/.."

root=${SQUID6_ROOT:-/var/tmp/pkienroll-squid6}
suite=${SQUID6_SUITE:-trixie}
mirror=${SQUID6_MIRROR:-http://deb.debian.org/debian}
if [ "$(id -u)" != 0 ]; then
  echo "test-squid6: run as root: it uses debootstrap, chroot and bind mounts" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null

# The marker is written last: a tree that was not finished is made again.
ready=$root/.pkienroll-squid6-ready
if [ ! -e "$ready" ]; then
  echo "test-squid6: making a Debian $suite tree in $root (a few minutes, once)"
  rm -rf "$root"
  log=$(mktemp)
  quiet() { "$@" >"$log" 2>&1 || { tail -20 "$log" >&2; rm -f "$log"; exit 1; }; }
  quiet debootstrap --variant=minbase "$suite" "$root" "$mirror"
  # No service starts inside the tree.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  quiet chroot "$root" apt-get update -qq
  quiet chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends squid-openssl
  rm -f "$log"
  touch "$ready"
fi
# Squid looks its host name up at start, and warns when it cannot.
cp /etc/hosts /etc/resolv.conf "$root/etc/"

# A short path, as the tests' own temporary directories have (some
# messages quote a path only up to a length), that Squid's account can
# reach once it drops root.
tmp=$(mktemp -d /tmp/sq6.XXXXXX)
chmod 0755 "$tmp"
bin=$(mktemp -d)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" || true; done
  rm -rf "$tmp" "$bin"
  rmdir "$root$tmp" 2>/dev/null || true
}
trap cleanup EXIT
bind() {
  mkdir -p "${*: -1}"
  mount "$@"
  mounted+=("${*: -1}")
}
bind --bind "$tmp" "$root$tmp"
bind --bind /dev "$root/dev"
bind --bind /dev/shm "$root/dev/shm"
bind -t proc proc "$root/proc"

printf '#!/bin/sh\nexec chroot %q /usr/sbin/squid "$@"\n' "$root" >"$bin/squid"
chmod 0755 "$bin/squid"
echo "test-squid6: $("$bin/squid" -v | head -1)"

export TMPDIR=$tmp PATH=$bin:$PATH
go test -count 1 ./pki/proxy
# Every test of cmd/pkienroll that runs Squid: squid-config's checks, the
# end-to-end portal and SPICE proxies, and the guides run command by command.
# What passed and what skipped is listed; a failure shows the whole output.
out=$bin/test.log
if go test -count 1 -v ./cmd/pkienroll -run '^(TestSquid.*|TestSpiceProxy.*|TestE2E.*|TestProxyGuide|TestConsoleSpice.*)$' >"$out" 2>&1; then
  grep -E '^(--- |ok)|SKIPPED' "$out"
else
  cat "$out"
  exit 1
fi
