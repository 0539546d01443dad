# SPDX-License-Identifier: BSD-3-Clause
"""The e2e guest run by a real libvirtd (Debian's libvirt-daemon-system) as
its unprivileged user (libvirt-qemu, group kvm), as a packaged host runs it.

Libvirtd uses the running libvirtd and virtlogd, or starts them (PID 1 may
not be systemd) and stops at the end only what it started; it can install
the qemu hook first (libvirt 9.0 looks for hooks only when libvirtd starts)
and puts back whatever /etc/libvirt/hooks/qemu held.  LibvirtGuest defines
and starts the domain with virsh, and destroys and undefines it at the end.
Everything QEMU opens is in a directory of the test that group kvm may
use: the vhost-user socket, the serial sockets, copies of the kernel and
initramfs (libvirt chowns them while the domain runs).
"""
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time

from e2e import GUEST_IP, PREFIX, Qemu, Skip, check, guest_image, log, wait_for

URI = "qemu:///system"
HOOK = "/etc/libvirt/hooks/qemu"
RUN_DIR = "/run/libvirt"
DAEMONS = (("virtlogd", "/run/virtlogd.pid"), ("libvirtd", "/run/libvirtd.pid"))

# The domain: the guest of e2e.Qemu.  <source mode> is QEMU's side of the
# socket.  vectors=0 (TCG, docs/qemu.md) has no XML attribute: libvirt >= 8.2
# sets it with <qemu:override> on the interface's alias.
DOMAIN_XML = """<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{name}</name>
  <memory unit='MiB'>{mem}</memory>
  <vcpu>{vcpus}</vcpu>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{append}</cmdline>
  </os>
  <on_reboot>restart</on_reboot>
  <devices>
    <interface type='vhostuser'>
      <mac address='{mac}'/>
      <source type='unix' path='{sock}' mode='{mode}'>{reconnect}</source>
      <model type='virtio'/>
      <driver queues='{queues}' packed='{packed}'/>
      <alias name='ua-net0'/>
    </interface>
    <serial type='file'>
      <source path='{console}'/>
      <target port='0'/>
    </serial>
    <serial type='unix'>
      <source mode='bind' path='{ctl}'/>
      <target port='1'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:override>
    <qemu:device alias='ua-net0'>
      <qemu:frontend>
        <qemu:property name='vectors' type='unsigned' value='0'/>
      </qemu:frontend>
    </qemu:device>
  </qemu:override>
</domain>
"""


