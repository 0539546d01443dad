#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# meson install puts every piece an operator needs in place (binaries, the
# systemd unit, the example configuration, the man pages), and systemd
# accepts the unit.  Usage: check-install.sh BUILD_DIR
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --no-rebuild --destdir "$dest" --quiet
prefix=$(meson introspect "$build" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
root="$dest$prefix"
fail=0
for f in sbin/vhostd bin/vhostctl bin/vhost-bench lib/systemd/system/vhostd.service \
	 share/doc/vhostd/examples/vhostd.conf share/man/man8/vhostd.8 \
	 share/man/man8/vhostctl.8 share/man/man5/vhostd.conf.5 share/man/man1/vhost-bench.1 \
	 share/doc/vhostd/examples/vhostd.service.d/no-iommu.conf \
	 share/doc/vhostd/examples/vhostd.service.d/af-packet.conf \
	 share/doc/vhostd/examples/vhostd.service.d/socket-owner.conf \
	 share/doc/vhostd/examples/vhostd.service.d/client-sockets.conf \
	 share/vhostd/libvirt/qemu-hook share/doc/vhostd/examples/libvirt-hook.conf; do
	if [ -e "$root/$f" ]; then
		echo "installed: $prefix/$f"
	else
		echo "MISSING: $prefix/$f"
		fail=1
	fi
done
# Operators copy or link the libvirt hook into /etc/libvirt/hooks: it must run as is.
[ -x "$root/share/vhostd/libvirt/qemu-hook" ] || { echo "NOT EXECUTABLE: qemu-hook"; fail=1; }
[ "$fail" = 0 ] || exit 1

# The installed example configuration is valid.
"$root/sbin/vhostd" -n -c "$root/share/doc/vhostd/examples/vhostd.conf"

# systemd reads the unit without complaint (its binaries where meson put them,
# its man pages from the destdir).
unit="$dest/vhostd.service"
sed "s|$prefix/sbin/vhostd|$root/sbin/vhostd|g" "$root/lib/systemd/system/vhostd.service" > "$unit"
out=$(MANPATH="$root/share/man" systemd-analyze verify "$unit" 2>&1) || {
	echo "systemd-analyze verify failed:"; echo "$out"; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify complained:"; echo "$out"; exit 1; }
echo "systemd-analyze verify: vhostd.service OK"

# The same with every opt-in drop-in applied (systemd reads
# vhostd.service.d/ next to the unit file): no unknown key, no bad value.
mkdir "$dest/vhostd.service.d"
cp "$root"/share/doc/vhostd/examples/vhostd.service.d/*.conf "$dest/vhostd.service.d/"
out=$(MANPATH="$root/share/man" systemd-analyze verify "$unit" 2>&1) || {
	echo "systemd-analyze verify with the drop-ins failed:"; echo "$out"; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify with the drop-ins complained:"; echo "$out"; exit 1; }
echo "systemd-analyze verify: vhostd.service with $(ls "$dest/vhostd.service.d" | tr '\n' ' ')OK"
echo "1 passed, 0 failed"
