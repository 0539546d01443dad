#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Prepare a Debian 12 host for vhostd and build it: packages, hugepages,
# meson + ninja.  Idempotent; run as root.  Used by run-default.sh and test.sh.
#
#   BUILD_DIR   build directory (default: build)
#   HUGEPAGES   2 MiB hugepages to have reserved (default: 1024)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-build}
pages=${HUGEPAGES:-1024}

if [ "$(id -u)" != 0 ]; then
	echo "setup-host.sh: run as root (packages, hugepages, TAP devices)" >&2
	exit 1
fi

packages="build-essential pkg-config meson ninja-build dpdk dpdk-dev libdpdk-dev
	libnuma-dev libinih-dev libjansson-dev libsystemd-dev libcmocka-dev python3
	iproute2 ethtool psmisc coreutils tcpdump pandoc systemd libcap2-bin strace
	qemu-system-x86 linux-image-amd64 busybox-static
	libvirt-daemon-system libvirt-clients
	clang libclang-rt-14-dev llvm
	debhelper dpkg-dev fakeroot lintian"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup-host.sh: installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
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

cd "$top"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" >/dev/null
fi
ninja -C "$build"
