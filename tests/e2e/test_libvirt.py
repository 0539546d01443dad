#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""libvirt for real (docs/libvirt.md): Debian's libvirtd boots the e2e guest
(tests/e2e/e2e_libvirt.py) as libvirt-qemu, its <interface type='vhostuser'>
on a vhostd socket; the same traffic and digest checks as test_e2e.py.

    source-client  <source mode='client'> + <reconnect>: vhostd listens
                   (socket-group kvm), 2 queue pairs, packed ring
    source-server  <source mode='server'>: QEMU listens, vhostd (mode =
                   client) connects; 2 pairs, split ring; vhostd killed and
                   started again under the guest, and reconnects
    hook           no guest in vhostd.conf: tools/libvirt/qemu-hook adds it
                   at prepare and removes it at release; nothing comes back
                   when vhostd restarts
"""
import json
import os
import subprocess
import time

from e2e import (Peer, Vhostd, check, daemon_conf, download, log, ping, run, wait_guest_state,
                 wait_link)
from e2e_libvirt import Libvirtd, LibvirtGuest, vm_dir
from test_e2e import MAC, check_traffic, restart_under_ping, tap_name, vd_conf_text

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
HOOK = os.environ.get("LIBVIRT_HOOK", "qemu-hook")


def vhostctl(vd, *args):
    control = vd_conf_text(vd).split("control-socket = ", 1)[1].split("\n", 1)[0]
    r = subprocess.run([VHOSTCTL, "-s", control, "-j"] + list(args), capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 0, "vhostctl %s: %s" % (" ".join(args), r.stderr))
    return json.loads(r.stdout)


def report(g, vd, name):
    """What the issue asks to record: who runs QEMU, what libvirt gave it,
    what the driver negotiated, how long until the first ping."""
    tries = wait_link(g)
    log("QEMU runs as %s; guest booted in %.1f s, first ping answered "
        "%.1f s after `virsh start` (%d probe(s))" % (g.qemu_user(), g.boot_s,
                                       time.monotonic() - g.t_start, tries))
    g.log_cmdline()
    show = vhostctl(vd, "guest", "show", name)
    feats = show["features"]
    log("vhostd guest %s: ring %s, %s pair(s); features %s: %s" % (
        name, show.get("ring"), show.get("pairs"), feats["negotiated"],
        " ".join(feats["negotiated_names"])))
    return show


def source_client(ctx):
    """libvirt <source mode='client'> (QEMU connects, redials with
    <reconnect>) to a socket vhostd makes for group kvm."""
    Libvirtd(ctx)
    sock = os.path.join(vm_dir(ctx), "vm1.sock")
    tap = tap_name(ctx)
    vd = Vhostd(ctx, daemon_conf(ctx, tap, [dict(name="vm1", socket=sock, mac=MAC, queues=2,
                                                 **{"socket-group": "kvm"})]))
    peer = Peer(ctx, tap)
    g = LibvirtGuest(ctx, "vm1", sock, MAC, queues=2, packed=True, qemu_mode="client")
    check(g.qemu_user() == "libvirt-qemu", "libvirt ran QEMU as %s" % g.qemu_user())
    wait_guest_state(vd, "vm1", "running", pairs=2)
    report(g, vd, "vm1")
    check(vd.guest("vm1")["ring"] == "packed", "negotiated a %s ring" % vd.guest("vm1")["ring"])
    check_traffic(g, vd, peer, 2, "libvirt mode='client'")
    g.destroy()
    wait_guest_state(vd, "vm1", "waiting")
    vd.stop()


def source_server(ctx):
    """libvirt <source mode='server'> (QEMU listens, as libvirt-qemu) and
    vhostd in client mode; vhostd killed and restarted under the guest."""
    Libvirtd(ctx)
    sock = os.path.join(vm_dir(ctx), "vm1.sock")
    tap = tap_name(ctx)
    conf = daemon_conf(ctx, tap, [dict(name="vm1", socket=sock, mac=MAC, queues=2,
                                       mode="client")])
    vd = Vhostd(ctx, conf)
    peer = Peer(ctx, tap)
    g = LibvirtGuest(ctx, "vm1", sock, MAC, queues=2, qemu_mode="server")
    wait_guest_state(vd, "vm1", "running", pairs=2)
    report(g, vd, "vm1")
    check_traffic(g, vd, peer, 2, "libvirt mode='server'")
    vd = restart_under_ping(ctx, vd, conf, g, peer, "SIGKILL", "vhostd2", count=60)
    wait_guest_state(vd, "vm1", "running", pairs=2)
    # Again, shorter: what a user checks after the restart.
    sent, got, _ = ping(g, count=20, interval=0.1)
    sha, dt = download(g, peer)
    log("after the restart: ping %d/%d, download 8 MiB sha256 %s.. match (%.1f s)" %
        (got, sent, sha[:16], dt))
    check(got == sent, "after the restart the guest lost %d of %d pings" % (sent - got, sent))
    g.destroy()
    wait_guest_state(vd, "vm1", "waiting")
    vd.stop()


HOOK_WRAPPER = """#!/bin/sh
# Installed by vhostd's tests/e2e/test_libvirt.py for one test; removed after it.
VHOSTD_LIBVIRT_HOOK_CONF={conf} exec python3 {hook} "$@"
"""


def hook(ctx):
    """A domain whose guest vhostd.conf does not have: the qemu hook adds it
    at prepare (socket, MAC, queues from the XML), release removes it, and a
    restarted vhostd does not bring it back."""
    vm = vm_dir(ctx)
    tap = tap_name(ctx)
    conf = daemon_conf(ctx, tap, [])
    hook_conf = ctx.path("libvirt-hook.conf")
    with open(hook_conf, "w") as f:
        f.write("[hook]\nvhostctl = %s\ncontrol-socket = %s\nsocket-dirs = %s\n"
                "socket-group = kvm\nsocket-mode = 0660\n" % (
                    VHOSTCTL, ctx.path("vhostd-control.sock"), vm))
    Libvirtd(ctx, hook=HOOK_WRAPPER.format(conf=hook_conf, hook=HOOK))
    vd = Vhostd(ctx, conf)
    peer = Peer(ctx, tap)
    check(vhostctl(vd, "guest", "list")["guests"] == [], "vhostd starts with guests")
    sock = os.path.join(vm, "vm1.sock")
    g = LibvirtGuest(ctx, "vm1", sock, MAC, queues=2, packed=True, qemu_mode="client")
    name = g.name + "-net0"
    guests = {x["name"]: x for x in vhostctl(vd, "guest", "list")["guests"]}
    check(list(guests) == [name], "after `virsh start` vhostd has %s, expected %s" %
          (list(guests), name))
    x = guests[name]
    log("the hook added %s: socket %s, mode %s, MAC %s, %d queues, %s" % (
        name, x["socket"], x["mode"], x["mac"], x["queues"], x["source"]))
    check((x["socket"], x["mode"], x["mac"], x["queues"]) == (sock, "server", MAC, 2),
          "the hook's guest does not match the domain XML: %s" % x)
    wait_guest_state(vd, name, "running", pairs=2)
    report(g, vd, name)
    check_traffic(g, vd, peer, 2, "hook", name=name)
    g.destroy()
    left = vhostctl(vd, "guest", "list")["guests"]
    check(left == [], "after `virsh destroy` vhostd still has %s" % [y["name"] for y in left])
    check(not os.path.exists(sock), "the guest's socket is still there")
    vd.stop()
    state = ctx.path("vhostd-state")
    vd = Vhostd(ctx, conf, name="vhostd2")
    left = vhostctl(vd, "guest", "list")["guests"]
    check(left == [], "after a restart vhostd has %s" % [y["name"] for y in left])
    saved = os.listdir(os.path.join(state, "guests")) if os.path.isdir(
        os.path.join(state, "guests")) else []
    check(saved == [], "state left in %s: %s" % (state, saved))
    log("after release and a vhostd restart: no guest, no saved state")
    vd.stop()


if __name__ == "__main__":
    run({
        "libvirt-source-client": source_client,
        "libvirt-source-server": source_server,
        "libvirt-hook": hook,
    })
