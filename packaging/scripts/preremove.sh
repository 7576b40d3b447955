#!/bin/sh
# prerm (deb: remove, upgrade, ...) and %preun (rpm: 0 erase, 1 upgrade).
# Before the package's files go: the server, the renewal timers and any
# renewal running are stopped, or they would go on from a deleted binary
# (the server issuing certificates) and the timers fail when their service
# vanishes. rpm also disables them, as its systemd macros do; dpkg keeps
# that until purge (postremove.sh). Not on an upgrade.
case "$1" in
remove | 0)
	systemctl stop pkienroll-serve.service 'pkienroll-renew@*.timer' 'pkienroll-renew@*.service' >/dev/null 2>&1 || true
	;;
esac
if [ "$1" = 0 ]; then
	units=$(for link in /etc/systemd/system/*.wants/pkienroll-serve.service \
		/etc/systemd/system/*.wants/pkienroll-renew@*.timer /etc/systemd/system/*.wants/pkienroll-renew@*.service; do
		[ -L "$link" ] && basename "$link"
	done | sort -u)
	[ -z "$units" ] || systemctl --no-reload disable $units >/dev/null 2>&1 || true
fi
exit 0
