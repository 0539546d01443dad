#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build vhostd and start it on its embedded default configuration: a TAP
# uplink (vhostd0) and one guest socket, /run/vhostd/vm1.sock.  No NIC needed.
# Installs only what building and running needs (tools/setup-host.sh), and
# links vhostd and vhostctl into /usr/local (rm them to undo; a file there
# that is not such a link is left alone).  Extra arguments go to vhostd
# (e.g. -c FILE).  Stop with Ctrl-C.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/${BUILD_DIR:-build}
# The two programs only: vhost-bench and the rest wait for test.sh or ninja.
"$top/tools/setup-host.sh" src/vhostd tools/vhostctl/vhostctl

# README.md and the man pages call them by name.
link() {
	if [ -e "$2" ] && [ ! -L "$2" ]; then
		echo "run-default.sh: $2 exists and is not a link: left alone" >&2
		return
	fi
	mkdir -p "$(dirname "$2")"
	ln -sfn "$1" "$2"
	echo "run-default.sh: $2 -> $1"
}
link "$build/src/vhostd" /usr/local/sbin/vhostd
link "$build/tools/vhostctl/vhostctl" /usr/local/bin/vhostctl

echo "vhostd: starting; connect QEMU to /run/vhostd/vm1.sock (see README.md), Ctrl-C stops"
exec "$build/src/vhostd" "$@"
