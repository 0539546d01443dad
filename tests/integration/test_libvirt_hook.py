#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The libvirt qemu hook (tools/libvirt/qemu-hook, docs/libvirt.md) against a
real vhostd, called exactly as libvirtd calls it: `qemu DOMAIN OP SUBOP -`
with the domain's XML on stdin.  tests/e2e/test_libvirt.py runs it under a
real libvirtd with a booted guest; this one covers the cases a VM cannot
show quickly: both socket modes, idempotence, sockets that are not
vhostd's, vhostd not running, stale and configured guests, and a
migration's order of calls across two hosts (two vhostd instances)."""
import grp
import json
import os
import subprocess
import sys
import types

from harness import Vhostd, check, daemon_conf, run

HOOK = os.environ.get("LIBVIRT_HOOK", "qemu-hook")
VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")

IFACE = """    <interface type='vhostuser'>
      <mac address='{mac}'/>
      <source type='unix' path='{path}' mode='{mode}'/>
      <model type='virtio'/>
      {driver}
    </interface>
"""


def domain_xml(name, ifaces):
    """ifaces: (mac, path, libvirt mode, queues or None)."""
    devs = "".join(IFACE.format(mac=m, path=p, mode=mode,
                                driver="<driver queues='%d'/>" % q if q else "")
                   for m, p, mode, q in ifaces)
    return ("<domain type='qemu'><name>%s</name><memory>262144</memory><devices>\n%s"
            "    <interface type='network'><mac address='52:54:00:00:0b:ff'/>"
            "<source network='default'/></interface>\n</devices></domain>\n" % (name, devs))


