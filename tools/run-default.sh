#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build vhostd and start it on its embedded default configuration: a TAP
# uplink (vhostd0) and one guest socket, /run/vhostd/vm1.sock.  No NIC needed.
# Extra arguments go to vhostd (e.g. -c FILE).  Stop with Ctrl-C.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/setup-host.sh"
echo "vhostd: starting; connect QEMU to /run/vhostd/vm1.sock (see README.md), Ctrl-C stops"
exec "$top/${BUILD_DIR:-build}/src/vhostd" "$@"
