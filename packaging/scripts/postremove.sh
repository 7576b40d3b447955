#!/bin/sh
# postrm (deb: remove, purge, upgrade, ...) and %postun (rpm: 0 erase, 1
# upgrade). systemd reads the units again. On a deb purge the units the
# admin enabled are disabled: their links in /etc/systemd/system, which
# dpkg keeps after a remove as it keeps configuration files, would point
# at nothing. After an rpm upgrade a running server is restarted on the
# new binary (deb does it in postinst).
if [ "$1" = purge ]; then
	units=$(for link in /etc/systemd/system/*.wants/pkienroll-serve.service \
		/etc/systemd/system/*.wants/pkienroll-renew@*.timer /etc/systemd/system/*.wants/pkienroll-renew@*.service; do
		[ -L "$link" ] && basename "$link"
	done | sort -u)
	[ -z "$units" ] || systemctl --no-reload disable $units >/dev/null 2>&1 || true
fi
systemctl daemon-reload >/dev/null 2>&1 || true
case "$1" in
[1-9]*) systemctl try-restart pkienroll-serve.service >/dev/null 2>&1 || true ;;
esac
exit 0
