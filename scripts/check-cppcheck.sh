#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cppcheck over the build's compile_commands.json: warnings and portability issues fail.
set -u
build=$1
command -v cppcheck >/dev/null || { echo "cppcheck not installed"; exit 77; }
exec cppcheck --project="$build/compile_commands.json" --enable=warning,portability \
	--inline-suppr --error-exitcode=1 -q -j2 --suppress='*:/usr/*' \
	--suppress=missingIncludeSystem
