#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# clang-tidy (.clang-tidy: analyzer and bug-prone checks, warnings are errors)
# over the product's sources (agent/, policy/) with the build's
# compile_commands.json. gcc-only warning flags in that database are ignored.
set -u
build=$1
src=$(cd "$(dirname "$0")/.." && pwd)
command -v clang-tidy >/dev/null || { echo "clang-tidy not installed"; exit 77; }
cd "$src" || exit 2
out=$(git ls-files 'agent/*.c' 'policy/*.c' 2>/dev/null || find agent policy -name '*.c')
# shellcheck disable=SC2086
echo $out | tr ' ' '\n' | xargs -P2 -n8 clang-tidy -p "$build" --quiet \
	--extra-arg=-Wno-unknown-warning-option >"$build/clang-tidy.log" 2>&1
status=$?
grep -E '(warning|error):' "$build/clang-tidy.log" | sort -u
exit $status
