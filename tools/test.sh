#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite on a fresh Debian 12 machine, as root: installs what
# it needs, reserves hugepages, builds, runs the unit and integration suites
# (meson test prints the summary CI reads).  Extra arguments go to meson test
# (e.g. --suite unit).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/setup-host.sh"
cd "$top"
exec meson test -C "${BUILD_DIR:-build}" --print-errorlogs "$@"
