#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A full compute host (issue 16): hundreds of guests in one vhostd.

256 guests (VHOSTD_SCALE_GUESTS) are added through the control socket, each
with a small pool of its own; one hostile-frontend process plays a
well-behaved driver on all but two of them (small split rings, one frame
each), and two testpmd guests pass traffic between each other through the
full MAC table.  Half the guests are deleted at run time and added back;
vhostd restarts with all of them persisted.  After every step the open fds
match the step's baseline, RSS does not grow, and once every guest is gone
DPDK's heap is back where it started (telemetry /eal/heap_info: with
hugepages the same memory is hugepage memory)."""
import json
import os
import re
import socket
import subprocess
import time

from harness import Control, Testpmd, Vhostd, check, run, wait_for

HOSTILE = os.environ.get("HOSTILE", "hostile")
GUESTS = int(os.environ.get("VHOSTD_SCALE_GUESTS", "256"))
MBUFS = 512        # [guest] mbufs: the smallest own pool


def scale_conf(ctx, max_guests, memory=1024, extra=""):
    return "\n".join([
        "[daemon]", "cores = 1", "hugepages = no", "memory = %d" % memory,
        "log-level = info", "max-guests = %d" % max_guests,
        "control-socket = %s/control.sock" % ctx.dir, "state-dir = %s/state" % ctx.dir, extra,
        "", "[uplink up0]", "device = net_null0,no-rx=1", ""])


def sock_prefix(ctx):
    return os.path.join(ctx.dir, "g")


def guest_mac(i):
    return "02:00:00:10:%02x:%02x" % (i >> 8, i & 0xff)


def add_guest(c, ctx, i, mac=False, persist=True):
    """guest.add of guest gI; returns its latency in seconds."""
    args = dict(name="g%d" % i, socket="%s%d.sock" % (sock_prefix(ctx), i), mbufs=MBUFS,
                persist=persist)
    if mac:
        args["mac"] = guest_mac(i)
    t0 = time.monotonic()
    c.ok("guest.add", **args)
    return time.monotonic() - t0


def fd_targets(vd):
    d = "/proc/%d/fd" % vd.pid()
    out = []
    for f in os.listdir(d):
        try:
            out.append(os.readlink(os.path.join(d, f)))
        except OSError:
            pass
    return sorted(out)


def states(c):
    out = {}
    for g in c.ok("guest.list")["guests"]:
        out[g["state"]] = out.get(g["state"], 0) + 1
    return out


def heap_alloc(vd):
    """Bytes allocated in DPDK's heap of socket 0 (telemetry)."""
    prefix = re.search(r"file prefix (\S+) ", vd.output()).group(1)
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(path)
    s.recv(4096)                # the banner
    s.send(b"/eal/heap_info,0")
    info = json.loads(s.recv(65536))["/eal/heap_info"]
    s.close()
    return int(info["Alloc_size"])


