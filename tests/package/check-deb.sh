#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package, as an operator meets it: built from a copy of the
# sources with dpkg-buildpackage, checked by lintian, installed with apt-get
# on this machine, its configuration accepted by `vhostd -n`, the installed
# vhostd started and reached with the installed vhostctl (as a member of the
# package's group), then removed and purged.  The host is left as found:
# the test refuses to run (and fails) where a vhostd package, /etc/vhostd or
# /var/lib/vhostd is already there, since purging would take them away.
#
# Usage: check-deb.sh SOURCE_DIR        (as root; debian/ is in SOURCE_DIR)
set -eu
src=$(cd "$1" && pwd)
# Debian's tools and, once installed, the package's programs: not a
# `meson install` copy in /usr/local.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
pkg=vhostd
tap=vdeb$$
prefix=vhostd-deb-$$
export DEBIAN_FRONTEND=noninteractive
apt_opts="-y -q -o DPkg::Lock::Timeout=120"

fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }

# --- Preconditions: refuse, with the reason, rather than touch what is not ours.
[ "$(id -u)" = 0 ] || fail "run as root (apt-get install, TAP interface)"
for tool in dpkg-buildpackage dh lintian fakeroot apt-get; do
	command -v "$tool" >/dev/null ||
		fail "$tool is missing: tools/setup-host.sh installs it (debhelper, lintian, fakeroot, dpkg-dev)"
done
status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
case "$status" in
"" | not-installed) ;;
*) fail "package $pkg is on this host (status: $status); this test installs and purges it: run it where vhostd is not installed" ;;
esac
for path in /etc/vhostd /var/lib/vhostd; do
	[ ! -e "$path" ] || fail "$path exists; purging the package would delete it: move it away first"
done
had_user=no had_group=no
getent passwd "$pkg" >/dev/null && had_user=yes
getent group "$pkg" >/dev/null && had_group=yes
ip link show "$tap" >/dev/null 2>&1 && fail "interface $tap exists"
# The package's upstream version is the project's (meson.build).
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=$(sed -n "s/^[[:space:]]*version: '\([^']*\)',.*/\1/p" "$src/meson.build" | head -n 1)
[ "${version%-*}" = "$upstream" ] || fail "debian/changelog says $version, meson.build $upstream"
deb_name=${pkg}_${version}_amd64

