#!/bin/sh
# postinst (deb: configure OLD-VERSION, empty OLD-VERSION on a first
# install) and %post (rpm: 1 install, 2 upgrade). systemd reads the units
# again; after a deb upgrade a running server is restarted on the new
# binary (rpm does it in %postun, once the old files are gone). Nothing is
# enabled or started: the server and each renewal need their configuration
# first (docs/install.md). Without a running systemd, systemctl fails and
# nothing is done.
systemctl daemon-reload >/dev/null 2>&1 || true
if [ "$1" = configure ] && [ -n "${2:-}" ]; then
	systemctl try-restart pkienroll-serve.service >/dev/null 2>&1 || true
fi
exit 0
