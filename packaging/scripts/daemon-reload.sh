#!/bin/sh
# After the package installs, upgrades or removes its units: systemd reads
# them again. Nothing is enabled or started: the server and each renewal
# need their configuration first (docs/install.md).
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