def virsh(*args, ok=True):
    r = subprocess.run(["virsh", "-c", URI] + list(args), capture_output=True, text=True,
                       timeout=120)
    if ok:
        check(r.returncode == 0, "virsh %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
    return r


def _running(pidfile, comm):
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        with open("/proc/%d/comm" % pid) as f:
            return pid if f.read().strip() == comm else None
    except (OSError, ValueError):
        return None


def vm_dir(ctx):
    """The test's directory for what QEMU (libvirt-qemu, group kvm) opens or
    creates; the test's own directory above it becomes traversable."""
    d = ctx.path("vm")
    if not os.path.isdir(d):
        os.mkdir(d)
        os.chown(d, 0, grp.getgrnam("kvm").gr_gid)
        os.chmod(d, 0o2770)
        os.chmod(ctx.dir, 0o711)
    return d


class Libvirtd:
    def __init__(self, ctx, hook=None):
        """hook: a script to install as /etc/libvirt/hooks/qemu for the test."""
        self.ctx = ctx
        self.started = []
        self.saved = None
        # libvirtd and virtlogd make it; it goes when they were ours and it was not there.
        self.fresh_run = not os.path.exists(RUN_DIR)
        ctx.finalizers.append(self.stop)
        if hook is not None:
            if _running(DAEMONS[1][1], "libvirtd"):
                raise Skip("libvirtd already runs and libvirt 9.0 finds hooks only at its "
                           "start: stop it to run this test")
            self._install_hook(hook)
        for comm, pidfile in DAEMONS:
            if _running(pidfile, comm):
                continue
            r = subprocess.run([comm, "-d"], capture_output=True, text=True, timeout=30)
            check(r.returncode == 0, "%s -d: %s" % (comm, r.stderr))
            pid = wait_for(lambda: _running(pidfile, comm), 20, "%s to start" % comm)
            self.started.append((comm, pid))
            log("started %s (pid %d)" % (comm, pid))
        wait_for(lambda: virsh("version", ok=False).returncode == 0, 30, "libvirtd to answer")

    def _install_hook(self, script):
        if os.path.islink(HOOK):
            self.saved = ("link", os.readlink(HOOK))
        elif os.path.exists(HOOK):
            st = os.stat(HOOK)
            with open(HOOK, "rb") as f:
                self.saved = ("file", f.read(), st.st_mode & 0o7777)
        else:
            self.saved = ("none",)
        tmp = HOOK + ".vhostd-e2e"
        with open(tmp, "w") as f:
            f.write(script)
        os.chmod(tmp, 0o755)
        os.replace(tmp, HOOK)

    def _restore_hook(self):
        kind = self.saved[0]
        if kind == "link":
            os.unlink(HOOK)
            os.symlink(self.saved[1], HOOK)
        elif kind == "file":
            with open(HOOK, "wb") as f:
                f.write(self.saved[1])
            os.chmod(HOOK, self.saved[2])
        else:
            os.unlink(HOOK)
        self.saved = None

    def stop(self):
        """Stop what was started (libvirtd first), then put the hook back."""
        for comm, pid in reversed(self.started):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            wait_for(lambda: not os.path.exists("/proc/%d" % pid), 30, "%s to stop" % comm)
        if self.started and self.fresh_run:
            shutil.rmtree(RUN_DIR, ignore_errors=True)
        self.started = []
        if self.saved is not None:
            self._restore_hook()


class _Pid:
    """Enough of Popen for the QEMU libvirt started."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                with open("/proc/%d/stat" % self.pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        self.returncode = -9
            except FileNotFoundError:
                self.returncode = -9
        return self.returncode


class LibvirtGuest(Qemu):
    """The test guest, defined and started by libvirt.  qemu_mode: libvirt's
    <source mode>, QEMU's side ('client': vhostd listens)."""

    def __init__(self, ctx, name, sock, mac, queues=1, packed=False, qemu_mode="client",
                 mem=256):
        self.ctx = ctx
        self.name = "vhostd-e2e-%s-%s" % (name, ctx.tag)
        vm = vm_dir(ctx)
        self.console = os.path.join(vm, "console-%s.log" % name)
        self.ctl_path = os.path.join(vm, "ctl-%s.sock" % name)
        self.chan_log = open(ctx.path("ctl-%s.log" % name), "w")
        images = []
        for src in guest_image():
            dst = os.path.join(vm, os.path.basename(src))
            shutil.copyfile(src, dst)
            images.append(dst)
        xml = DOMAIN_XML.format(
            name=self.name, mem=mem, vcpus=max(queues, 1), kernel=images[0], initrd=images[1],
            append="console=ttyS0 loglevel=4 panic=0 ipv6.disable=1 e2e.ip=%s/%d" % (
                GUEST_IP, PREFIX),
            mac=mac, sock=sock, mode=qemu_mode,
            # libvirt refuses <reconnect> with mode='server': vhostd reconnects then.
            reconnect="<reconnect enabled='yes' timeout='1'/>" if qemu_mode == "client" else "",
            queues=queues, packed="on" if packed else "off", console=self.console,
            ctl=self.ctl_path)
        self.xml = ctx.path("%s.xml" % name)
        with open(self.xml, "w") as f:
            f.write(xml)
        self.buf = ""
        self.seq = 0
        self.boot_id = None
        self.sock = None
        self.proc = None
        self.defined = self.running = False
        ctx.qemus.append(self)
        virsh("define", self.xml)
        self.defined = True
        self.t_start = time.monotonic()
        virsh("start", self.name)
        self.running = True
        with open("/run/libvirt/qemu/%s.pid" % self.name) as f:
            self.proc = _Pid(int(f.read()))
        self.log = open("/var/log/libvirt/qemu/%s.log" % self.name)
        wait_for(lambda: os.path.exists(self.ctl_path), 60,
                 "libvirt's QEMU to open the serial socket")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.ctl_path)
        self.wait_boot()

    def qemu_user(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            uid = int(re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1))
        return pwd.getpwuid(uid).pw_name

    def log_cmdline(self):
        """The vhost-user part of the command line libvirt gave QEMU."""
        with open("/proc/%d/cmdline" % self.proc.pid, "rb") as f:
            args = [a.decode() for a in f.read().split(b"\0")]
        for i, a in enumerate(args[:-1]):
            if a in ("-chardev", "-netdev", "-device", "-object", "-global") and \
                    re.search(r"vhost-user|ua-net0|memory-backend", args[i + 1]):
                log("libvirt ran QEMU with %s %s" % (a, args[i + 1]))

    def destroy(self):
        """virsh destroy: QEMU is killed, libvirt runs the release hook."""
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.running:
            virsh("destroy", self.name)
            self.running = False
            self.proc.returncode = -9

    def close(self):
        if self.running:
            virsh("destroy", self.name, ok=False)
            self.running = False
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.defined:
            virsh("undefine", self.name, ok=False)
            self.defined = False
            qlog = "/var/log/libvirt/qemu/%s.log" % self.name
            if os.path.exists(qlog):
                shutil.copyfile(qlog, self.ctx.path("libvirt-%s.log" % self.name))
                os.unlink(qlog)
