#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Unpack, into DEST/NAME, Debian packages of daemons the integration tests
# start but that must not be installed on the machine:
#  - syslog-ng: the collector test of packaging/syslog-ng/phiguard-collector.conf
#    (the package conflicts with rsyslog, which the tests also need);
#  - caddy: the HTTP/3 server of the browser test (the package enables a web
#    server on port 80 of the host).
# Run as root after apt-get update.
set -eu
dest=${1:-/var/cache/phiguard-test}

# unpack NAME PROGRAM PACKAGE...: PROGRAM (relative to DEST/NAME) says it is done.
unpack() {
	name=$1
	program=$2
	shift 2
	if [ -x "$dest/$name/$program" ]; then
		return 0
	fi
	work=$(mktemp -d)
	chmod 755 "$work"
	chown _apt "$work" 2>/dev/null || true # apt-get download writes as _apt
	(cd "$work" && apt-get download "$@")
	mkdir -p "$dest/$name"
	for deb in "$work"/*.deb; do
		dpkg-deb -x "$deb" "$dest/$name"
	done
	rm -rf "$work"
}

# syslog-ng-core and the libraries it needs that rsyslog's set does not bring
unpack syslog-ng usr/sbin/syslog-ng syslog-ng-core libivykis0 libnet1 libwrap0
unpack caddy usr/bin/caddy caddy

LD_LIBRARY_PATH="$dest/syslog-ng/usr/lib/x86_64-linux-gnu:$dest/syslog-ng/usr/lib/syslog-ng" \
	"$dest/syslog-ng/usr/sbin/syslog-ng" --version | head -1
"$dest/caddy/usr/bin/caddy" version
