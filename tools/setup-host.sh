#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Prepare a Debian 12 host for vhostd and build it: packages, hugepages,
# meson + ninja.  Idempotent; run as root.  Used by run-default.sh (what
# building and running vhostd needs) and by test.sh with --test (that, plus
# the test peers: cmocka, QEMU and a guest kernel, clang for the fuzzers,
# pandoc for the man pages the install test checks).  Prints one line per
# phase with its time, and apt's and ninja's own progress.
#
#   setup-host.sh [--test] [TARGET...]     (ninja targets; default: all)
#
#   BUILD_DIR   build directory (default: build)
#   HUGEPAGES   2 MiB hugepages to have reserved (default: 1024)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-build}
pages=${HUGEPAGES:-1024}
tests=false
if [ "${1:-}" = --test ]; then
	tests=true
	shift
fi

if [ "$(id -u)" != 0 ]; then
	echo "setup-host.sh: run as root (packages, hugepages, TAP devices)" >&2
	exit 1
fi

start=$(date +%s)
phase() {
	echo "setup-host.sh: $1 ($(($(date +%s) - start)) s)"
}

# Building and running vhostd.  dpdk-dev brings dpdk-testpmd, dpdk-dumpcap
# and dpdk-telemetry.py (README.md, "Operate"); dpdk, dpdk-devbind.py.
# python3-matplotlib: the plots of tools/bench/compare.py's scenarios.
packages="build-essential pkg-config meson ninja-build python3 dpdk dpdk-dev libdpdk-dev
	libnuma-dev libinih-dev libjansson-dev libsystemd-dev iproute2
	python3-matplotlib"
# The test suite only (tools/test.sh, CI): cmocka, the QEMU and libvirt
# peers and a guest kernel, clang for the fuzzers, pandoc for the man
# pages, capsh/setpriv and strace for the privilege and control-socket
# tests, the Debian packaging tools for the package test.
if [ "$tests" = true ]; then
	packages="$packages libcmocka-dev ethtool psmisc coreutils tcpdump pandoc systemd
		libcap2-bin strace
		qemu-system-x86 linux-image-amd64 busybox-static
		libvirt-daemon-system libvirt-clients
		clang libclang-rt-14-dev llvm
		debhelper dpkg-dev fakeroot lintian"
fi
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	phase "installing$missing"
	apt-get update
	# --force-unsafe-io: no fsync per unpacked file, which dominated a
	# first install on these VMs' disks; a crash mid-install means running
	# this again, not a broken host.
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		-o Dpkg::Options::=--force-unsafe-io $missing
	phase "packages installed"
fi

# Hugepages: reserve (never shrink what the host already has) and mount.
have=$(cat /proc/sys/vm/nr_hugepages)
if [ "$have" -lt "$pages" ]; then
	echo "$pages" > /proc/sys/vm/nr_hugepages
	have=$(cat /proc/sys/vm/nr_hugepages)
	[ "$have" -ge "$pages" ] || echo "setup-host.sh: only $have of $pages hugepages could be reserved" >&2
fi
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages

# The unit tests need cmocka, which only --test installs: a build for
# running leaves them out, and --test turns them on in the same directory.
cd "$top"
if [ ! -f "$build/build.ninja" ]; then
	phase "configuring $build (tests: $tests)"
	meson setup "$build" -Dtests="$tests" >/dev/null
elif [ "$tests" = true ] && [ -n "$missing" ]; then
	# Again from scratch: pandoc (the man pages) may be new.
	phase "reconfiguring $build (tests: true)"
	meson setup --reconfigure "$build" -Dtests=true >/dev/null
elif [ "$tests" = true ]; then
	meson configure "$build" -Dtests=true >/dev/null
fi
phase "building $build${*:+: $*}"
ninja -C "$build" "$@"
phase "built"
