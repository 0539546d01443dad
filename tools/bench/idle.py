#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Idle CPU and wake-up latency of vhostd's notification modes, side by side
in one run (guest key notify = adaptive | poll):

  idle CPU     vhostd's whole-process CPU time (/proc/PID/stat utime+stime)
               over --seconds with four connected, idle virtio-user guests
               (dpdk-testpmd, not forwarding).  Twice: with a net_tap uplink
               (RX interrupts) and a net_null,no-rx=1 uplink (none: the
               sleeping worker backs off, waking every 1 ms at most).
  first frame  round-trip latency of a frame sent after --idle seconds of
               silence (vhost-bench latency mode, one frame per burst, a
               net_ring loopback uplink): p50/p99 per mode, and adaptive
               minus poll.
  full load    vhost-bench loopback at full rate through net_ring, --load
               seconds per run, --reps runs per mode interleaved; medians,
               and the worker's sleeps during the load (must be 0).

Writes a Markdown fragment (--md) for docs/performance.md and the raw
numbers as JSON (--json).  Needs root (TAP, network namespace), the build
tree (build/) and dpdk-testpmd.  CPU 1 runs the vhostd worker, CPU 0 the
guests; run it on an otherwise idle machine.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
os.environ.setdefault("VHOSTD", os.path.join(TOP, "build", "src", "vhostd"))

import harness  # noqa: E402  (after VHOSTD is set)
from harness import Ctx, Testpmd, Vhostd, daemon_conf, wait_for  # noqa: E402

VHOST_BENCH = os.environ.get("VHOST_BENCH",
                             os.path.join(TOP, "build", "tools", "vhost-bench", "vhost-bench"))
