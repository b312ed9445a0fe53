#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the Debian package from this tree, install it, check what an admin
# gets (files, owners, modes, conffiles, the enabled and hardened unit, man
# pages, a working binary and default policy), then purge it and check that
# nothing is left: no files, no unit, and the firewall as it was, even after
# an agent that was killed left its chains behind.
set -u
. "$(dirname "$0")/lib-fleet.sh"

require_root
require_tools dpkg-buildpackage dh fakeroot dpkg systemd-analyze iptables-save flock
# One package test at a time on a machine (several checkouts may run the suite).
exec 9>/run/lock/phiguard-package-test.lock
flock -w 900 9 || fail "another package test holds /run/lock/phiguard-package-test.lock"
if dpkg-query -W -f '${Status}' phiguard 2>/dev/null | grep -q 'installed'; then
	skip "a phiguard package is already installed here; not touching it"
fi

work=$(mktemp -d /tmp/phiguard-deb.XXXXXX)
ns=pgdeb$$
cleanup() {
	if dpkg-query -W -f '${Status}' phiguard 2>/dev/null | grep -q 'installed'; then
		dpkg_retry dpkg --purge phiguard >/dev/null 2>&1
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fw_snapshot() {
	for t in iptables-save ip6tables-save; do
		"$t" 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
	done
	nft list tables 2>/dev/null
}
fw_snapshot >"$work/fw.before"

# 1. Build (DEB_BUILD_OPTIONS=nocheck: the suites run separately in CI).
step "build the package"
DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" sh "$PHIGUARD_SOURCE_ROOT/packaging/build-deb.sh" \
	"$work/out" >"$work/build.out" 2>&1 || { cat "$work/build.out"; fail "build-deb.sh failed"; }
deb=$(ls "$work"/out/phiguard_*.deb | head -n 1)
[ -f "$deb" ] || fail "no phiguard_*.deb produced"
ok "built $(basename "$deb")"

# 2. Install, pulling dependencies the way an admin would.
step "install"
if ! dpkg_retry dpkg -i "$deb" >"$work/install.out" 2>&1; then
	dpkg_retry apt-get -o DPkg::Lock::Timeout=300 install -f -y >>"$work/install.out" 2>&1 ||
		{ cat "$work/install.out"; fail "install failed"; }
fi
dpkg-query -W -f '${Status}' phiguard | grep -q 'install ok installed' || fail "phiguard not installed"
ok "installed"

# 3. Files, owners and modes.
step "files and modes"
expect_mode /usr/sbin/phiguard 755 root root
expect_mode /etc/phiguard 755 root root
expect_mode /etc/phiguard/agent.yaml 644 root root
expect_mode /etc/phiguard/policy.d 755 root root
expect_mode /etc/phiguard/policy.d/README 644 root root
expect_mode /etc/phiguard/tls 700 root root
expect_mode /var/lib/phiguard 700 root root
expect_mode /var/lib/phiguard/spool 700 root root
expect_mode /var/lib/phiguard/policy 700 root root
expect_mode /usr/libexec/phiguard/cleanup-firewall 755 root root
grep -qx '/etc/phiguard/agent.yaml' /var/lib/dpkg/info/phiguard.conffiles ||
	fail "agent.yaml is not a conffile (an upgrade would overwrite the admin's edits)"
ok "agent.yaml is a conffile"
/usr/sbin/phiguard --version | grep -q "^phiguard $(dpkg-query -W -f '${Version}' phiguard | sed 's/-[^-]*$//')\$" ||
	fail "phiguard --version does not match the package version"
ok "phiguard --version matches the package"

# 4. The unit: installed, enabled, verified, hardened.
step "systemd unit"
unit=$(dpkg -L phiguard | grep '/systemd/system/phiguard.service$' | head -n 1)
[ -n "$unit" ] && [ -f "$unit" ] || fail "phiguard.service not installed"
[ -L /etc/systemd/system/multi-user.target.wants/phiguard.service ] ||
	fail "phiguard.service is not enabled (no multi-user.target.wants link)"
ok "unit $unit installed and enabled"
grep -q '^ExecStart=/usr/sbin/phiguard run --config /etc/phiguard/agent.yaml$' "$unit" ||
	fail "unexpected ExecStart in $unit"
for key in 'Type=notify' 'WatchdogSec=' 'Restart=always' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'ProtectHome=yes' 'PrivateTmp=yes' 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH' \
	'RestrictAddressFamilies=AF_NETLINK AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service'; do
	grep -q "^$key" "$unit" || fail "$unit lacks $key"
done
ok "hardening directives present"
verify=$(systemd-analyze verify "$unit" 2>&1)
[ -z "$verify" ] || fail "systemd-analyze verify: $verify"
ok "systemd-analyze verify: clean"
exposure=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
[ -n "$exposure" ] || fail "no exposure figure from systemd-analyze security"
awk -v e="${exposure% *}" 'BEGIN { exit !(e < 5.0) }' || fail "exposure $exposure is worse than OK"
ok "systemd-analyze security --offline=true: $exposure"

# 5. Man pages.
step "man pages"
[ -f /usr/share/man/man8/phiguard.8.gz ] || fail "phiguard(8) not installed"
if command -v man >/dev/null 2>&1; then
	warnings=$(MANWIDTH=80 man --warnings -l /usr/share/man/man8/phiguard.8.gz 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "phiguard(8) renders with warnings: $warnings"
	MANWIDTH=80 man -l /usr/share/man/man8/phiguard.8.gz 2>/dev/null | grep -q 'phiguard status' ||
		fail "phiguard(8) does not render"
fi
ok "phiguard(8) installed and renders"
if [ -f "$PHIGUARD_SOURCE_ROOT/docs/man/phiguard-policy.5" ]; then
	[ -f /usr/share/man/man5/phiguard-policy.5.gz ] || fail "phiguard-policy(5) not installed"
	ok "phiguard-policy(5) installed"
fi

# What an admin with only the package reads and copies.
step "documentation and examples"
for f in admin-guide.md dpia.md deployment-ansible.md examples/ansible/site.yml; do
	[ -f "/usr/share/doc/phiguard/$f" ] || [ -f "/usr/share/doc/phiguard/$f.gz" ] ||
		fail "/usr/share/doc/phiguard/$f not installed"
done
if [ -f "$PHIGUARD_SOURCE_ROOT/packaging/rsyslog/phiguard-collector.conf" ]; then
	[ -f /usr/share/doc/phiguard/examples/rsyslog/phiguard-collector.conf ] ||
		fail "the rsyslog collector example is not installed"
fi
ok "admin guide, DPIA notes, Ansible and collector examples installed"

# 6. The installed binary checks the installed default policy.
step "default policy"
if [ -f "$PHIGUARD_SOURCE_ROOT/policy/default.yaml" ]; then
	expect_mode /usr/share/phiguard/default.yaml 644 root root
	/usr/sbin/phiguard policy check /usr/share/phiguard/default.yaml >"$work/check.out" 2>&1 ||
		{ cat "$work/check.out"; fail "installed phiguard rejects the installed default policy"; }
	ok "phiguard policy check /usr/share/phiguard/default.yaml: $(tail -n 1 "$work/check.out")"
else
	step "no policy/default.yaml in this tree: nothing to install or check"
fi

# 7. Purge after a killed agent left chains in a namespace: everything goes.
step "purge"
ip netns add "$ns" || fail "cannot create namespace $ns"
ip netns exec "$ns" sh -e -c '
	iptables -N PHIGUARD-OUT; iptables -A PHIGUARD-OUT -p tcp -j NFQUEUE --queue-num 0 --queue-bypass
	iptables -I OUTPUT -j PHIGUARD-OUT
	iptables -A OUTPUT -p udp --dport 9 -j ACCEPT
	ip6tables -t mangle -N PHIGUARD-MARK; ip6tables -t mangle -A POSTROUTING -j PHIGUARD-MARK' ||
	fail "cannot set up leftover chains"
dpkg_retry ip netns exec "$ns" dpkg --purge phiguard >"$work/purge.out" 2>&1 || { cat "$work/purge.out"; fail "purge failed"; }
for p in /usr/sbin/phiguard /etc/phiguard /var/lib/phiguard "$unit" \
	/etc/systemd/system/multi-user.target.wants/phiguard.service /usr/share/man/man8/phiguard.8.gz \
	/usr/libexec/phiguard /usr/share/phiguard; do
	[ ! -e "$p" ] && [ ! -L "$p" ] || fail "$p is still there after purge"
done
dpkg-query -W phiguard >/dev/null 2>&1 && fail "dpkg still knows phiguard after purge"
ok "files, configuration, state, unit and enablement gone"
ip netns exec "$ns" iptables-save | grep -qi phiguard && fail "phiguard chains left in IPv4 after purge"
ip netns exec "$ns" ip6tables-save -t mangle | grep -qi phiguard && fail "phiguard chains left in IPv6 after purge"
ip netns exec "$ns" iptables-save | grep -q -- '-A OUTPUT -p udp -m udp --dport 9 -j ACCEPT' ||
	fail "purge removed a rule that was not phiguard's"
ok "leftover phiguard chains removed, other rules kept"
fw_snapshot >"$work/fw.after"
diff -u "$work/fw.before" "$work/fw.after" >&2 || fail "host firewall differs after install + purge"
ok "host firewall as it was"
done_testing
