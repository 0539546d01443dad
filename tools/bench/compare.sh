#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Side-by-side throughput: vhostd vs dpdk-testpmd's vhost PMD (io forwarding)
# vs OVS-DPDK 3.1 (when installed), with vhost-bench as the guest.  Prepares
# the host (packages, hugepages, build: tools/setup-host.sh), then runs
# tools/bench/compare.py; see docs/performance.md.  As root.
#
#   tools/bench/compare.sh [--install-ovs] [--no-setup] [compare.py options]
#
#   --install-ovs   apt-get install openvswitch-switch-dpdk if it is missing
#                   (its service is not started: OVS runs from a /tmp run dir)
#   --no-setup      skip tools/setup-host.sh (host already prepared and built)
#   --reps N        repetitions per scenario and system (default 5)
#   --duration S    measurement window (default 5), --warmup S (default 2)
#   --systems LIST  subset of vhostd,testpmd,ovs
#   --scenarios L   subset of the scenarios (--list prints them)
#   --results DIR   where tables, CSV/JSON and the plot go
#                   (default /tmp/vhost-bench-results/DATE)
#   --build DIR     meson build directory (default build)
#   --backend-cpu N / --guest-cpu N   (defaults 1 / 0)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
install_ovs=0
setup=1
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac

for a in "$@"; do
	case "$a" in
	--install-ovs) install_ovs=1 ;;
	--no-setup) setup=0 ;;
	-h|--help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "compare.sh: run as root (hugepages, DPDK)" >&2
	exit 1
fi

# apt-get without starting any service a package ships (OVS's would start a
# system ovs-vswitchd): a policy-rc.d for the duration, if there is none.
apt_install() {
	policy=/usr/sbin/policy-rc.d
	made=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 755 "$policy"
		made=1
	fi
	rc=0
	apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
		>/dev/null || rc=$?
	[ "$made" = 0 ] || rm -f "$policy"
	return $rc
}

if [ "$setup" = 1 ]; then
	BUILD_DIR=$build "$top/tools/setup-host.sh"
fi
command -v gnuplot >/dev/null 2>&1 || apt_install gnuplot-nox ||
	echo "compare.sh: gnuplot-nox could not be installed: no plot" >&2
if [ "$install_ovs" = 1 ] && [ ! -x /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ]; then
	apt_install openvswitch-switch-dpdk
fi
# Each run holds at most: backend 256-512 MB + guest 256 MB of 2 MiB pages.
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free:-0}" -lt 400 ]; then
	echo "compare.sh: only ${free:-0} free 2 MiB hugepages; 400 or more are needed" >&2
	exit 1
fi

# Drop our own options, pass the rest on.
n=$#
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	n=$((n - 1))
	case "$a" in
	--install-ovs|--no-setup) ;;
	*) set -- "$@" "$a" ;;
	esac
done
cd "$top"
exec python3 "$top/tools/bench/compare.py" --build "$build" "$@"
