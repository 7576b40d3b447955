#!/bin/sh
# package-test.sh DIST VERSION: the packages `make package` built in DIST,
# checked as an admin meets them. The .rpm's file list (rpm -qpl); then, as
# root on Debian, the .deb installed with apt-get, used (the version it was
# stamped with, its man page, its bash completion, its units verified by
# systemd-analyze) and purged. Not root or not Debian: the install part
# is skipped loudly, and fails under CI=true.
set -eu
dist=$1
version=$2

fail() { echo "package-test: $*" >&2; exit 1; }

deb=$(ls "$dist"/pkienroll_*.deb)
rpm=$(ls "$dist"/pkienroll-*.rpm)
[ "$(echo "$deb" | wc -l)" -eq 1 ] || fail "want one .deb in $dist: $deb"
[ "$(echo "$rpm" | wc -l)" -eq 1 ] || fail "want one .rpm in $dist: $rpm"

# What both packages hold (the zsh completion is where each distribution's
# zsh looks).
want="/usr/bin/pkienroll
/usr/libexec/pkienroll/pkienroll-openssl
/usr/share/man/man1/pkienroll.1.gz
/usr/share/bash-completion/completions/pkienroll
/usr/share/fish/vendor_completions.d/pkienroll.fish
/usr/lib/systemd/system/pkienroll-serve.service
/usr/lib/systemd/system/pkienroll-renew@.service
/usr/lib/systemd/system/pkienroll-renew@.timer"

command -v rpm >/dev/null || fail "rpm is not installed (Debian package rpm; scripts/test-deps.sh installs it)"
rpmlist=$(rpm -qpl "$rpm")
for f in $want /usr/share/zsh/site-functions/_pkienroll /etc/sysconfig/pkienroll; do
	echo "$rpmlist" | grep -qx "$f" || fail "$rpm lacks $f:
$rpmlist"
done
echo "ok: rpm -qpl $rpm lists the binary, man page, completions, units"
debfiles=$(dpkg-deb --contents "$deb" | awk '{print substr($6, 2)}')
for f in $want /usr/share/zsh/vendor-completions/_pkienroll /etc/default/pkienroll; do
	echo "$debfiles" | grep -qx "$f" || fail "$deb lacks $f"
done

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	msg="NOT CHECKED: installing $deb needs root on Debian"
	[ "${CI:-}" = true ] && fail "$msg"
	echo "################ WARNING: $msg" >&2
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$(realpath "$deb")" >/dev/null
trap 'apt-get purge -y -qq pkienroll >/dev/null 2>&1 || true' EXIT

got=$(pkienroll version)
case $got in
"pkienroll $version "*) ;;
*) fail "pkienroll version: $got, want pkienroll $version" ;;
esac
# The flavour the server's unit runs: the same version, signing through
# the libcrypto the host has (libssl3, which the package recommends).
got=$(/usr/libexec/pkienroll/pkienroll-openssl version)
case $got in
"pkienroll $version "*"
signature: openssl ("*) ;;
*) fail "/usr/libexec/pkienroll/pkienroll-openssl version: $got, want pkienroll $version, signature: openssl" ;;
esac
page=$(man -w pkienroll) || fail "man -w pkienroll found no page"
[ "$page" = /usr/share/man/man1/pkienroll.1.gz ] || fail "man -w pkienroll: $page"
# The installed completion, from a shell that knows nothing else of
# pkienroll: it calls pkienroll by name, and pkienroll completes.
out=$(bash -c '. /usr/share/bash-completion/completions/pkienroll && complete -p pkienroll && COMP_LINE="pkienroll ca " COMP_POINT=13 pkienroll')
echo "$out" | grep -q -- "-C 'pkienroll' pkienroll\$" || fail "bash completion: $out"
echo "$out" | grep -qx init || fail "completing 'pkienroll ca ': $out"
# The units as installed, the man page of Documentation= included.
systemd-analyze verify /usr/lib/systemd/system/pkienroll-serve.service \
	/usr/lib/systemd/system/pkienroll-renew@.service /usr/lib/systemd/system/pkienroll-renew@.timer ||
	fail "systemd-analyze verify failed on the installed units"
[ -f /etc/default/pkienroll ] && [ -d /etc/pkienroll/renew ] || fail "no /etc/default/pkienroll or /etc/pkienroll/renew"
echo "ok: $deb installs; pkienroll version, pkienroll-openssl version (signature: openssl), man -w pkienroll, bash completion, systemd-analyze verify"

apt-get purge -y -qq pkienroll >/dev/null
trap - EXIT
[ ! -e /usr/bin/pkienroll ] || fail "apt-get purge left /usr/bin/pkienroll"
[ ! -e /usr/libexec/pkienroll ] || fail "apt-get purge left /usr/libexec/pkienroll"
[ ! -e /etc/default/pkienroll ] || fail "apt-get purge left /etc/default/pkienroll"
echo "ok: apt-get purge pkienroll"
