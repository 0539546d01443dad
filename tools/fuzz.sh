#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The libFuzzer targets of tests/fuzz (docs/security.md, "Fuzzing and
# sanitizers"): builds them with clang, ASan and UBSan in their own build
# directory, then runs the "fuzz" suite: every regression input once, and
# each target for FUZZ_SECONDS from its seed corpus.  A crash, a leak, a
# sanitizer report or a failed check fails the suite; the input that did it
# is in BUILD/tests/fuzz/corpus-TARGET/crashes/.  Run by test.sh; needs the
# packages setup-host.sh --test installs (clang, libclang-rt-14-dev, llvm).
#
#   FUZZ_DIR      build directory (default: build-fuzz)
#   FUZZ_SECONDS  seconds per target (default: 60)
# Extra arguments go to meson test (e.g. fuzz-ctl for one target).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${FUZZ_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
cd "$top"
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null
fi
meson configure "$dir" -Dfuzz_seconds="$seconds" >/dev/null
ninja -C "$dir"
[ "$#" -gt 0 ] || set -- --suite fuzz
exec meson test -C "$dir" --print-errorlogs "$@"
