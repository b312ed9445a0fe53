#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# rpmbuild accepts packaging/rpm/phiguard.spec and the RPM holds what a RHEL /
# Rocky admin needs: binary, hardened unit, configuration marked noreplace,
# root-only state directories, man page, scriptlets that enable the service
# and clean the firewall on removal, and the RHEL package names as Requires.
set -u
. "$(dirname "$0")/lib-fleet.sh"

require_root
require_tools rpmbuild rpm tar
work=$(mktemp -d /tmp/phiguard-rpm.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

step "rpmbuild -bb"
sh "$PHIGUARD_SOURCE_ROOT/packaging/rpm/build-rpm.sh" "$work/top" >"$work/build.out" 2>&1 ||
	{ tail -n 60 "$work/build.out"; fail "build-rpm.sh failed"; }
rpmfile=$(ls "$work"/top/RPMS/*/phiguard-[0-9]*.rpm 2>/dev/null | head -n 1)
[ -f "$rpmfile" ] || fail "no phiguard RPM produced"
ok "built $(basename "$rpmfile")"

q() { rpm -qp "$@" "$rpmfile" 2>/dev/null; }
q -lv >"$work/files"
expect_entry() { # MODE-STRING PATH
	grep -Eq "^$1 +[0-9]+ +root +root .* $2\$" "$work/files" || fail "RPM lacks $1 root:root $2"
	ok "$2 $1"
}
expect_entry '-rwxr-xr-x' /usr/sbin/phiguard
expect_entry '-rw-r--r--' /usr/lib/systemd/system/phiguard.service
expect_entry '-rw-r--r--' /etc/phiguard/agent.yaml
expect_entry 'drwxr-xr-x' /etc/phiguard/policy.d
expect_entry 'drwx------' /etc/phiguard/tls
expect_entry 'drwx------' /var/lib/phiguard
expect_entry 'drwx------' /var/lib/phiguard/spool
expect_entry 'drwx------' /var/lib/phiguard/policy
expect_entry '-rwxr-xr-x' /usr/libexec/phiguard/cleanup-firewall
grep -Eq ' /usr/share/man/man8/phiguard\.8(\.gz)?$' "$work/files" || fail "no phiguard(8) in the RPM"
ok "phiguard(8) packaged"
q -c | grep -qx /etc/phiguard/agent.yaml || fail "agent.yaml is not %config"
[ "$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpmfile" 2>/dev/null |
	sed -n 's|^/etc/phiguard/agent.yaml ||p')" = cn ] || fail "agent.yaml is not %config(noreplace)"
ok "agent.yaml is %config(noreplace)"

reqs=$(q -R)
for r in '(hyperscan or vectorscan)' libyaml 'openssl-libs >= 3.0' libnetfilter_queue libmnl libpcap \
	iptables-nft; do
	printf '%s\n' "$reqs" | grep -qxF "$r" || fail "Requires: $r missing"
done
ok "Requires names the RHEL packages"
scripts=$(q --scripts)
printf '%s\n' "$scripts" | grep -q 'systemctl enable phiguard.service' || fail "%post does not enable the service"
printf '%s\n' "$scripts" | grep -q '/usr/libexec/phiguard/cleanup-firewall' || fail "%preun does not clean the firewall"
ok "scriptlets enable the service and clean the firewall on removal"
done_testing
