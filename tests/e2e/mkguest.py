#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Build the end-to-end test guest from Debian's packages: the kernel from
/boot and a gzip'd cpio initramfs with busybox-static, the virtio-net
modules and an /init that configures eth0 and then serves commands on the
second serial port (ttyS1).  Nothing binary is committed; the image is
rebuilt when the kernel, busybox or this file change.

    mkguest.py OUTDIR        prints OUTDIR/vmlinuz and OUTDIR/initrd.gz

Installs linux-image-amd64, busybox-static and qemu-system-x86 with apt-get
when they are missing (needs root).
"""
import fcntl
import glob
import gzip
import hashlib
import io
import lzma
import os
import shutil
import stat
import subprocess
import sys

PACKAGES = ["linux-image-amd64", "busybox-static", "qemu-system-x86"]
BUSYBOX = "/bin/busybox"

# Load order measured on Debian 12's 6.1 kernel (FIELD-NOTES): each module
# after the ones it depends on.
MODULES = [
    "kernel/drivers/virtio/virtio_ring",
    "kernel/drivers/virtio/virtio",
    "kernel/drivers/virtio/virtio_pci_legacy_dev",
    "kernel/drivers/virtio/virtio_pci_modern_dev",
    "kernel/drivers/virtio/virtio_pci",
    "kernel/net/core/failover",
    "kernel/drivers/net/net_failover",
    "kernel/drivers/net/virtio_net",
]

# The guest's PID 1.  Kernel parameters it reads:
#   e2e.ip=ADDR/LEN  address of eth0          e2e.mtu=N   MTU of eth0
# Protocol on /dev/ttyS1 (raw, no echo), one command per line:
#   host:  "<id> <base64 of a shell command>\n"
#   guest: the command's stdout and stderr, then "@@E2E-END <id> <status>\n"
# The guest announces every boot with "@@E2E-READY <boot id>\n" on ttyS1
# and on the console.
INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in @MODULES@; do
	insmod /lib/modules/$m.ko || echo "@@E2E-ERROR insmod $m failed"
done
ip=; mtu=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	e2e.ip=*) ip=${arg#e2e.ip=} ;;
	e2e.mtu=*) mtu=${arg#e2e.mtu=} ;;
	esac
done
ip link set lo up
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /sys/class/net/eth0 ] || echo "@@E2E-ERROR no eth0"
[ -n "$mtu" ] && ip link set eth0 mtu "$mtu"
[ -n "$ip" ] && ip addr add "$ip" dev eth0
ip link set eth0 up
boot=$(cat /proc/sys/kernel/random/boot_id)
echo "@@E2E-READY $boot"
stty -F /dev/ttyS1 raw -echo -icrnl -onlcr
exec </dev/ttyS1 >/dev/ttyS1 2>&1
echo "@@E2E-READY $boot"
while IFS= read -r line; do
	id=${line%% *}
	cmd=$(echo "${line#* }" | base64 -d)
	sh -c "$cmd" </dev/null
	echo "@@E2E-END $id $?"
done
echo "@@E2E-ERROR control channel closed"
exec sleep 1000000
"""


def log(msg):
    print("mkguest: " + msg, file=sys.stderr, flush=True)


def kernels():
    return sorted(glob.glob("/boot/vmlinuz-6.1*"))


def ensure_packages():
    missing = []
    if not kernels():
        missing.append("linux-image-amd64")
    if not os.path.exists(BUSYBOX):
        missing.append("busybox-static")
    if not shutil.which("qemu-system-x86_64"):
        missing.append("qemu-system-x86")
    if not missing:
        return
    log("installing " + " ".join(missing))
    cmd = ["apt-get", "install", "-y", "--no-install-recommends"] + missing
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)


def module_bytes(kver, name):
    """The module's ELF image; busybox insmod takes only uncompressed ones."""
    base = "/lib/modules/%s/%s.ko" % (kver, name)
    if os.path.exists(base):
        with open(base, "rb") as f:
            return f.read()
    if os.path.exists(base + ".xz"):
        with lzma.open(base + ".xz") as f:
            return f.read()
    if os.path.exists(base + ".zst"):
        return subprocess.run(["zstd", "-dc", base + ".zst"], check=True,
                              stdout=subprocess.PIPE).stdout
    raise SystemExit("mkguest: module %s not found for kernel %s" % (name, kver))


class Cpio:
    """newc ("070701") archive writer, enough for an initramfs."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", rmaj=0, rmin=0, nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr.encode() + name_b)
        self.buf.write(b"\0" * (-(110 + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, perm=0o644):
        self._entry(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rmaj=major, rmin=minor)

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def build(out):
    kernel = kernels()[-1]
    kver = os.path.basename(kernel)[len("vmlinuz-"):]
    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    with open(__file__, "rb") as f:
        me = f.read()
    key = hashlib.sha256(kver.encode() + busybox + me).hexdigest()
    stamp = os.path.join(out, "stamp")
    try:
        with open(stamp) as f:
            if f.read().strip() == key:
                return
    except FileNotFoundError:
        pass
    log("building the guest initramfs (kernel %s)" % kver)
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "tmp", "run", "lib", "lib/modules"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3)
    c.file("bin/busybox", busybox, 0o755)
    c.symlink("bin/sh", "busybox")
    mods = []
    for m in MODULES:
        short = os.path.basename(m)
        c.file("lib/modules/%s.ko" % short, module_bytes(kver, m))
        mods.append(short)
    c.file("init", INIT.replace("@MODULES@", " ".join(mods)).encode(), 0o755)
    tmp = os.path.join(out, "initrd.gz.tmp")
    with open(tmp, "wb") as f:
        f.write(gzip.compress(c.finish(), compresslevel=6))
    os.replace(tmp, os.path.join(out, "initrd.gz"))
    shutil.copyfile(kernel, os.path.join(out, "vmlinuz.tmp"))
    os.replace(os.path.join(out, "vmlinuz.tmp"), os.path.join(out, "vmlinuz"))
    with open(stamp, "w") as f:
        f.write(key + "\n")


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: mkguest.py OUTDIR")
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)    # one builder at a time
        ensure_packages()
        build(out)
    print(os.path.join(out, "vmlinuz"))
    print(os.path.join(out, "initrd.gz"))


if __name__ == "__main__":
    main()
