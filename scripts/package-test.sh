#!/bin/sh
# package-test.sh DIST VERSION: the packages `make package` built in DIST,
# checked as an admin meets them. The .rpm's file list (rpm -qpl); then, as
# root on Debian, the .deb installed with apt-get, used (the version it was
# stamped with, its man page, its bash completion, its units verified by
# systemd-analyze), installed over itself, removed and purged, with an
# edited configuration file and enabled units. Not root or not Debian:
# the install part is skipped loudly, and fails under CI=true.
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
# The directories that are the package's own are in it, so that an erase
# removes them: rpm, unlike dpkg, owns no directory it is not given.
# Installed (files only, no scripts or dependencies) in a scratch root.
rpmroot=$(mktemp -d)
trap 'rm -rf "$rpmroot"' EXIT
rpm --root "$rpmroot" --initdb
out=$(rpm --root "$rpmroot" -i --nodeps --noscripts "$rpm" 2>&1) || fail "rpm -i $rpm in a scratch root: $out"
out=$(rpm --root "$rpmroot" -e --noscripts pkienroll 2>&1) || fail "rpm -e pkienroll in a scratch root: $out"
for d in /etc/pkienroll /usr/libexec/pkienroll /usr/share/doc/pkienroll; do
	[ ! -e "$rpmroot$d" ] || fail "rpm -e pkienroll left $d, which $rpm does not own"
done
rm -rf "$rpmroot"
trap - EXIT
echo "ok: rpm -e pkienroll removes its directories"
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

# The admin's options and units enabled, as docs/install.md has them: the
# options survive a reinstall (dpkg -i of the same package, an upgrade to
# the same version) and a remove; the enabled units stay enabled after a
# remove, as dpkg keeps configuration, and a purge disables them (no link
# in /etc/systemd/system left pointing at nothing).
edit='SERVE_OPTIONS="--listen :8443 --host package-test.example"'
echo "$edit" >>/etc/default/pkienroll
links="/etc/systemd/system/multi-user.target.wants/pkienroll-serve.service
/etc/systemd/system/timers.target.wants/pkienroll-renew@pkgtest.timer"
trap 'apt-get purge -y -qq pkienroll >/dev/null 2>&1 || true; rm -f $links' EXIT
systemctl enable pkienroll-serve.service pkienroll-renew@pkgtest.timer >/dev/null 2>&1 ||
	fail "systemctl enable pkienroll-serve.service pkienroll-renew@pkgtest.timer failed"
for l in $links; do [ -L "$l" ] || fail "systemctl enable made no $l"; done
dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb over itself failed"
pkienroll version >/dev/null || fail "pkienroll version after a reinstall failed"
grep -qxF "$edit" /etc/default/pkienroll || fail "a reinstall lost the edit of /etc/default/pkienroll"
apt-get remove -y -qq pkienroll >/dev/null
[ ! -e /usr/bin/pkienroll ] || fail "apt-get remove left /usr/bin/pkienroll"
grep -qxF "$edit" /etc/default/pkienroll || fail "apt-get remove lost the edit of /etc/default/pkienroll"
for l in $links; do [ -L "$l" ] || fail "apt-get remove disabled $l (dpkg keeps configuration until purge)"; done
echo "ok: /etc/default/pkienroll as edited after dpkg -i over the package and apt-get remove, enabled units kept"

apt-get purge -y -qq pkienroll >/dev/null
[ ! -e /usr/bin/pkienroll ] || fail "apt-get purge left /usr/bin/pkienroll"
[ ! -e /usr/libexec/pkienroll ] || fail "apt-get purge left /usr/libexec/pkienroll"
[ ! -e /etc/default/pkienroll ] || fail "apt-get purge left /etc/default/pkienroll"
for l in $links; do [ ! -L "$l" ] || fail "apt-get purge left the link $l -> $(readlink "$l")"; done
trap - EXIT
echo "ok: apt-get purge pkienroll, the enabled units disabled"