tmp=$(mktemp -d /tmp/check-deb.XXXXXX)
chmod 0755 "$tmp"	# apt's _apt user reads the .deb; vhostd's user reaches the socket
daemon=""
installed=no
pulled=""
cleanup() {
	rc=$?
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		kill -TERM "$daemon"; wait "$daemon" 2>/dev/null || true
	fi
	if [ "$installed" = yes ]; then
		dpkg --purge "$pkg" >/dev/null 2>&1 || echo "cleanup: dpkg --purge $pkg failed"
	fi
	# Dependencies apt-get pulled in for the package go too (only those:
	# other packages installed meanwhile are not the test's).
	if [ -n "$pulled" ]; then
		echo "cleanup: purging what the install pulled in:" $pulled
		apt-get purge $apt_opts $pulled >/dev/null 2>&1 || echo "cleanup: could not purge" $pulled
	fi
	# The package leaves its system account behind on purge (Debian's
	# practice); the account is the test's to remove when it made it.
	[ "$had_user" = yes ] || ! getent passwd "$pkg" >/dev/null || deluser --system --quiet "$pkg" >/dev/null 2>&1 || true
	[ "$had_group" = yes ] || ! getent group "$pkg" >/dev/null || delgroup --system --quiet "$pkg" >/dev/null 2>&1 || true
	ip link del "$tap" 2>/dev/null || true
	rm -rf "$tmp" "/run/dpdk/$prefix"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- Build, in a copy: dpkg-buildpackage writes into the source's parent.
step "dpkg-buildpackage -us -uc -b (in a copy of the sources)"
mkdir "$tmp/$pkg-$upstream"
if [ -e "$src/.git" ] && command -v git >/dev/null; then
	# Tracked and new files, not build directories or other ignored ones.
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$tmp/$pkg-$upstream"
else
	(cd "$src" && tar --exclude=./build --exclude='./build-*' -cf - .) | tar -xf - -C "$tmp/$pkg-$upstream"
fi
(cd "$tmp/$pkg-$upstream" && dpkg-buildpackage -us -uc -b -j"$(nproc)") > "$tmp/build.log" 2>&1 || {
	tail -40 "$tmp/build.log"; fail "dpkg-buildpackage failed (log above)"; }
deb="$tmp/$deb_name.deb"
[ -f "$deb" ] || fail "dpkg-buildpackage made no $deb_name.deb: $(ls "$tmp")"

# --- What is in it.
contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/sbin/vhostd /usr/bin/vhostctl /usr/bin/vhost-bench \
	 /lib/systemd/system/vhostd.service /etc/vhostd/vhostd.conf \
	 /usr/share/man/man8/vhostd.8.gz /usr/share/man/man8/vhostctl.8.gz \
	 /usr/share/man/man5/vhostd.conf.5.gz /usr/share/man/man1/vhost-bench.1.gz \
	 /usr/share/doc/vhostd/copyright /usr/share/doc/vhostd/examples/vhostd.conf \
	 /usr/share/vhostd/libvirt/qemu-hook /usr/share/doc/vhostd/examples/libvirt-hook.conf; do
	printf '%s\n' "$contents" | grep -qxF "$f" || fail "$deb_name.deb lacks $f"
done
dpkg-deb -f "$deb" Version | grep -qxF "$version" || fail "package version is not $version"
dpkg-deb --info "$deb" conffiles | grep -qx /etc/vhostd/vhostd.conf ||
	fail "/etc/vhostd/vhostd.conf is not a conffile"
echo "$deb_name.deb: binaries, unit, conffile, man pages in place; its files:"
printf '%s\n' "$contents" | grep -v '/$' | sed 's/^/  /'

# --- lintian: no error or warning, pedantic and info tags shown.  The
# overrides, each with its reason, are in debian/vhostd.lintian-overrides
# (--show-overrides is left out: with it lintian exits 2 on any override).
step "lintian"
lintian --fail-on error,warning --info --pedantic \
	"$tmp/$deb_name.changes" > "$tmp/lintian.log" 2>&1 || {
	grep -v '^running with root privileges' "$tmp/lintian.log"; fail "lintian found problems"; }
grep -v '^running with root privileges' "$tmp/lintian.log" || true
echo "lintian: no errors or warnings; overridden:"
grep -v '^#' "$src/debian/vhostd.lintian-overrides"

# --- Install, as an operator would.
step "apt-get install ./$deb_name.deb"
pulled=$(cd "$tmp" && apt-get install -s $apt_opts "./$deb_name.deb" 2>/dev/null |
	awk '$1 == "Inst" && $2 != "'"$pkg"'" {print $2}')
[ -z "$pulled" ] || echo "apt-get will also install:" $pulled
installed=yes
(cd "$tmp" && apt-get install $apt_opts "./$deb_name.deb") > "$tmp/apt.log" 2>&1 || {
	cat "$tmp/apt.log"; fail "apt-get install failed"; }
[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg")" = "ii " ] || fail "$pkg is not installed after apt-get install"
for f in /usr/sbin/vhostd /usr/bin/vhostctl /usr/bin/vhost-bench; do
	[ -x "$f" ] || fail "$f is not installed"
done
[ "$(command -v vhostctl)" = /usr/bin/vhostctl ] || fail "vhostctl on PATH is not /usr/bin/vhostctl"
uid=$(getent passwd "$pkg" | cut -d: -f3) || fail "no user $pkg after install"
shell=$(getent passwd "$pkg" | cut -d: -f7)
[ "$uid" -lt 1000 ] || fail "user $pkg is not a system user (uid $uid)"
case "$shell" in */nologin | */false) ;; *) fail "user $pkg has a login shell: $shell" ;; esac
getent group "$pkg" >/dev/null || fail "no group $pkg after install"
[ "$(id -gn "$pkg")" = "$pkg" ] || fail "user $pkg's group is $(id -gn "$pkg"), not $pkg"
# Installed, not enabled: the operator enables it once the config fits.
[ ! -e /etc/systemd/system/multi-user.target.wants/vhostd.service ] ||
	fail "vhostd.service was enabled on install"
out=$(systemd-analyze verify /lib/systemd/system/vhostd.service 2>&1) && [ -z "$out" ] ||
	fail "systemd-analyze verify of the installed unit: $out"
echo "installed: user $pkg (uid $uid, $shell), group $pkg, unit not enabled"

# --- The installed configuration is valid as shipped.
step "vhostd -n -c /etc/vhostd/vhostd.conf"
/usr/sbin/vhostd -n -c /etc/vhostd/vhostd.conf || fail "the installed configuration does not pass vhostd -n"