class Host:
    """One vhostd and the hook configured for it (as /etc/vhostd/libvirt-hook.conf)."""

    def __init__(self, ctx, name, guests=()):
        self.dir = os.path.join(ctx.dir, name)
        self.socks = os.path.join(self.dir, "sockets")
        os.makedirs(self.socks)
        self.control = os.path.join(self.dir, "control.sock")
        self.vd = Vhostd(ctx, daemon_conf(list(guests), ctx=types.SimpleNamespace(dir=self.dir)),
                         name=name)
        self.conf = os.path.join(self.dir, "libvirt-hook.conf")
        with open(self.conf, "w") as f:
            f.write("[hook]\nvhostctl = %s\ncontrol-socket = %s\nsocket-dirs = %s\n"
                    "socket-group = kvm\nsocket-mode = 0660\n" % (VHOSTCTL, self.control,
                                                                   self.socks))

    def hook(self, domain, op, sub, xml, expect=0):
        r = subprocess.run([sys.executable, HOOK, domain, op, sub, "-"], input=xml,
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, VHOSTD_LIBVIRT_HOOK_CONF=self.conf))
        check(r.returncode == expect, "hook %s %s %s: exit %d, expected %d\nstderr: %s" %
              (domain, op, sub, r.returncode, expect, r.stderr[-2000:]))
        return r

    def guests(self):
        r = subprocess.run([VHOSTCTL, "-s", self.control, "-j", "guest", "list"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "vhostctl guest list: %s" % r.stderr)
        return {g["name"]: g for g in json.loads(r.stdout)["guests"]}

    def state_files(self):
        d = os.path.join(self.dir, "state", "guests")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def sock(self, name):
        return os.path.join(self.socks, name)


def hook_lifecycle(ctx):
    """prepare (twice), the operations it ignores, release (twice); both
    libvirt modes; an interface outside socket-dirs is left alone."""
    h = Host(ctx, "host")
    other = os.path.join(ctx.dir, "ovs", "vhu0")      # another backend's socket
    xml = domain_xml("vm1", [("52:54:00:00:0B:01", h.sock("a.sock"), "client", 2),
                             ("52:54:00:00:0b:02", h.sock("b.sock"), "server", None),
                             ("52:54:00:00:0b:03", other, "client", 4)])
    h.hook("vm1", "prepare", "begin", xml)
    g = h.guests()
    check(sorted(g) == ["vm1-net0", "vm1-net1"], "after prepare vhostd has %s" % sorted(g))
    a, b = g["vm1-net0"], g["vm1-net1"]
    check((a["socket"], a["mode"], a["mac"], a["queues"], a["source"]) ==
          (h.sock("a.sock"), "server", "52:54:00:00:0b:01", 2, "runtime"),
          "vm1-net0 (libvirt mode='client') is %s" % a)
    check((b["socket"], b["mode"], b["mac"], b["queues"]) ==
          (h.sock("b.sock"), "client", "52:54:00:00:0b:02", 1),
          "vm1-net1 (libvirt mode='server') is %s" % b)
    st = os.stat(h.sock("a.sock"))
    check(st.st_gid == grp.getgrnam("kvm").gr_gid and st.st_mode & 0o777 == 0o660,
          "the socket vhostd made for libvirt-qemu is gid %d mode %o, expected kvm 0660" %
          (st.st_gid, st.st_mode & 0o777))
    check(h.state_files() == ["vm1-net0.json", "vm1-net1.json"],
          "saved state after prepare: %s" % h.state_files())
    print("  prepare: %s" % ", ".join("%s %s %s q%d" % (n, x["mode"], x["socket"], x["queues"])
                                      for n, x in sorted(g.items())))
    h.hook("vm1", "prepare", "begin", xml)
    check(h.guests() == g, "a second prepare changed vhostd's guests: %s" % h.guests())
    for op, sub in (("start", "begin"), ("started", "begin"), ("stopped", "end"),
                    ("migrate", "begin"), ("restore", "begin")):
        r = h.hook("vm1", op, sub, xml)
        # migrate and restore: libvirt takes non-empty output as a new domain XML.
        check(r.stdout == "", "%s %s printed %r" % (op, sub, r.stdout))
    check(h.guests() == g, "an ignored operation changed vhostd's guests")
    h.hook("vm1", "reconnect", "begin", xml)
    check(h.guests() == g, "reconnect changed vhostd's guests")
    h.hook("vm1", "release", "end", xml)
    check(h.guests() == {}, "after release vhostd still has %s" % sorted(h.guests()))
    check(not os.path.exists(h.sock("a.sock")), "release left the socket behind")
    check(h.state_files() == [], "release left saved state: %s" % h.state_files())
    h.hook("vm1", "release", "end", xml)
    # A domain with no interface of vhostd's: nothing asked of vhostd at all.
    h.hook("vm2", "prepare", "begin", domain_xml("vm2", [("52:54:00:00:0b:09", other,
                                                          "client", 1)]))
    check(h.guests() == {}, "a domain without vhostd sockets added %s" % sorted(h.guests()))
    h.vd.stop()


def hook_errors(ctx):
    """vhostd down: prepare fails with the reason, release does not; a
    guest of vhostd.conf on the socket is left alone; a stale runtime guest
    (its release missed) is replaced; a name libvirt allows and vhostd does
    not becomes a valid, stable one."""
    h = Host(ctx, "host", guests=[dict(name="static", socket=os.path.join(
        ctx.dir, "host", "sockets", "static.sock"), mac="52:54:00:00:0c:01")])
    static = domain_xml("vm-static", [("52:54:00:00:0c:01", h.sock("static.sock"), "client",
                                       None)])
    h.hook("vm-static", "prepare", "begin", static)
    h.hook("vm-static", "release", "end", static)
    check(sorted(h.guests()) == ["static"], "the configured guest was touched: %s" %
          sorted(h.guests()))
    # A stale guest of the same name on another socket, nothing connected.
    subprocess.run([VHOSTCTL, "-s", h.control, "guest", "add", "vm1-net0", "--socket",
                    h.sock("old.sock"), "--mac", "52:54:00:00:0c:02"], check=True,
                   capture_output=True)
    xml = domain_xml("vm1", [("52:54:00:00:0c:03", h.sock("new.sock"), "client", 1)])
    h.hook("vm1", "prepare", "begin", xml)
    g = h.guests()["vm1-net0"]
    check(g["socket"] == h.sock("new.sock") and g["mac"] == "52:54:00:00:0c:03",
          "the stale guest was not replaced: %s" % g)
    long_name = "a domain name with spaces and more than thirty-one characters"
    lx = domain_xml(long_name, [("52:54:00:00:0c:04", h.sock("long.sock"), "client", 1)])
    h.hook(long_name, "prepare", "begin", lx)
    names = set(h.guests()) - {"static", "vm1-net0"}
    check(len(names) == 1, "the long-named domain's guests: %s" % names)
    name = names.pop()
    print("  domain %r -> guest %s" % (long_name, name))
    check(len(name) <= 31 and name.endswith("-net0"), "guest name %r" % name)
    h.hook(long_name, "release", "end", lx)
    h.hook("vm1", "release", "end", xml)
    check(sorted(h.guests()) == ["static"], "left after release: %s" % sorted(h.guests()))
    h.vd.stop()
    r = h.hook("vm1", "prepare", "begin", xml, expect=1)
    check(h.control in r.stderr and "running" in r.stderr,
          "prepare without vhostd should say why: %s" % r.stderr)
    print("  prepare without vhostd: " + r.stderr.strip().splitlines()[-1])
    h.hook("vm1", "release", "end", xml)
    h.hook("vm1", "reconnect", "begin", xml)


def hook_migration(ctx):
    """Live migration from host A to host B, in libvirt's order: B prepares
    (its vhostd serves the socket before the incoming QEMU connects), then
    A releases once its QEMU is gone.  A's release removes A's guest only."""
    a, b = Host(ctx, "hostA"), Host(ctx, "hostB")
    xa = domain_xml("vm1", [("52:54:00:00:0d:01", a.sock("vm1.sock"), "client", 2)])
    xb = domain_xml("vm1", [("52:54:00:00:0d:01", b.sock("vm1.sock"), "client", 2)])
    a.hook("vm1", "prepare", "begin", xa)
    b.hook("vm1", "migrate", "begin", xb)
    b.hook("vm1", "prepare", "begin", xb)
    check(os.path.exists(b.sock("vm1.sock")), "B's socket is not there for the incoming QEMU")
    a.hook("vm1", "release", "end", xa)
    check(a.guests() == {}, "A kept %s" % sorted(a.guests()))
    gb = b.guests()
    check(sorted(gb) == ["vm1-net0"] and gb["vm1-net0"]["queues"] == 2,
          "B after the migration: %s" % gb)
    b.hook("vm1", "release", "end", xb)
    check(b.guests() == {}, "B kept %s" % sorted(b.guests()))
    a.vd.stop()
    b.vd.stop()


if __name__ == "__main__":
    run({
        "libvirt-hook-lifecycle": hook_lifecycle,
        "libvirt-hook-errors": hook_errors,
        "libvirt-hook-migration": hook_migration,
    })
