#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Remove every firewall rule and chain phiguard may have left behind, and only
# those: chains whose names start with "phiguard" (any case), rules in other
# chains that jump to them or carry "phiguard" in a comment, and nftables
# tables named phiguard*. The agent removes its rules itself when it stops;
# this is for package removal after a crash or kill -9 (rules are kept on a
# crash on purpose: with --queue-bypass traffic flows until the restart).
#
#   cleanup-firewall           remove, print what was removed, exit 0
#   cleanup-firewall --check   remove nothing; exit 1 if anything is left
set -u
PATH=/usr/sbin:/sbin:/usr/bin:/bin
check=0
[ "${1:-}" = "--check" ] && check=1
left=0

have() { command -v "$1" >/dev/null 2>&1; }

# One iptables flavour (iptables, ip6tables, iptables-legacy, ...).
clean_xt() {
	bin=$1
	have "$bin-save" && have "$bin-restore" || return 0
	for table in $("$bin-save" 2>/dev/null | sed -n 's/^\*//p'); do
		save=$("$bin-save" -t "$table" 2>/dev/null) || continue
		ours=$(printf '%s\n' "$save" | sed -n 's/^:\([^ ]*\) .*/\1/p' | grep -i '^phiguard')
		foreign=$(printf '%s\n' "$save" | grep '^-A ' | grep -i 'phiguard' |
			  awk '{ if (tolower($2) !~ /^phiguard/) print }')
		[ -z "$ours$foreign" ] && continue
		if [ $check = 1 ]; then
			echo "left in $bin $table: $(echo $ours) $(printf '%s\n' "$foreign" | grep -c .) rule(s)"
			left=1
			continue
		fi
		{
			echo "*$table"
			printf '%s\n' "$foreign" | sed -n 's/^-A /-D /p'
			for c in $ours; do echo "-F $c"; done
			for c in $ours; do echo "-X $c"; done
			echo COMMIT
		} | "$bin-restore" --noflush && echo "removed phiguard rules from $bin $table"
	done
}

clean_nft() {
	have nft || return 0
	nft list tables 2>/dev/null | while read -r _ family name; do
		case "$name" in
		[Pp][Hh][Ii][Gg][Uu][Aa][Rr][Dd]*) ;;
		*) continue ;;
		esac
		if [ $check = 1 ]; then
			echo "left: nft table $family $name"
			exit 1
		fi
		nft delete table "$family" "$name" && echo "removed nft table $family $name"
	done || left=1
}

for bin in iptables ip6tables iptables-legacy ip6tables-legacy; do
	clean_xt "$bin"
done
clean_nft
[ $check = 1 ] && exit $left
exit 0