# --- Start the installed vhostd on the installed configuration, with this
# test's own TAP name, sockets, state directory and DPDK file prefix (and
# no hugepages: they are shared with the other tests).
step "/usr/sbin/vhostd -c (the installed configuration, made private to this test)"
conf="$tmp/vhostd.conf"
sed -e "s|iface=vhostd0|iface=$tap|" -e "s|/run/vhostd/|$tmp/|g" \
	-e "s|^hugepages = yes|hugepages = no\nmemory = 256\nfile-prefix = $prefix\nstate-dir = $tmp/state|" \
	/etc/vhostd/vhostd.conf > "$conf"
grep -q "^file-prefix = $prefix" "$conf" || fail "could not derive a private configuration from the installed one"
grep -q '/run/vhostd' "$conf" && fail "the private configuration still names /run/vhostd"
/usr/sbin/vhostd -c "$conf" > "$tmp/vhostd.log" 2>&1 &
daemon=$!
i=0
until grep -q "ready:" "$tmp/vhostd.log"; do
	kill -0 "$daemon" 2>/dev/null || { cat "$tmp/vhostd.log"; daemon=""; fail "vhostd exited at start"; }
	i=$((i + 1)); [ "$i" -lt 300 ] || { cat "$tmp/vhostd.log"; fail "vhostd not ready in 30 s"; }
	sleep 0.1
done
grep "ready:" "$tmp/vhostd.log"
ip link show "$tap" >/dev/null 2>&1 || fail "no TAP interface $tap: the uplink of the installed configuration"

# vhostctl, as root and as a member of the package's group only.
sock="$tmp/control.sock"
list=$(vhostctl -s "$sock" guest list) || fail "vhostctl guest list failed"
printf '%s\n' "$list"
printf '%s\n' "$list" | grep -qw vm1 || fail "vhostctl guest list does not show vm1"
[ "$(stat -c '%G %a' "$sock")" = "$pkg 660" ] ||
	fail "control socket is $(stat -c '%U:%G %a' "$sock"), not group $pkg mode 660"
setpriv --reuid="$pkg" --regid="$pkg" --clear-groups /usr/bin/vhostctl -s "$sock" guest list >/dev/null ||
	fail "a member of group $pkg cannot use vhostctl"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/vhostctl -s "$sock" guest list \
	>/dev/null 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "vhostctl as nobody (not in group $pkg) exited $rc, not 3 (permission denied)"
echo "vhostctl: root and group $pkg get through, nobody is refused"

kill -TERM "$daemon"
rc=0; wait "$daemon" || rc=$?
daemon=""
[ "$rc" = 0 ] || { tail -20 "$tmp/vhostd.log"; fail "vhostd exited $rc on SIGTERM"; }
! ip link show "$tap" >/dev/null 2>&1 || fail "TAP interface $tap outlived vhostd"

# --- Remove: programs go, the edited configuration and state stay.
step "apt-get remove $pkg"
mkdir -p /var/lib/vhostd	# as systemd's StateDirectory= would have made it
touch /var/lib/vhostd/guests.persisted
echo "; edited by the operator" >> /etc/vhostd/vhostd.conf
apt-get remove $apt_opts "$pkg" > "$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; fail "apt-get remove failed"; }
for f in /usr/sbin/vhostd /usr/bin/vhostctl /usr/bin/vhost-bench /lib/systemd/system/vhostd.service; do
	[ ! -e "$f" ] || fail "$f is still there after remove"
done
grep -q "edited by the operator" /etc/vhostd/vhostd.conf || fail "remove did not keep the conffile"
[ -e /var/lib/vhostd/guests.persisted ] || fail "remove deleted /var/lib/vhostd"
[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg")" = config-files ] || fail "$pkg is not in config-files state"
echo "removed: programs gone; /etc/vhostd/vhostd.conf and /var/lib/vhostd kept"

# --- Purge: nothing of the package is left but its system account.
step "apt-get purge $pkg"
apt-get purge $apt_opts "$pkg" > "$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; fail "apt-get purge failed"; }
installed=no
for f in /etc/vhostd /var/lib/vhostd; do
	[ ! -e "$f" ] || fail "$f is still there after purge"
done
status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
case "$status" in "" | not-installed) ;; *) fail "$pkg is '$status' after purge" ;; esac
getent passwd "$pkg" >/dev/null || fail "purge removed the system user $pkg (Debian keeps system accounts)"
echo "purged: /etc/vhostd and /var/lib/vhostd gone; system user $pkg kept, as Debian does"
echo "1 passed, 0 failed"
