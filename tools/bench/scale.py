#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What a guest costs, from 1 guest to the ceiling (issue 16; the sizing
table of docs/operations.md comes from this).

One vhostd (one worker, a net_null uplink that receives nothing, hugepages = no), server-mode
guests added one at a time through the control socket, each with a pool of
--mbufs mbufs.  At each count in --counts: the guest.add latency (median of
the adds since the last row), the last publish (workers command), vhostd's
open fds, RSS and DPDK heap (telemetry).  Then the idle CPU of vhostd
(/proc/PID/stat utime+stime over --seconds) with 4 and with every guest
connected and idle (adaptive mode; the frontends are tests/hostile's
"many" case), and, at the ceiling of 511 server-mode guests, what
librte_vhost does with one and two more connections (its poll set has
1024 entries).

  sudo tools/bench/scale.py --build build [--counts 1,16,64,128,256,511]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import harness                                        # noqa: E402
import test_scale                                     # noqa: E402
from harness import Control                           # noqa: E402


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(vd, seconds):
    c0, t0 = cpu_seconds(vd.pid()), time.monotonic()
    time.sleep(seconds)
    return 100.0 * (cpu_seconds(vd.pid()) - c0) / (time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build"))
    ap.add_argument("--counts", default="1,16,64,128,256,511")
    ap.add_argument("--mbufs", type=int, default=512)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--no-persist", action="store_true",
                    help="guest.add without persist: no state file, no fsync")
    a = ap.parse_args()
    counts = [int(x) for x in a.counts.split(",")]
    harness.VHOSTD = os.path.join(a.build, "src", "vhostd")
    test_scale.HOSTILE = os.path.join(a.build, "tests", "hostile", "hostile")
    test_scale.MBUFS = a.mbufs
    top = max(counts)
    ctx = harness.Ctx("bench-scale")
    try:
        vd = harness.Vhostd(ctx, test_scale.scale_conf(ctx, top, memory=2048))
        c = Control(os.path.join(ctx.dir, "control.sock"))
        fds0, rss0, heap0 = vd.fds(), vd.rss_kb(), test_scale.heap_alloc(vd)
        cpu0 = idle_cpu(vd, a.seconds)
        print("guests  add_ms(p50)  add_ms(max)  publish_us  fds  fds/g  rss_MB  "
              "heap_MB  heap_kB/g")
        print("%6d  %11s  %11s  %10s  %3d  %5s  %6.1f  %7.1f  %9s" %
              (0, "-", "-", "-", fds0, "-", rss0 / 1024, heap0 / 2**20, "-"))
        lat = []
        for i in range(top):
            lat.append(test_scale.add_guest(c, ctx, i, persist=not a.no_persist) * 1e3)
            if i + 1 not in counts:
                continue
            n = i + 1
            pub = c.ok("workers")["publish"]["last_us"]
            fds, rss, heap = vd.fds(), vd.rss_kb(), test_scale.heap_alloc(vd)
            print("%6d  %11.2f  %11.2f  %10.0f  %3d  %5.2f  %6.1f  %7.1f  %9.0f" %
                  (n, statistics.median(lat), max(lat), pub, fds, (fds - fds0) / n,
                   rss / 1024, heap / 2**20, (heap - heap0) / 1024 / n), flush=True)
            lat = []
        base = idle_cpu(vd, a.seconds)
        fds_w = vd.fds()
        print("idle CPU (utime+stime of vhostd over %g s), no guest: %.2f %% of a CPU" %
              (a.seconds, cpu0))
        print("idle CPU, %d guests waiting: %.2f %% of a CPU" % (top, base))
        for n in (4, top):
            many = test_scale.Many(ctx, n, "bench%d" % n)
            time.sleep(1)
            fds = vd.fds()
            cpu = idle_cpu(vd, a.seconds)
            print("idle CPU, %d of them connected (adaptive): %.2f %% of a CPU; %d fds "
                  "(+%.1f a connected guest)" % (n, cpu, fds, (fds - fds_w) / n), flush=True)
            if n == 511:
                extra = []
                for k in range(2):
                    s = test_scale.socket.socket(test_scale.socket.AF_UNIX)
                    s.connect("%s0.sock" % test_scale.sock_prefix(ctx))
                    extra.append(s)
                    time.sleep(0.5)
                log = vd.output()
                print("two more connections at the ceiling: librte_vhost says %r" %
                      [l for l in log.splitlines() if "fdset" in l or "failed to add" in l][-2:])
                for s in extra:
                    s.close()
            many.close()
        vd.stop()
    finally:
        ctx.cleanup(keep=False)


if __name__ == "__main__":
    main()
