#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the phiguard RPM from this source tree:
#
#   sh packaging/rpm/build-rpm.sh [TOPDIR]     (default TOPDIR: ./rpmbuild)
#
# Makes SOURCES/phiguard-VERSION.tar.gz from the tree (without build
# directories and VCS data) and runs `rpmbuild -bb packaging/rpm/phiguard.spec`.
# The RPMs land in TOPDIR/RPMS/<arch>/. On a host that is not RPM-based (the
# rpm database does not know the build dependencies) --nodeps is added: the
# libraries then come from the host's -dev packages.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
top=${1:-$src/rpmbuild}
mkdir -p "$top"
top=$(cd "$top" && pwd)
command -v rpmbuild >/dev/null 2>&1 || {
	echo "build-rpm.sh: rpmbuild is missing (Debian: apt-get install rpm; RHEL: dnf install rpm-build)" >&2
	exit 2
}

version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$src/packaging/rpm/phiguard.spec")
[ "$version" = "$spec_version" ] ||
	echo "build-rpm.sh: warning: phiguard.spec says $spec_version, meson.build says $version" >&2

mkdir -p "$top/SOURCES" "$top/BUILD" "$top/RPMS" "$top/SRPMS" "$top/SPECS"
tarball=$top/SOURCES/phiguard-$spec_version.tar.gz
(cd "$src" && tar --exclude-vcs --exclude='./build*' --exclude='./obj-*' \
	--exclude='./debian-out' --exclude='./debian' --exclude='./rpmbuild' \
	--transform "s|^\./|phiguard-$spec_version/|" -czf "$tarball" .)

set -- --define "_topdir $top"
[ -f "$src/docs/man/phiguard-policy.5" ] && set -- "$@" --define "with_policy_man 1"
[ -f "$src/policy/default.yaml" ] && set -- "$@" --define "with_default_policy 1"
rpm -q glibc >/dev/null 2>&1 || set -- "$@" --nodeps
rpmbuild -bb "$@" "$src/packaging/rpm/phiguard.spec"
ls "$top"/RPMS/*/phiguard-*.rpm