VHOSTCTL = os.environ.get("VHOSTCTL", os.path.join(TOP, "build", "tools", "vhostctl", "vhostctl"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
MODES = ("adaptive", "poll")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_idle(seconds=1.0):
    """Idle share of CPUs 0 and 1 over seconds (/proc/stat): how much else
    runs on the machine while we measure."""
    def snap():
        out = {}
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith(("cpu0 ", "cpu1 ")):
                    v = [int(x) for x in line.split()[1:]]
                    out[line.split()[0]] = (v[3] + v[4], sum(v))
        return out
    a = snap()
    time.sleep(seconds)
    b = snap()
    return {c: round((b[c][0] - a[c][0]) / max(1, b[c][1] - a[c][1]), 3) for c in a}


def workers(ctx):
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock"), "-j", "workers"],
                       capture_output=True, text=True, timeout=30, check=True)
    return json.loads(r.stdout)["workers"]


def guests_conf(ctx, n, mode, uplink, extra=""):
    gs = [dict(name="vm%d" % i, socket=ctx.sock("vm%d" % i), mac="52:54:00:00:1d:%02x" % i,
               notify=mode) for i in range(1, n + 1)]
    return daemon_conf(gs, uplink=uplink, ctx=ctx, extra=extra)


def idle_cpu(args, mode, uplink_kind):
    """vhostd CPU share over args.seconds with four idle guests."""
    ctx = Ctx("idle-cpu-%s-%s" % (mode, uplink_kind))
    try:
        if uplink_kind == "tap":
            tap = "vhbi%d" % (os.getpid() % 100000)
            uplink = "net_tap0,iface=" + tap
        else:
            uplink = "net_null0,no-rx=1"
        vd = Vhostd(ctx, guests_conf(ctx, 4, mode, uplink))
        if uplink_kind == "tap":
            ns = ctx.add_netns("bi")
            subprocess.run(["ip", "link", "set", tap, "netns", ns], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", tap, "up"], check=True)
        for i in range(1, 5):
            Testpmd(ctx, "vm%d" % i, ctx.sock("vm%d" % i), mac="52:54:00:00:1d:%02x" % i)
        wait_for(lambda: all(vd.guest("vm%d" % i)["pairs"] == 1 for i in range(1, 5)), 20,
                 "four guests")
        time.sleep(2)
        w0 = workers(ctx)[0]["notify"]
        c0, t0 = proc_cpu(vd.pid()), time.monotonic()
        time.sleep(args.seconds)
        c1, t1 = proc_cpu(vd.pid()), time.monotonic()
        w1 = workers(ctx)[0]["notify"]
        res = {"cpu_pct": 100.0 * (c1 - c0) / (t1 - t0),
               "sleeps_per_s": (w1["sleeps"] - w0["sleeps"]) / (t1 - t0),
               "wakeups_per_s": (w1["wakeups"] - w0["wakeups"]) / (t1 - t0)}
        vd.stop()
        ctx.cleanup(keep=False)
        return res
    except Exception:
        ctx.cleanup(keep=True)
        raise


def bench(ctx, name, cmds, timeout):
    cmd = [VHOST_BENCH, "--no-huge", "-m", "256", "--json", "--link-timeout", "10",
           "--file-prefix", "vbi-%s-%d" % (name, os.getpid()), "-s", ctx.sock("vm1"),
           "--mac", "52:54:00:00:1d:01"] + cmds
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    with open(os.path.join(ctx.dir, "bench-%s.log" % name), "w") as f:
        f.write("$ %s\n--- stdout\n%s--- stderr\n%s" % (" ".join(cmd), r.stdout, r.stderr))
    if r.returncode != 0:
        raise RuntimeError("vhost-bench %s exited %d: %s" % (name, r.returncode, r.stderr[-1000:]))
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def first_frame(args, mode):
    """Latency of frames that each follow args.idle seconds of silence."""
    ctx = Ctx("idle-lat-%s" % mode)
    try:
        vd = Vhostd(ctx, guests_conf(ctx, 1, mode, "net_ring0"))
        rate = 1e-6 / args.idle        # Mpps: one frame per idle period
        secs = args.samples * args.idle + 0.5
        objs = bench(ctx, "lat-" + mode, ["set burst 1; set rate %.9f" % rate, "start latency",
                                          "sleep %.1f" % secs, "stop", "quit"], secs + 60)
        lat = [o for o in objs if o["type"] == "final"][0]["latency"]
        vd.stop()
        ctx.cleanup(keep=False)
        return {k: lat[k] for k in ("samples", "min_us", "p50_us", "p99_us", "max_us")}
    except Exception:
        ctx.cleanup(keep=True)
        raise


def full_load(args, mode):
    """Loopback at full rate; the worker's sleeps are read around the
    measured window (after vhost-bench's own 2 s warm-up)."""
    ctx = Ctx("idle-load-%s" % mode)
    try:
        vd = Vhostd(ctx, guests_conf(ctx, 1, mode, "net_ring0"))
        cmds = ["start loopback", "sleep 2", "clear stats", "sleep %.1f" % args.load, "stop",
                "quit"]
        box = {}
        t = threading.Thread(target=lambda: box.update(
            objs=bench(ctx, "load-" + mode, cmds, args.load + 60)))
        t.start()
        wait_for(lambda: vd.guest("vm1")["pairs"] == 1, 20, "the guest")
        time.sleep(2.5)
        w0 = workers(ctx)[0]["notify"]
        time.sleep(args.load - 1)
        w1 = workers(ctx)[0]["notify"]
        t.join()
        final = [o for o in box["objs"] if o["type"] == "final"][0]
        vd.stop()
        ctx.cleanup(keep=False)
        return {"rx_mpps": final["total"]["rx_mpps"], "tx_mpps": final["total"]["tx_mpps"],
                "sleeps_under_load": w1["sleeps"] - w0["sleeps"],
                "switches_under_load": w1["switches"] - w0["switches"]}
    except Exception:
        ctx.cleanup(keep=True)
        raise


def markdown(res, meta):
    a, p = res["first_frame"]["adaptive"], res["first_frame"]["poll"]
    la, lp = res["load"]["adaptive"], res["load"]["poll"]
    idle = res["machine_idle_before"]
    out = ["<!-- generated by tools/bench/idle.py on %s (%s); do not edit by hand -->"
           % (meta["date"], meta["host"]), "",
           "Machine before the run: CPU 0 %.0f %% idle, CPU 1 %.0f %% idle (other "
           "processes share the CPUs: numbers for poll mode, which competes for CPU 1, "
           "suffer most)." % (100 * idle.get("cpu0", 0), 100 * idle.get("cpu1", 0)), "",
           "Idle CPU of vhostd, four connected idle guests, %d s (share of one core):" %
           meta["seconds"], "",
           "| uplink | adaptive | poll | adaptive: sleeps/s, wake-ups/s |",
           "|---|---|---|---|"]
    for kind in ("tap", "null"):
        ia, ip = res["idle_cpu"]["adaptive"][kind], res["idle_cpu"]["poll"][kind]
        out.append("| %s | %.2f %% | %.1f %% | %.0f, %.0f |" % (
            "net_tap (RX interrupts)" if kind == "tap" else "net_null (no RX interrupts)",
            ia["cpu_pct"], ip["cpu_pct"], ia["sleeps_per_s"], ia["wakeups_per_s"]))
    out += ["", "Round trip of a frame sent after %.1f s of silence (vhost-bench latency, "
            "net_ring loopback, %d samples per mode):" % (meta["idle"], a["samples"]), "",
            "| mode | min | p50 | p99 | max |", "|---|---|---|---|---|"]
    for name, v in (("adaptive", a), ("poll", p)):
        out.append("| %s | %.1f us | %.1f us | %.1f us | %.1f us |" % (
            name, v["min_us"], v["p50_us"], v["p99_us"], v["max_us"]))
    out.append("| adaptive - poll | | %+.1f us | %+.1f us | |" % (
        a["p50_us"] - p["p50_us"], a["p99_us"] - p["p99_us"]))
    out += ["", "Full load (vhost-bench loopback, 64 B, net_ring, %d runs of %d s per mode, "
            "interleaved; medians):" % (meta["reps"], meta["load"]), "",
            "| mode | RX Mpps | sleeps during a load run (most) |", "|---|---|---|"]
    for name, v in (("adaptive", la), ("poll", lp)):
        out.append("| %s | %.3f | %d |" % (name, v["rx_mpps"], v["sleeps_under_load"]))
    out.append("| adaptive / poll | %.3f | |" % (la["rx_mpps"] / lp["rx_mpps"]
                                                 if lp["rx_mpps"] else float("nan")))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=30, help="idle CPU window (30)")
    ap.add_argument("--idle", type=float, default=1.0, help="silence before each frame (1.0)")
    ap.add_argument("--samples", type=int, default=60, help="frames per latency run (60)")
    ap.add_argument("--load", type=float, default=10, help="seconds per full-load run (10)")
    ap.add_argument("--reps", type=int, default=3, help="full-load runs per mode (3)")
    ap.add_argument("--only", choices=("cpu", "latency", "load"),
                    help="run one part only (prints JSON, writes no Markdown)")
    ap.add_argument("--md", default=os.path.join(TOP, "build", "idle-bench.md"))
    ap.add_argument("--json", default=os.path.join(TOP, "build", "idle-bench.json"))
    args = ap.parse_args()
    if not os.access(harness.TESTPMD, os.X_OK) and not harness.shutil.which(harness.TESTPMD):
        sys.exit("idle.py: dpdk-testpmd not found (apt-get install dpdk)")
    res = {"idle_cpu": {m: {} for m in MODES}, "first_frame": {}, "load": {},
           "machine_idle_before": cpu_idle()}
    log("machine idle before: %s" % res["machine_idle_before"])
    if args.only:
        part = {"cpu": lambda m: {k: idle_cpu(args, m, k) for k in ("tap", "null")},
                "latency": lambda m: first_frame(args, m),
                "load": lambda m: full_load(args, m)}[args.only]
        print(json.dumps({m: part(m) for m in MODES}, indent=1))
        return
    for kind in ("tap", "null"):
        for mode in MODES:
            log("idle CPU: %s, %s uplink, %g s" % (mode, kind, args.seconds))
            res["idle_cpu"][mode][kind] = idle_cpu(args, mode, kind)
            log("  %s" % res["idle_cpu"][mode][kind])
    for mode in MODES:
        log("first frame after %g s idle: %s, %d samples" % (args.idle, mode, args.samples))
        res["first_frame"][mode] = first_frame(args, mode)
        log("  %s" % res["first_frame"][mode])
    runs = {m: [] for m in MODES}
    for r in range(args.reps):
        for mode in MODES:
            log("full load %d/%d: %s" % (r + 1, args.reps, mode))
            runs[mode].append(full_load(args, mode))
            log("  %s" % runs[mode][-1])
    for mode in MODES:
        res["load"][mode] = {
            "rx_mpps": statistics.median(x["rx_mpps"] for x in runs[mode]),
            "sleeps_under_load": max(x["sleeps_under_load"] for x in runs[mode]),
            "runs": runs[mode]}
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "host": "%s, %d CPUs" % (platform.node(), os.cpu_count()),
            "seconds": args.seconds, "idle": args.idle, "load": args.load, "reps": args.reps}
    md = markdown(res, meta)
    os.makedirs(os.path.dirname(os.path.abspath(args.md)), exist_ok=True)
    with open(args.md, "w") as f:
        f.write(md)
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "results": res}, f, indent=1)
    print(md)
    log("wrote %s and %s" % (args.md, args.json))


if __name__ == "__main__":
    main()
