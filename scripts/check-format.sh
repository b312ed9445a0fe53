#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fails when a tracked C file differs from what the project's .clang-format makes of it.
set -u
cd "${1:-$(dirname "$0")/..}"
command -v clang-format >/dev/null || { echo "clang-format not installed"; exit 77; }
bad=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find agent policy include tests bench -name '*.[ch]')
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run: clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
echo "$bad file(s) not formatted"
[ "$bad" -eq 0 ]