class Many:
    """One hostile process, a well-behaved frontend on guests g0..g(n-1)."""

    def __init__(self, ctx, n, tag):
        self.log = os.path.join(ctx.dir, "many-%s.log" % tag)
        self.proc = subprocess.Popen([HOSTILE, "--case", "many", "--count", str(n),
                                      "--socket", sock_prefix(ctx)],
                                     stdin=subprocess.PIPE, stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)
        ctx.procs.append(self.proc)
        wait_for(lambda: "holding" in self.output() or self.proc.poll() is not None, 60,
                 "the frontends to come up")
        out = self.output()
        m = re.search(r"many: (\d+) of (\d+) guests up\nresult: alive used=(\d+)/(\d+)", out)
        check(m, "hostile many:\n" + out[-2000:])
        self.up, self.used, self.posted = int(m.group(1)), int(m.group(3)), int(m.group(4))
        print("  %d frontends: %d of %d up, %d of %d frames sent" %
              (n, self.up, n, self.used, self.posted))
        check(self.up == n and self.used == self.posted == n,
              "frontends: %d of %d up, %d of %d frames taken" %
              (self.up, n, self.used, self.posted))

    def output(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


def settle(vd, c, want_waiting):
    """Every guest waiting for a frontend again, and the fd count stable."""
    wait_for(lambda: states(c).get("waiting", 0) == want_waiting, 30,
             "%d guests waiting" % want_waiting)
    last = [None]

    def stable():
        n = vd.fds()
        same = n == last[0]
        last[0] = n
        return same
    wait_for(lambda: (time.sleep(0.2), stable())[1], 10, "the fd count to settle")
    return last[0]


def scale(ctx):
    n = GUESTS
    nh = n - 2                      # hostile frontends; the last two are testpmd
    conf = scale_conf(ctx, n)
    vd = Vhostd(ctx, conf)
    c = Control(os.path.join(ctx.dir, "control.sock"))
    # The baseline: librte_vhost creates its poll set's pipe with the first
    # socket and keeps it, and a telemetry connection lingers a moment.
    add_guest(c, ctx, 0)
    c.ok("guest.del", name="g0")
    heap0 = heap_alloc(vd)
    fds0 = settle(vd, c, 0)
    fdl0 = fd_targets(vd)

    lat = [add_guest(c, ctx, i, mac=i >= nh) for i in range(n)]
    print("  guest.add latency: first %.1f ms, last %.1f ms, max %.1f ms" %
          (lat[0] * 1e3, lat[-1] * 1e3, max(lat) * 1e3))
    pub = c.ok("workers")["publish"]
    print("  publish with %d guests: %.0f us (max %.0f us, %d publishes)" %
          (n, pub["last_us"], pub["max_us"], pub["count"]))
    fds_w = settle(vd, c, n)
    rss_w, heap_w = vd.rss_kb(), heap_alloc(vd)
    print("  %d guests waiting: %d fds (%d at start), RSS %d kB, heap %d kB (+%.0f kB a guest)"
          % (n, fds_w, fds0, rss_w, heap_w >> 10, (heap_w - heap0) / 1024 / n))
    if fds_w - fds0 != n:
        print("  fds: %s" % [f for f in fd_targets(vd) if f not in fdl0 and "socket" not in f])
    check(fds_w - fds0 == n, "%d server guests waiting hold %d more fds, expected %d (their "
          "listening sockets)" % (n, fds_w - fds0, n))

    # Every guest connected: frames from each hostile frontend, traffic
    # between two testpmd guests through the MAC table of 256.
    many = Many(ctx, nh, "1")
    tb = Testpmd(ctx, "tb", "%s%d.sock" % (sock_prefix(ctx), n - 1), mac=guest_mac(n - 1))
    ta = Testpmd(ctx, "ta", "%s%d.sock" % (sock_prefix(ctx), n - 2), mac=guest_mac(n - 2),
                 peer=guest_mac(n - 1))
    wait_for(lambda: states(c).get("running", 0) == n, 30, "all %d guests running" % n)
    tb.cmd("start")
    ta.run_fwd("txonly", 1)
    tb.stop_fwd()
    rx, _ = tb.port_stats()
    _, tx = ta.port_stats()
    st = c.ok("stats", kind="guest")["guests"]
    sent = sum(1 for i in range(nh) if st["g%d" % i]["total"]["tx_pkts"] == 1)
    print("  testpmd: %d sent, %d received; %d of %d frontends' frames counted" %
          (tx, rx, sent, nh))
    check(tx > 0 and rx > 0, "testpmd ta sent %d, tb received %d" % (tx, rx))
    check(sent == nh, "vhostd counted one frame from %d of %d frontends" % (sent, nh))
    print("  %d guests running: %d fds, RSS %d kB" % (n, vd.fds(), vd.rss_kb()))
    many.close()
    ta.quit()
    tb.quit()
    check(settle(vd, c, n) == fds_w, "fds after every frontend left: %d, before they came: %d"
          % (vd.fds(), fds_w))

    # Half deleted at run time, then added back: the same fds, no growth.
    for i in range(0, n, 2):
        c.ok("guest.del", name="g%d" % i)
    fds_h = settle(vd, c, n - len(range(0, n, 2)))
    check(fds_h == fds0 + n // 2, "half deleted: %d fds, expected %d" % (fds_h, fds0 + n // 2))
    for i in range(0, n, 2):
        add_guest(c, ctx, i, mac=i >= nh)
    fds_b = settle(vd, c, n)
    rss_b, heap_b = vd.rss_kb(), heap_alloc(vd)
    print("  half deleted and added back: %d fds, RSS %d kB, heap %d kB" %
          (fds_b, rss_b, heap_b >> 10))
    check(fds_b == fds_w, "fds after the cycle: %d, before: %d" % (fds_b, fds_w))
    # Where the pools land in the heap moves their alignment padding by a
    # few bytes; a struct leaked per guest would be more than 8 bytes each.
    check(abs(heap_b - heap_w) <= 8 * n, "DPDK heap after the cycle: %d, before: %d" %
          (heap_b, heap_w))
    check(rss_b <= rss_w * 1.05, "RSS grew from %d to %d kB" % (rss_w, rss_b))
    many = Many(ctx, nh, "2")
    many.close()

    # A restart: every guest comes back from the state directory.
    t0 = time.monotonic()
    vd.stop()
    c.s.close()
    os.rename(vd.logpath, vd.logpath + ".1")
    vd = Vhostd(ctx, conf)
    c = Control(os.path.join(ctx.dir, "control.sock"))
    fds_r = settle(vd, c, n)
    print("  restart with %d persisted guests: %.1f s; %d fds" %
          (n, time.monotonic() - t0, fds_r))
    check(fds_r == fds_w, "fds after the restart: %d, before: %d" % (fds_r, fds_w))
    many = Many(ctx, nh, "3")
    many.close()
    settle(vd, c, n)

    # Every guest gone: back to the empty daemon's fds and heap.
    for i in range(n):
        c.ok("guest.del", name="g%d" % i)
    fds_e = settle(vd, c, 0)
    heap_e = heap_alloc(vd)
    print("  all deleted: %d fds (%d empty), heap %d kB (%d kB empty)" %
          (fds_e, fds0, heap_e >> 10, heap0 >> 10))
    check(fds_e == fds0, "fds with no guest: %d, at start %d" % (fds_e, fds0))
    check(heap_e == heap0, "DPDK heap with no guest: %d, at start %d" % (heap_e, heap0))
    c.s.close()
    vd.stop()


TESTS = {"scale": scale}

if __name__ == "__main__":
    run(TESTS)
