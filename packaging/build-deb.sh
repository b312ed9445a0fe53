#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the phiguard Debian package from this source tree:
#
#   sh packaging/build-deb.sh [OUTDIR]      (default OUTDIR: ./debian-out)
#
# The tree is copied (without build directories and VCS data) to a temporary
# directory, packaging/debian becomes ./debian there, and
# `dpkg-buildpackage -b -us -uc` builds it; the .deb files land in OUTDIR.
# DEB_BUILD_OPTIONS is passed through (e.g. nocheck, parallel=2).
# The same works by hand: cp -r packaging/debian debian && dpkg-buildpackage -b -us -uc
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/debian-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in dpkg-buildpackage dh fakeroot; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build-deb.sh: '$tool' is missing: apt-get install dpkg-dev debhelper fakeroot" >&2
		exit 2
	fi
done

version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
deb_version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
case "$deb_version" in
"$version"-*) ;;
*) echo "build-deb.sh: warning: debian/changelog says $deb_version, meson.build says $version" >&2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
tree=$work/phiguard-$version
mkdir -p "$tree"
(cd "$src" && tar --exclude-vcs --exclude='./build*' --exclude='./obj-*' \
	--exclude='./debian-out' --exclude='./debian' --exclude='./rpmbuild' -cf - .) |
	(cd "$tree" && tar -xf -)
cp -r "$src/packaging/debian" "$tree/debian"

(cd "$tree" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$work/build.log" 2>&1 || {
	tail -n 60 "$work/build.log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed" >&2
	exit 1
}
for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
	[ -e "$f" ] && cp "$f" "$out/"
done
ls "$out"/*.deb
