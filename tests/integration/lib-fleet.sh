# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the fleet tests (sourced). TAP output; exit 77 = skip.
n_ok=0
skip() { echo "1..0 # SKIP $*"; exit 77; }
require_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
require_tools() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "'$t' is missing (scripts/install-deps.sh)"
	done
}
step() { echo "# $*"; }
ok() { n_ok=$((n_ok + 1)); echo "ok $n_ok - $*"; }
fail() { n_ok=$((n_ok + 1)); echo "not ok $n_ok - $*"; echo "1..$n_ok"; exit 1; }
done_testing() { echo "1..$n_ok"; exit 0; }
# expect_mode PATH OCTAL OWNER GROUP
expect_mode() {
	[ -e "$1" ] || fail "$1 missing"
	got=$(stat -c '%a %U %G' "$1")
	[ "$got" = "$2 $3 $4" ] || fail "$1 is '$got', want '$2 $3 $4'"
	ok "$1 $2 $3:$4"
}
# dpkg_retry ARGS...: dpkg, waiting (up to 5 min) while another package
# manager holds the dpkg lock.
dpkg_retry() {
	i=0
	while :; do
		out=$("$@" 2>&1) && { printf '%s\n' "$out"; return 0; }
		case "$out" in
		*"lock"*) [ $i -lt 100 ] || break ;;
		*) break ;;
		esac
		i=$((i + 1))
		sleep 3
	done
	printf '%s\n' "$out"
	return 1
}
