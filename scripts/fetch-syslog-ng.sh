#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Unpack Debian's syslog-ng (not installed: it conflicts with rsyslog, which
# the tests also need) into DEST, for the collector test of
# packaging/syslog-ng/phiguard-collector.conf. Run as root after apt-get update.
set -eu
dest=${1:-/var/cache/phiguard-test/syslog-ng}
if [ -x "$dest/usr/sbin/syslog-ng" ]; then
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
chmod 755 "$work"
chown _apt "$work" 2>/dev/null || true # apt-get download writes as _apt
# syslog-ng-core and the libraries it needs that rsyslog's set does not bring
apt-get download syslog-ng-core libivykis0 libnet1 libwrap0
mkdir -p "$dest"
for deb in ./*.deb; do
	dpkg-deb -x "$deb" "$dest"
done
LD_LIBRARY_PATH="$dest/usr/lib/x86_64-linux-gnu:$dest/usr/lib/syslog-ng" \
	"$dest/usr/sbin/syslog-ng" --version | head -1
