#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as CI runs it: install dependencies, then
#  1. gcc, -Dwerror=true: every suite (unit, policy, fuzz corpus replay, integration);
#  2. clang with ASan+UBSan: the same suites again;
#  3. clang with libFuzzer: each fuzz target briefly on its corpus (FUZZ_SECONDS, default 10).
# Integration tests need root (network namespaces); without it they skip.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "${PHIGUARD_SKIP_DEPS:-0}" != 1 ]; then
	sh scripts/install-deps.sh || exit 2
	# daemons the tests start that are unpacked, not installed
	sh scripts/fetch-test-daemons.sh || exit 2
fi

status=0
run_build() {
	dir=$1
	shift
	rm -rf "$dir"
	if ! meson setup "$dir" "$@" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log"
		echo "test.sh: meson setup $dir failed" >&2
		status=1
		return 1
	fi
	if ! meson compile -C "$dir"; then
		echo "test.sh: build $dir failed" >&2
		status=1
		return 1
	fi
	if ! meson test -C "$dir" --print-errorlogs --num-processes 2; then
		status=1
	fi
}

run_build build-gcc -Dwerror=true
CC=clang run_build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args='-fno-sanitize-recover=all -fno-omit-frame-pointer'

# Short libFuzzer runs: new crashes fail the run; the corpus replay above is the regression test.
fuzz_seconds=${FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" -gt 0 ]; then
	rm -rf build-fuzz
	if CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false >build-fuzz.setup.log 2>&1 && meson compile -C build-fuzz >build-fuzz.log 2>&1; then
		for fz in build-fuzz/tests/fuzz/fuzz-*; do
			case "$fz" in *-replay|*.p) continue ;; esac
			[ -x "$fz" ] || continue
			name=$(basename "$fz" | sed 's/^fuzz-//')
			work=$(mktemp -d)
			cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
			dict=""
			[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
			if "$fz" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
				-artifact_prefix="build-fuzz/$name-" $dict "$work" \
				>"build-fuzz/$name.log" 2>&1; then
				echo "fuzz $name: ok (${fuzz_seconds}s)"
			else
				echo "fuzz $name: FAILED, see build-fuzz/$name.log" >&2
				tail -40 "build-fuzz/$name.log" >&2
				status=1
			fi
			rm -rf "$work"
		done
	else
		cat build-fuzz.setup.log build-fuzz.log 2>/dev/null | tail -40
		echo "test.sh: fuzzing build failed" >&2
		status=1
	fi
fi

# One closing line for people and CI: counts over both builds.
passed=0
failed=0
skipped=0
for log in build-gcc/meson-logs/testlog.json build-asan/meson-logs/testlog.json; do
	[ -f "$log" ] || continue
	p=$(grep -c '"result": "OK"' "$log")
	f=$(grep -Ec '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log")
	s=$(grep -c '"result": "SKIP"' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
if [ $status -ne 0 ] && [ $failed -eq 0 ]; then
	failed=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ $status -eq 0 ] && [ $failed -eq 0 ]
