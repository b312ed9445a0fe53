#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The policy suite (TAP), in parts so they run in parallel:
#  broken   every broken/*.yaml is refused by `policy check` with exit 1 and
#           exactly the `file:line:column: message` in its .expected file;
#           limits that need big inputs (file size) are made on the fly
#  shipped  policy/default.yaml (and the embedded copy) and the examples pass
#           their tests; `check --verbose` figures; failing/*.yaml exits 1
#           with exactly the .expected text
#  good     tests/policy/good/*.yaml pass their tests; show output loads again
#  capture  capture cases through the packet pipeline (PHIGUARD_SHARED)
set -u
: "${PHIGUARD:?PHIGUARD must name the phiguard binary}"
: "${PHIGUARD_SOURCE_ROOT:?}"
here="$PHIGUARD_SOURCE_ROOT/tests/policy"
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

part_broken() {
	cd "$here/broken" || exit 2
	for f in *.yaml; do
		name=${f%.yaml}
		got=$("$PHIGUARD" policy check "$f" 2>&1 >/dev/null)
		rc=$?
		want=$(cat "$name.expected")
		if [ "$rc" -eq 1 ] && [ "$got" = "$want" ]; then
			ok "broken/$f: $want"
		else
			not_ok "broken/$f" "exit $rc (want 1)" "got:  $got" "want: $want"
		fi
	done

	# Size limit: one byte over 1 MiB, made here rather than stored.
	cd "$tmp" || exit 2
	{
		echo 'version: "1"'
		echo 'rules: [{name: a, action: allow}]'
		head -c 1048576 /dev/zero | tr '\0' '#'
	} >big.yaml
	got=$("$PHIGUARD" policy check big.yaml 2>&1 >/dev/null)
	rc=$?
	want="big.yaml:1:1: the policy is larger than 1048576 bytes, the most allowed"
	if [ "$rc" -eq 1 ] && [ "$got" = "$want" ]; then ok "file size limit"; else
		not_ok "file size limit" "exit $rc" "got:  $got" "want: $want"; fi

	out=$("$PHIGUARD" policy check missing.yaml 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ]; then ok "a missing file is an error (exit 2): $out"; else
		not_ok "missing file" "exit $rc (want 2)" "$out"; fi
}

# `policy test` passed: it exited 0 and skipped no case.
test_passed() {
	[ "$2" -eq 0 ] && ! printf '%s' "$1" | grep -q '^SKIP'
}

# `policy test` loads and compiles first, so passing it implies check passes.
test_passing() {
	for f in "$@"; do
		short=${f#"$PHIGUARD_SOURCE_ROOT"/}
		out=$("$PHIGUARD" policy test "$f" 2>&1)
		rc=$?
		if test_passed "$out" "$rc"; then
			ok "test $short: $(printf '%s' "$out" | tail -n 1)"
		else
			not_ok "test $short" "exit $rc" "$out"
		fi
	done
}

part_shipped() {
	test_passing "$PHIGUARD_SOURCE_ROOT/policy/default.yaml" "$PHIGUARD_SOURCE_ROOT"/policy/examples/*.yaml

	f="$PHIGUARD_SOURCE_ROOT/policy/default.yaml"
	out=$("$PHIGUARD" policy check --verbose "$f" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "check --verbose default.yaml"; else not_ok "check default" "$out"; fi
	printf '%s\n' "$out" | sed 's/^/# /'
	out=$("$PHIGUARD" policy test default 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "embedded default policy passes its tests"; else
		not_ok "embedded default policy" "$out"; fi

	cd "$here/failing" || exit 2
	for f in *.yaml; do
		name=${f%.yaml}
		got=$("$PHIGUARD" policy test "$f" 2>&1)
		rc=$?
		want=$(cat "$name.expected")
		if [ "$rc" -eq 1 ] && [ "$got" = "$want" ]; then
			ok "failing/$f: the failing case names itself"
		else
			not_ok "failing/$f" "exit $rc (want 1)" "got:" "$got" "want:" "$want"
		fi
	done
}

part_good() {
	test_passing "$here"/good/*.yaml

	# show's output is itself a policy that loads
	"$PHIGUARD" policy show "$here/good/rule-forms.yaml" >"$tmp/shown.yaml" 2>&1
	out=$("$PHIGUARD" policy check "$tmp/shown.yaml" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "show output loads again"; else
		not_ok "show output loads again" "exit $rc" "$out"; fi
}

part_capture() {
	# Capture cases: real captures through the pipeline, found through PHIGUARD_SHARED.
	if [ -r "${PHIGUARD_SHARED:-/nonexistent}/pcap/ndpi/signal.pcap" ]; then
		sed "s|@SHARED@|$PHIGUARD_SHARED|g" "$here/capture/captures.yaml.in" >"$tmp/captures.yaml"
		out=$("$PHIGUARD" policy test "$tmp/captures.yaml" 2>&1)
		rc=$?
		if test_passed "$out" "$rc"; then
			ok "capture cases: $(printf '%s' "$out" | tail -n 1 | sed 's|.*: ||')"
		else
			not_ok "capture cases" "exit $rc" "$out"
		fi
	else
		n=$((n + 1))
		echo "ok $n - capture cases # SKIP no captures under PHIGUARD_SHARED"
	fi
}

case "${1:-all}" in
broken) part_broken ;;
shipped) part_shipped ;;
good) part_good ;;
capture) part_capture ;;
all) part_broken; part_shipped; part_good; part_capture ;;
*) echo "usage: run-corpus.sh [broken|shipped|good|capture|all]" >&2; exit 2 ;;
esac

echo "1..$n"
[ "$failed" -eq 0 ]
