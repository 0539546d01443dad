#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two guests and a spoofer on one uplink.  The uplink is a real TAP
interface (net_tap) moved into a network namespace the test creates; frames
are injected there with an AF_PACKET socket and read back from the kernel's
counters.  Guests are DPDK virtio-user ports in dpdk-testpmd."""
import os
import subprocess
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run, wait_for

MAC1 = "52:54:00:00:01:01"
MAC2 = "52:54:00:00:01:02"
MAC3 = "52:54:00:00:01:03"
OTHER = "52:54:00:00:0f:0f"
BCAST = "ff:ff:ff:ff:ff:ff"

SENDER = r"""
import socket, sys, time
iface = sys.argv[1]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for spec in sys.argv[2:]:
    dst, count = spec.split("/")
    # Ethertype 0x88b5 (IEEE local experimental): no stack reacts to it.
    frame = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex("02000000aa01") + \
        b"\x88\xb5" + bytes(46)
    for i in range(int(count)):
        s.send(frame)
        if i % 50 == 49:
            time.sleep(0.01)
"""


def ns_send(ns, iface, *specs):
    subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", SENDER, iface] + list(specs),
                   check=True)


def ns_counter(ns, iface, name):
    out = subprocess.run(["ip", "netns", "exec", ns, "cat",
                          "/sys/class/net/%s/statistics/%s" % (iface, name)],
                         check=True, capture_output=True, text=True).stdout
    return int(out)


def delta(after, before, kind, name, key):
    return after[kind][name]["total"][key] - before[kind][name]["total"][key]


def two_guests(ctx):
    tap = "vhit%d" % (os.getpid() % 100000)
    vd = Vhostd(ctx, daemon_conf([
        dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC1),
        dict(name="vm2", socket=ctx.sock("vm2"), mac=MAC2),
        dict(name="vm3", socket=ctx.sock("vm3"), mac=MAC3),
    ], uplink="net_tap0,iface=" + tap))
    ns = ctx.add_netns("sw")
    subprocess.run(["ip", "link", "set", tap, "netns", ns], check=True)
    subprocess.run(["ip", "-n", ns, "link", "set", tap, "up"], check=True)

    g1 = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC1, peer=MAC2)
    g2 = Testpmd(ctx, "vm2", ctx.sock("vm2"), mac=MAC2)
    # vm3's driver uses a MAC that is not the one vhostd was told about.
    g3 = Testpmd(ctx, "vm3", ctx.sock("vm3"), mac=OTHER, peer=OTHER)
    for g in (g1, g2, g3):
        g.cmd("start")
    time.sleep(0.5)

    # 1. From the wire: unicast reaches only its owner, broadcast everyone,
    #    unknown unicast nobody (and is counted).
    for g in (g1, g2, g3):
        g.cmd("clear port stats 0")
    before = vd.stats()
    ns_send(ns, tap, MAC1 + "/100", MAC2 + "/50", BCAST + "/10", OTHER + "/20")
    wait_for(lambda: delta(vd.stats(), before, "uplink", "up0", "rx_pkts") >= 180, 10,
             "180 frames on the uplink")
    time.sleep(0.3)
    after = vd.stats()
    r1, r2, r3 = (g.port_stats()[0] for g in (g1, g2, g3))
    print("  from the wire: vm1 got %d, vm2 got %d, vm3 got %d; unknown dropped %d" %
          (r1, r2, r3, delta(after, before, "uplink", "up0", "drop_unknown_dst")))
    check(r1 == 110, "vm1 should get 100 unicast + 10 broadcast, got %d" % r1)
    check(r2 == 60, "vm2 should get 50 unicast + 10 broadcast, got %d" % r2)
    check(r3 == 10, "vm3 should get the 10 broadcast only, got %d" % r3)
    check(delta(after, before, "uplink", "up0", "drop_unknown_dst") == 20,
          "20 frames to an unknown MAC should be dropped and counted")

    # 2. Guest to guest on the same uplink: delivered locally, never on the wire.
    g1.cmd("stop")
    wire0 = ns_counter(ns, tap, "rx_packets")
    before = vd.stats()
    g2.cmd("clear port stats 0")
    _, (_, sent) = g1.run_fwd("txonly", 1)
    time.sleep(0.3)
    after = vd.stats()
    got = g2.port_stats()[0]
    ring_full = delta(after, before, "guest", "vm2", "drop_guest_ring_full")
    print("  vm1 -> vm2: sent %d, vm2 got %d, ring full %d, on the wire %d" %
          (sent, got, ring_full, ns_counter(ns, tap, "rx_packets") - wire0))
    check(sent > 1000, "vm1 sent only %d frames" % sent)
    check(abs(got + ring_full - sent) <= 1024,
          "vm1 sent %d to vm2: vm2 got %d, %d dropped ring full" % (sent, got, ring_full))
    check(delta(after, before, "uplink", "up0", "tx_pkts") == 0,
          "guest-to-guest frames went out of the uplink")
    check(ns_counter(ns, tap, "rx_packets") == wire0, "guest-to-guest frames reached the wire")

    # 3. Broadcast from a guest: the other guests and the wire.
    g1.cmd("set eth-peer 0 " + BCAST)
    g2.cmd("clear port stats 0")
    before = vd.stats()
    _, (_, sent) = g1.run_fwd("txonly", 1)
    time.sleep(0.3)
    after = vd.stats()
    out = delta(after, before, "uplink", "up0", "tx_pkts") + \
        delta(after, before, "uplink", "up0", "drop_uplink_tx_full")
    got2 = g2.port_stats()[0] + delta(after, before, "guest", "vm2", "drop_guest_ring_full")
    print("  vm1 broadcast: sent %d, uplink took %d, vm2 got or dropped %d" % (sent, out, got2))
    check(out == sent, "broadcast: vm1 sent %d, uplink sent or dropped %d" % (sent, out))
    check(abs(got2 - sent) <= 1024, "broadcast: vm1 sent %d, vm2 got %d" % (sent, got2))
    check(delta(after, before, "guest", "vm1", "rx_pkts") == 0, "vm1 got its own broadcast back")

    # 4. Spoofed source: every frame vm3 sends is dropped and counted.
    before = vd.stats()
    wire0 = ns_counter(ns, tap, "rx_packets")
    g2.cmd("clear port stats 0")
    _, (_, sent) = g3.run_fwd("txonly", 1)
    time.sleep(0.3)
    after = vd.stats()
    spoofed = delta(after, before, "guest", "vm3", "drop_spoofed")
    print("  vm3 spoofing: sent %d, dropped as spoofed %d" % (sent, spoofed))
    check(sent > 1000, "vm3 sent only %d frames" % sent)
    check(spoofed == sent, "vm3 sent %d with a foreign source MAC, %d counted as spoofed" %
          (sent, spoofed))
    check(delta(after, before, "uplink", "up0", "tx_pkts") == 0, "spoofed frames left")
    check(ns_counter(ns, tap, "rx_packets") == wire0, "spoofed frames reached the wire")
    check(g2.port_stats()[0] == 0, "spoofed frames reached vm2")
    for g in (g1, g2, g3):
        g.quit()
    vd.stop()


def shared_mac(ctx):
    """Two guests with one MAC (a live migration on one host): accepted, and
    frames for the MAC go to one of them, never both; when the first goes
    away, to the other."""
    tap = "vhsm%d" % (os.getpid() % 100000)
    vd = Vhostd(ctx, daemon_conf([
        dict(name="src", socket=ctx.sock("src"), mac=MAC1),
        dict(name="dst", socket=ctx.sock("dst"), mac=MAC1),
    ], uplink="net_tap0,iface=" + tap))
    check("shares its MAC with guest" in vd.output(), "no warning about the shared MAC")
    ns = ctx.add_netns("sm")
    subprocess.run(["ip", "link", "set", tap, "netns", ns], check=True)
    subprocess.run(["ip", "-n", ns, "link", "set", tap, "up"], check=True)
    a = Testpmd(ctx, "src", ctx.sock("src"), mac=MAC1)
    b = Testpmd(ctx, "dst", ctx.sock("dst"), mac=MAC1)
    for g in (a, b):
        g.cmd("start")
        g.cmd("clear port stats 0")
    ns_send(ns, tap, MAC1 + "/50")
    wait_for(lambda: a.port_stats()[0] + b.port_stats()[0] >= 50, 10, "50 frames delivered")
    ra, rb = a.port_stats()[0], b.port_stats()[0]
    print("  both connected: src got %d, dst got %d" % (ra, rb))
    check((ra, rb) == (50, 0), "expected all 50 on the first guest, got %d/%d" % (ra, rb))
    # The source goes away (migration done): the destination takes the MAC.
    a.quit()
    wait_for(lambda: vd.guest("src")["state"] == "waiting", 10, "src to disconnect")
    b.cmd("clear port stats 0")
    ns_send(ns, tap, MAC1 + "/40")
    wait_for(lambda: b.port_stats()[0] >= 40, 10, "40 frames at dst")
    print("  after src left: dst got %d" % b.port_stats()[0])
    check(b.port_stats()[0] == 40, "dst got %d of 40" % b.port_stats()[0])
    b.quit()
    vd.stop()


if __name__ == "__main__":
    run({"two-guests": two_guests, "shared-mac": shared_mac})
