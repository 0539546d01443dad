#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite on a fresh Debian 12 machine, as root: installs what
# it needs, reserves hugepages, builds, and runs every suite (unit,
# integration, e2e with QEMU) on a normal build, the fuzz suite on a clang
# build (tools/fuzz.sh), then unit and integration again on an ASan+UBSan
# build (leaks included, checked at every clean exit of vhostd; the
# hostile-frontend cases, suite "hostile", run in this pass only).  Each pass
# runs only when the one before passed, so the last meson summary printed
# is the one that decides.  Extra arguments go to the normal and ASan
# meson test runs (e.g. --suite unit), and skip the fuzz suite.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-build}
"$top/tools/setup-host.sh" --test
cd "$top"
# The hostile frontend's 34 cases run once, in the sanitizer pass below,
# where a memory error they provoke is caught.
if [ "$#" -eq 0 ]; then
	meson test -C "$build" --print-errorlogs --no-suite hostile
else
	meson test -C "$build" --print-errorlogs "$@"
fi

# The fuzz targets (clang, libFuzzer, ASan+UBSan): the regression inputs,
# then 60 s per target.  With the whole suite only, not a chosen one.
if [ "$#" -eq 0 ]; then
	echo "== the fuzz suite (tools/fuzz.sh)"
	"$top/tools/fuzz.sh"
fi

echo "== the same suites under AddressSanitizer and UndefinedBehaviorSanitizer"
if [ ! -f "$build-asan/build.ninja" ]; then
	meson setup "$build-asan" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$build-asan"
# The QEMU suite (e2e) runs once, in the first pass: under TCG it is slow,
# and it exercises the same daemon code the integration suite does.
[ "$#" -gt 0 ] || set -- --suite unit --suite integration
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	exec meson test -C "$build-asan" --print-errorlogs "$@"
