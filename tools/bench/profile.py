#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per packet of a backend's forwarding thread, under
valgrind --tool=callgrind: repeatable where wall-clock rates on a shared
machine are not.  The guest (vhost-bench) runs at full speed, so the
instrumented backend always finds full rings: its thread's instruction count
over a window, divided by the packets it received in that window, is its
cost per packet, idle polls excluded.  Prints the total and the functions
that account for it (callgrind_annotate, inclusive and self).

  tools/bench/profile.py --system vhostd --scenario g2u-split-64
  tools/bench/profile.py --system testpmd --scenario u2g-split-64
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def callgrind_control(*a):
    r = subprocess.run(["callgrind_control"] + list(a), capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise compare.Fail("callgrind_control %s: %s" % (" ".join(a), r.stderr or r.stdout))
    return r.stdout


def thread_files(outdir, pid):
    return glob.glob(os.path.join(outdir, "callgrind.out.%d*" % pid))


def totals(path):
    """Ir of one dump file."""
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"(?:summary|totals): (\d+)", line)
            if m:
                return int(m.group(1))
    return 0


def parse_callgrind(path, calls=None):
    """(events, {function: [self costs], [inclusive costs]}) from one
    callgrind dump with line positions: one cost per event (Ir, and the
    cache simulator's Dr, D1mr, ... with --cache-sim).  Inclusive = self +
    the costs of the calls it makes, as recorded on the line after each
    calls=.  calls, if given, gets {callee: number of calls}."""
    names = {}
    fns = {}
    events = ["Ir"]
    cur = None
    callee = None
    after_call = False

    def name(kind, text):
        m = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not m:
            return text
        key = (kind, m.group(1))
        if m.group(2):
            names[key] = m.group(2)
        return names.get(key, text)

    obj = ""
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("ob="):
                obj = os.path.basename(name("ob", line[3:]))
            elif line.startswith("fn="):
                cur = "%s [%s]" % (name("fn", line[3:]), obj)
                fns.setdefault(cur, ([0] * len(events), [0] * len(events)))
            elif line.startswith("cfn="):
                callee = name("fn", line[4:])
            elif line.startswith("cob="):
                name("ob", line[4:])
            elif line.startswith(("fl=", "fi=", "fe=", "cfi=", "cfl=")):
                name("fl", line.split("=", 1)[1])
            elif line.startswith("calls="):
                after_call = True
                if calls is not None and callee is not None:
                    calls[callee] = calls.get(callee, 0) + int(line[6:].split()[0])
            elif cur is not None and re.match(r"(?:[+-]?\d+|\*)( \d+)+$", line):
                costs = [int(x) for x in line.split()[1:]]
                slf, inc = fns[cur]
                for i, c in enumerate(costs):
                    inc[i] += c
                    if not after_call:
                        slf[i] += c
                after_call = False
    return events, fns


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--system", default="vhostd", choices=["vhostd", "testpmd"])
    ap.add_argument("--scenario", default="g2u-split-64")
    ap.add_argument("--warmup", type=float, default=15.0)
    ap.add_argument("--duration", type=float, default=40.0)
    ap.add_argument("--build", default=os.path.join(compare.TOP, "build"))
    ap.add_argument("--out", default=None, help="directory for dumps and logs")
    ap.add_argument("--top", type=int, default=30, help="functions to list")
    ap.add_argument("--backend-cpu", type=int, default=1)
    ap.add_argument("--guest-cpu", type=int, default=0)
    ap.add_argument("--vhostd-daemon", action="append", metavar="'KEY = VALUE'",
                    help="extra [daemon] line for vhostd's config (repeatable)")
    ap.add_argument("--cache-sim", action="store_true",
                    help="also simulate the caches (D1 and last-level misses per packet)")
    ap.add_argument("--guest-queue-size", type=int, default=4096,
                    help="guest virtqueue size: deep enough that the slow, instrumented "
                    "backend always finds full bursts while the guest waits for its CPU")
    args = ap.parse_args()

    sc = {s.name: s for s in compare.all_scenarios()}.get(args.scenario)
    if sc is None:
        ap.error("unknown scenario (compare.py --list)")
    out = os.path.abspath(args.out or "/tmp/vhost-bench-profile/%s-%s" % (args.system, sc.name))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    args.vhostd = os.path.join(args.build, "src", "vhostd")
    args.vhost_bench = os.path.join(args.build, "tools", "vhost-bench", "vhost-bench")
    args.testpmd = shutil.which("dpdk-testpmd") or "dpdk-testpmd"
    args.wrapper = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
                    "--callgrind-out-file=%s/callgrind.out.%%p" % out]
    if args.cache_sim:
        args.wrapper.append("--cache-sim=yes")

    be = compare.SYSTEMS[args.system](args, out)
    guest = None
    try:
        socks = be.start(sc)
        guest = compare.Guest(args, out, sc, socks)
        if sc.direction == "g2u":
            guest.p.send("set pktlen %d" % sc.pktlen)
        guest.p.send("start " + sc.mode())
        time.sleep(args.warmup)
        pid = be.pid()
        g_tid = compare.wait_for(lambda: compare.find_thread(guest.pid(), r"rte-worker-"), 10,
                                 "guest thread")
        key = "tx_pkts" if sc.direction == "g2u" else "rx_pkts"

        def count():
            return guest.report()["total"][key]

        # The guest's count brackets each callgrind_control call (it takes
        # a moment to reach the process): packets are known to within the
        # two calls' durations, and both bounds are printed.
        c0 = count()
        callgrind_control("-z", str(pid))
        c1 = count()
        g0, t0 = compare.schedstat(guest.pid(), g_tid), time.monotonic()
        time.sleep(args.duration)
        g1, t1 = compare.schedstat(guest.pid(), g_tid), time.monotonic()
        c2 = count()
        callgrind_control("-d", str(pid))
        c3 = count()
        gstats = guest.report()
    finally:
        if guest is not None:
            guest.quit()
        be.stop()

    # Part 1: the dump at the end of the window (the files without a part
    # number are written at exit and cover the time after it).
    dumps = [f for f in thread_files(out, pid) if re.search(r"\.%d\.1-\d+$" % pid, f)]
    if not dumps:
        raise compare.Fail("no callgrind dump in %s" % out)
    busiest = max(dumps, key=totals)
    ir = totals(busiest)
    lo, hi = c2 - c1, c3 - c0
    pkts = (lo + hi) / 2
    print("%s %s: %d to %d packets in the window, forwarding thread %d instructions: "
          "%.1f instructions per packet (%.1f to %.1f)\n  %s" %
          (args.system, sc.name, lo, hi, ir, ir / pkts if pkts else 0,
           ir / hi if hi else 0, ir / lo if lo else 0, busiest))
    calls = {}
    events, fns = parse_callgrind(busiest, calls)
    tot = gstats["total"]
    print("guest: TX %.3f Mpps (%.1f %% of bursts short), RX %.3f Mpps, on its CPU %.0f %% "
          "of the window" % (tot["tx_mpps"], tot["tx_full_pct"], tot["rx_mpps"],
                             100.0 * (g1[0] - g0[0]) / ((t1 - t0) * 1e9)))
    for fn in ("rte_vhost_dequeue_burst", "rte_vhost_enqueue_burst"):
        if calls.get(fn):
            print("%s: %d calls, %.1f packets per call" % (fn, calls[fn], pkts / calls[fn]))
    shown = [e for e in ("Ir", "D1mr", "D1mw", "DLmr", "DLmw") if e in events]
    idx = [events.index(e) for e in shown]

    def row(costs):
        return " ".join("%8.2f" % (costs[i] / pkts if pkts else 0) for i in idx)

    header = " ".join("%8s" % e for e in shown)
    by_obj = {}
    for name, (slf, _) in fns.items():
        obj = name[name.rindex("[") + 1:-1] if name.endswith("]") else "?"
        acc = by_obj.setdefault(obj, [0] * len(events))
        for i, c in enumerate(slf):
            acc[i] += c
    print("\nself cost per packet by object:\n%s" % header)
    for obj, costs in sorted(by_obj.items(), key=lambda kv: -kv[1][0]):
        if costs[0] / ir >= 0.001:
            print("%s  %s" % (row(costs), obj))
    for key, title in ((1, "inclusive"), (0, "self")):
        print("\n%s cost per packet:\n%s" % (title, header))
        for name, cost in sorted(fns.items(), key=lambda kv: -kv[1][key][0])[:args.top]:
            if cost[key][0] == 0:
                break
            print("%s  %s" % (row(cost[key]), name[:110]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
