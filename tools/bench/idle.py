#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Idle CPU and wake-up latency of vhostd's notification modes, side by side
in one run (guest key notify = adaptive | poll):

  idle CPU     vhostd's whole-process CPU time (/proc/PID/stat utime+stime)
               over --seconds with four connected, idle virtio-user guests
               (dpdk-testpmd, not forwarding).  Twice: with a net_tap uplink
               (RX interrupts) and a net_null,no-rx=1 uplink (none: the
               sleeping worker backs off, waking every idle-backoff-max-us,
               1 ms by default, at most).
  first frame  round-trip latency of a frame sent after --idle seconds of
               silence (vhost-bench latency mode, one frame per burst, a
               net_ring loopback uplink): p50/p99 per mode, and adaptive
               minus poll.
  full load    vhost-bench loopback at full rate through net_ring, --load
               seconds per run, --reps runs per mode interleaved; medians,
               and the worker's sleeps during the load (must be 0).
  references   (--only refs, or part of a full run) the idle CPU of
               dpdk-testpmd (four net_vhost ports, each paired with a
               net_null,no-rx=1 port, io forwarding, one forwarding core on
               CPU 1) and, when installed, OVS-DPDK 3.1 (four dpdkvhostuser
               ports and a net_null uplink, PMD on CPU 1) with the same four
               idle guests; OVS once per --ovs-maxsleep value
               (other_config:pmd-maxsleep, 0 = OVS's default: never sleep).
               Started as tools/bench/compare.py starts them.
  sweeps       --threshold-us LIST: the full-load part (adaptive, --reps
               runs) for each [daemon] idle-threshold-us, and vhostd's CPU
               under sparse traffic (--sparse-pps single frames a second:
               each wakes the worker, which then polls for the threshold).
               --backoff-max-us LIST: for each [daemon] idle-backoff-max-us,
               the net_null idle CPU and the uplink wake-up latency: a frame
               that comes back
               from an uplink without RX interrupts (net_af_packet on a veth
               whose peer, in a namespace, returns every frame after
               --reflect-ms + 0..--reflect-jitter-ms, uniform) while the
               worker backs off; its cost is the mean round trip minus that
               of poll mode (the same path, no sleep).

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
import re
import statistics
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("VHOSTD", os.path.join(TOP, "build", "src", "vhostd"))

import harness  # noqa: E402  (after VHOSTD is set)
from harness import Ctx, Testpmd, Vhostd, daemon_conf, wait_for  # noqa: E402
import compare  # noqa: E402  (the reference backends, as compare.py runs them)

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


def daemon_extra(threshold=None, backoff=None):
    """[daemon] lines of a sweep point ("" for the defaults)."""
    lines = []
    if threshold is not None:
        lines.append("idle-threshold-us = %d" % threshold)
    if backoff is not None:
        lines.append("idle-backoff-max-us = %d" % backoff)
    return "\n".join(lines)


def idle_cpu(args, mode, uplink_kind, extra=""):
    """vhostd CPU share over args.seconds with four idle guests."""
    ctx = Ctx("idle-cpu-%s-%s" % (mode, uplink_kind))
    try:
        if uplink_kind == "tap":
            tap = "vhbi%d" % (os.getpid() % 100000)
            uplink = "net_tap0,iface=" + tap
        else:
            uplink = "net_null0,no-rx=1"
        vd = Vhostd(ctx, guests_conf(ctx, 4, mode, uplink, extra))
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


def ref_idle_cpu(args, system, maxsleep=0):
    """CPU share of a reference backend (compare.py's Testpmd or Ovs) over
    args.seconds with four idle guests connected: the whole process, as for
    vhostd."""
    ctx = Ctx("idle-ref-%s" % system)
    cargs = argparse.Namespace(guest_cpu=0, backend_cpu=1, testpmd=harness.TESTPMD)
    be = (compare.Ovs if system == "ovs" else compare.Testpmd)(cargs, ctx.dir)
    started = False
    try:
        socks = be.start(compare.Scenario("g2u", "split", 64, guests=4))
        started = True
        if system == "ovs" and maxsleep:
            be.vsctl("set", "Open_vSwitch", ".", "other_config:pmd-maxsleep=%d" % maxsleep)
        for i, sock in enumerate(socks):
            Testpmd(ctx, "vm%d" % (i + 1), sock, mac=compare.mac_of(i))
        time.sleep(3)
        if system == "ovs":
            be.window_begin()   # pmd-stats-clear: the sleep time of the window only
        c0, t0 = proc_cpu(be.pid()), time.monotonic()
        time.sleep(args.seconds)
        c1, t1 = proc_cpu(be.pid()), time.monotonic()
        res = {"cpu_pct": 100.0 * (c1 - c0) / (t1 - t0)}
        if system == "ovs":
            perf = be.appctl("dpif-netdev/pmd-perf-show")
            m = re.search(r"Sleep time.*?:\s*(\d+)\s*us", perf)
            res["pmd_sleep_us"] = int(m.group(1)) if m else None
            res["maxsleep_us"] = maxsleep
            with open(os.path.join(ctx.dir, "pmd-perf-show.txt"), "w") as f:
                f.write(perf)
        be.stop()
        started = False
        ctx.cleanup(keep=False)
        return res
    except Exception:
        if started:
            be.stop()
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


def first_frame(args, mode, extra="", log_lines=None):
    """Latency of frames that each follow args.idle seconds of silence.
    log_lines: a list that gets vhostd's log (its last lines)."""
    ctx = Ctx("idle-lat-%s" % mode)
    try:
        vd = Vhostd(ctx, guests_conf(ctx, 1, mode, "net_ring0", extra))
        rate = 1e-6 / args.idle        # Mpps: one frame per idle period
        secs = args.samples * args.idle + 0.5
        objs = bench(ctx, "lat-" + mode, ["set burst 1; set rate %.9f" % rate, "start latency",
                                          "sleep %.1f" % secs, "stop", "quit"], secs + 60)
        lat = [o for o in objs if o["type"] == "final"][0]["latency"]
        vd.stop()
        if log_lines is not None:
            log_lines.extend(vd.output().splitlines()[-40:])
        ctx.cleanup(keep=False)
        return {k: lat[k] for k in ("samples", "min_us", "p50_us", "p99_us", "max_us")}
    except Exception:
        ctx.cleanup(keep=True)
        raise


# The far end of the uplink-latency test: every frame from the guest's MAC
# that arrives on the veth goes back out after a random delay (one at a
# time: frames come --uplink-gap apart).
REFLECTOR = r"""
import random, socket, sys, time
iface, mac, base, jitter = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), \
    float(sys.argv[3]) / 1000, float(sys.argv[4]) / 1000
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((iface, 0))
print("reflecting", flush=True)
while True:
    f, addr = s.recvfrom(65536)
    if addr[2] == socket.PACKET_OUTGOING or f[6:12] != mac:
        continue
    time.sleep(base + random.uniform(0, jitter))
    s.send(f)
"""


def uplink_latency(args, mode, extra=""):
    """Round trip of a frame that comes back through an uplink without RX
    interrupts (net_af_packet) args.reflect_ms + jitter later."""
    ctx = Ctx("idle-uplat-%s" % mode)
    try:
        veth = "vhbl%d" % (os.getpid() % 100000)
        ns = ctx.add_netns("bl")
        subprocess.run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "refl",
                        "netns", ns], check=True)
        with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % veth, "w") as f:
            f.write("1")
        subprocess.run(["ip", "link", "set", veth, "up"], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "refl", "up"], check=True)
        mac = "52:54:00:00:1d:01"
        refl = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", REFLECTOR,
                                 "refl", mac, str(args.reflect_ms), str(args.reflect_jitter_ms)],
                                stdout=subprocess.PIPE, text=True)
        ctx.procs.append(refl)
        if refl.stdout.readline().strip() != "reflecting":
            raise RuntimeError("the reflector did not start")
        vd = Vhostd(ctx, guests_conf(ctx, 1, mode, "net_af_packet0,iface=" + veth, extra))
        gap = args.uplink_gap
        secs = args.uplink_samples * gap + 0.5
        objs = bench(ctx, "uplat-" + mode, ["set burst 1; set rate %.9f" % (1e-6 / gap),
                                            "start latency", "sleep %.1f" % secs, "stop", "quit"],
                     secs + 60)
        lat = [o for o in objs if o["type"] == "final"][0]["latency"]
        vd.stop()
        ctx.cleanup(keep=False)
        return {k: lat[k] for k in ("samples", "min_us", "mean_us", "p50_us", "p99_us",
                                     "max_us")}
    except Exception:
        ctx.cleanup(keep=True)
        raise


def sparse_cpu(args, extra="", tag=""):
    """vhostd's CPU share while one adaptive guest sends args.sparse_pps
    single frames a second through a net_ring loopback: each frame wakes
    the worker, which then polls for the threshold before sleeping again."""
    ctx = Ctx("idle-sparse%s" % tag)
    try:
        vd = Vhostd(ctx, guests_conf(ctx, 1, "adaptive", "net_ring0", extra))
        secs = args.seconds
        cmds = ["set burst 1; set rate %.9f" % (args.sparse_pps / 1e6), "start latency",
                "sleep %.1f" % (secs + 4), "stop", "quit"]
        box = {}
        t = threading.Thread(target=lambda: box.update(
            objs=bench(ctx, "sparse" + tag, cmds, secs + 60)))
        t.start()
        wait_for(lambda: vd.guest("vm1")["pairs"] == 1, 20, "the guest")
        time.sleep(2)
        w0 = workers(ctx)[0]["notify"]
        c0, t0 = proc_cpu(vd.pid()), time.monotonic()
        time.sleep(secs)
        c1, t1 = proc_cpu(vd.pid()), time.monotonic()
        w1 = workers(ctx)[0]["notify"]
        t.join()
        lat = [o for o in box["objs"] if o["type"] == "final"][0]["latency"]
        vd.stop()
        ctx.cleanup(keep=False)
        return {"cpu_pct": 100.0 * (c1 - c0) / (t1 - t0),
                "switches_per_s": (w1["switches"] - w0["switches"]) / (t1 - t0),
                "p50_us": lat["p50_us"], "mean_us": lat["mean_us"]}
    except Exception:
        ctx.cleanup(keep=True)
        raise


def full_load(args, mode, extra="", tag=""):
    """Loopback at full rate; the worker's sleeps are read around the
    measured window (after vhost-bench's own 2 s warm-up)."""
    ctx = Ctx("idle-load-%s%s" % (mode, tag))
    try:
        vd = Vhostd(ctx, guests_conf(ctx, 1, mode, "net_ring0", extra))
        cmds = ["start loopback", "sleep 2", "clear stats", "sleep %.1f" % args.load, "stop",
                "quit"]
        box = {}
        t = threading.Thread(target=lambda: box.update(
            objs=bench(ctx, "load-" + mode + tag, cmds, args.load + 60)))
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


def markdown_modes(res, meta):
    a, p = res["first_frame"]["adaptive"], res["first_frame"]["poll"]
    la, lp = res["load"]["adaptive"], res["load"]["poll"]
    idle = res["machine_idle_before"]
    out = ["Machine before the run: CPU 0 %.0f %% idle, CPU 1 %.0f %% idle (other "
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


def markdown_refs(res, meta):
    out = ["Idle CPU of the references, the same four idle virtio-user guests, %d s "
           "(whole process, share of one core):" % meta["seconds"], "",
           "| backend | CPU | notes |", "|---|---|---|"]
    for r in res["refs"]:
        if r["system"] == "testpmd":
            out.append("| dpdk-testpmd (4 net_vhost + 4 net_null, io, 1 forwarding core) | "
                       "%.1f %% | busy-polls |" % r["cpu_pct"])
        else:
            note = ("`pmd-maxsleep` unset (no sleeping)" if not r["maxsleep_us"] else
                    "`other_config:pmd-maxsleep=%d`" % r["maxsleep_us"])
            if r.get("pmd_sleep_us") is not None:
                note += "; PMD slept %.0f %% of the time" % (
                    100.0 * r["pmd_sleep_us"] / 1e6 / meta["seconds"])
            out.append("| OVS-DPDK 3.1 (4 dpdkvhostuser + net_null uplink) | %.1f %% | %s |" %
                       (r["cpu_pct"], note))
    return "\n".join(out) + "\n"


def markdown_threshold(res, meta):
    out = ["Full load by `idle-threshold-us` (adaptive; vhost-bench loopback, 64 B, net_ring, "
           "%d runs of %d s each, interleaved; poll for comparison):" % (meta["reps"],
                                                                        meta["load"]), "",
           "| idle-threshold-us | RX Mpps (median) | runs (Mpps) | sleeps per run |",
           "|---|---|---|---|"]
    for t, v in res["threshold"]:
        out.append("| %s | %.3f | %s | %s |" % (
            t, v["rx_mpps"], ", ".join("%.2f" % x["rx_mpps"] for x in v["runs"]),
            ", ".join("%d" % x["sleeps_under_load"] for x in v["runs"])))
    out += ["", "Sparse traffic by `idle-threshold-us`: vhostd CPU while one adaptive guest "
            "sends %g single frames a second (net_ring loopback, %d s; each frame wakes the "
            "worker, which polls for the threshold before it sleeps again):" %
            (meta["sparse_pps"], meta["seconds"]), "",
            "| idle-threshold-us | CPU | sleeps begun/s | round trip p50 |", "|---|---|---|---|"]
    for t, v in res["threshold"]:
        if "sparse" in v:
            sp = v["sparse"]
            out.append("| %s | %.2f %% | %.0f | %.1f us |" % (t, sp["cpu_pct"],
                                                           sp["switches_per_s"], sp["p50_us"]))
    return "\n".join(out) + "\n"


def markdown_backoff(res, meta):
    base = res["backoff_poll"]
    out = ["By `idle-backoff-max-us`: vhostd idle CPU with a net_null uplink (adaptive, four "
           "idle guests, %d s), and the round trip of a frame that comes back through a "
           "net_af_packet uplink %.0f to %.0f ms after the guest sent it (veth reflector; %d "
           "frames %.2f s apart; the worker backs off meanwhile).  Wait: mean round trip "
           "minus poll mode's." % (meta["seconds"], meta["reflect_ms"],
                                   meta["reflect_ms"] + meta["reflect_jitter_ms"],
                                   base["samples"], meta["uplink_gap"]), "",
           "| idle-backoff-max-us | idle CPU | timed wake-ups/s | mean RTT | p99 RTT | max RTT "
           "| wait (mean) |", "|---|---|---|---|---|---|---|"]
    for b, v in res["backoff"]:
        c, lat = v["cpu"], v["latency"]
        out.append("| %s | %.2f %% | %.0f | %.0f us | %.0f us | %.0f us | %+.0f us |" % (
            b, c["cpu_pct"], c["sleeps_per_s"], lat["mean_us"], lat["p99_us"], lat["max_us"],
            lat["mean_us"] - base["mean_us"]))
    out.append("| poll (never sleeps) | | | %.0f us | %.0f us | %.0f us | |" % (
        base["mean_us"], base["p99_us"], base["max_us"]))
    return "\n".join(out) + "\n"


def markdown(res, meta):
    out = ["<!-- generated by tools/bench/idle.py on %s (%s); do not edit by hand -->"
           % (meta["date"], meta["host"]), "", "Command: `%s`" % meta["command"], ""]
    if "idle_cpu" in res:
        out.append(markdown_modes(res, meta))
    else:
        idle = res["machine_idle_before"]
        out += ["Machine before the run: CPU 0 %.0f %% idle, CPU 1 %.0f %% idle." %
                (100 * idle.get("cpu0", 0), 100 * idle.get("cpu1", 0)), ""]
    for key, fn in (("refs", markdown_refs), ("threshold", markdown_threshold),
                    ("backoff", markdown_backoff)):
        if key in res:
            out.append(fn(res, meta))
    return "\n".join(out)


def int_list(text):
    try:
        return [int(x) for x in text.split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a comma-separated list of integers" % text)


def run_modes(args, res):
    """The original three parts, for adaptive and poll."""
    res["idle_cpu"] = {m: {} for m in MODES}
    res["first_frame"], res["load"] = {}, {}
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


def run_refs(args, res):
    res["refs"] = []
    points = [("testpmd", 0)]
    if os.path.exists(compare.OVS_VSWITCHD):
        points += [("ovs", ms) for ms in args.ovs_maxsleep]
    else:
        log("%s is not installed (tools/bench/compare.sh --install-ovs): OVS skipped" %
            compare.OVS_VSWITCHD)
    for system, ms in points:
        log("reference idle CPU: %s%s, %g s" % (system, " pmd-maxsleep=%d" % ms if ms else "",
                                                 args.seconds))
        r = dict(system=system, **ref_idle_cpu(args, system, ms))
        log("  %s" % r)
        res["refs"].append(r)


def run_threshold(args, res):
    points = [str(t) for t in args.threshold_us] + ["poll"]
    runs = {p: [] for p in points}
    for r in range(args.reps):
        for p in points:
            log("full load %d/%d: idle-threshold-us %s" % (r + 1, args.reps, p))
            if p == "poll":
                runs[p].append(full_load(args, "poll", tag="-poll"))
            else:
                runs[p].append(full_load(args, "adaptive", daemon_extra(threshold=int(p)),
                                         tag="-t%s" % p))
            log("  %s" % runs[p][-1])
    res["threshold"] = [(p, {"rx_mpps": statistics.median(x["rx_mpps"] for x in runs[p]),
                             "runs": runs[p]}) for p in points]
    for p, v in res["threshold"]:
        if p != "poll":
            log("sparse traffic, %g frames/s, %g s: idle-threshold-us %s" %
                (args.sparse_pps, args.seconds, p))
            v["sparse"] = sparse_cpu(args, daemon_extra(threshold=int(p)), tag="-t%s" % p)
            log("  %s" % v["sparse"])


def run_backoff(args, res):
    log("uplink latency: poll, %d samples" % args.uplink_samples)
    res["backoff_poll"] = uplink_latency(args, "poll")
    log("  %s" % res["backoff_poll"])
    res["backoff"] = []
    for b in args.backoff_max_us:
        extra = daemon_extra(backoff=b)
        log("idle-backoff-max-us %d: net_null idle CPU, %g s" % (b, args.seconds))
        cpu = idle_cpu(args, "adaptive", "null", extra)
        log("  %s" % cpu)
        log("idle-backoff-max-us %d: uplink latency, %d samples" % (b, args.uplink_samples))
        lat = uplink_latency(args, "adaptive", extra)
        log("  %s" % lat)
        res["backoff"].append((b, {"cpu": cpu, "latency": lat}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=30, help="idle CPU window (30)")
    ap.add_argument("--idle", type=float, default=1.0, help="silence before each frame (1.0)")
    ap.add_argument("--samples", type=int, default=60, help="frames per latency run (60)")
    ap.add_argument("--load", type=float, default=10, help="seconds per full-load run (10)")
    ap.add_argument("--reps", type=int, default=3, help="full-load runs per mode or threshold (3)")
    ap.add_argument("--only", help="comma-separated parts to run: cpu, latency, load (these "
                    "three print JSON and write no Markdown), modes (all three), refs, "
                    "threshold, backoff; default: modes and refs, plus the sweeps asked for")
    ap.add_argument("--ovs-maxsleep", type=int_list, default=[0, 1000], metavar="LIST",
                    help="OVS other_config:pmd-maxsleep values, us (0,1000; 0: unset)")
    ap.add_argument("--threshold-us", type=int_list, metavar="LIST",
                    help="sweep: full load per [daemon] idle-threshold-us value")
    ap.add_argument("--backoff-max-us", type=int_list, metavar="LIST",
                    help="sweep: net_null idle CPU and uplink latency per "
                    "[daemon] idle-backoff-max-us value")
    ap.add_argument("--sparse-pps", type=float, default=100,
                    help="threshold sweep: frames a second of the sparse-traffic CPU part (100)")
    ap.add_argument("--reflect-ms", type=float, default=10.0,
                    help="uplink latency: the reflector's least delay (10)")
    ap.add_argument("--reflect-jitter-ms", type=float, default=5.0,
                    help="uplink latency: plus up to this, uniform (5)")
    ap.add_argument("--uplink-gap", type=float, default=0.05,
                    help="uplink latency: seconds between frames (0.05)")
    ap.add_argument("--uplink-samples", type=int, default=400,
                    help="uplink latency: frames per run (400)")
    ap.add_argument("--md", default=os.path.join(TOP, "build", "idle-bench.md"))
    ap.add_argument("--json", default=os.path.join(TOP, "build", "idle-bench.json"))
    args = ap.parse_args()
    if not os.access(harness.TESTPMD, os.X_OK) and not harness.shutil.which(harness.TESTPMD):
        sys.exit("idle.py: dpdk-testpmd not found (apt-get install dpdk)")
    parts = ["modes", "refs"] + (["threshold"] if args.threshold_us else []) + \
        (["backoff"] if args.backoff_max_us else [])
    if args.only:
        parts = args.only.split(",")
        bad = set(parts) - {"cpu", "latency", "load", "modes", "refs", "threshold", "backoff"}
        if bad:
            ap.error("--only: unknown part(s) %s" % ", ".join(sorted(bad)))
        if "threshold" in parts and not args.threshold_us:
            ap.error("--only threshold needs --threshold-us LIST")
        if "backoff" in parts and not args.backoff_max_us:
            ap.error("--only backoff needs --backoff-max-us LIST")
    res = {"machine_idle_before": cpu_idle()}
    log("machine idle before: %s" % res["machine_idle_before"])
    single = [p for p in parts if p in ("cpu", "latency", "load")]
    if single:
        if len(single) != len(parts):
            ap.error("--only: cpu, latency and load go alone")
        part = {"cpu": lambda m: {k: idle_cpu(args, m, k) for k in ("tap", "null")},
                "latency": lambda m: first_frame(args, m),
                "load": lambda m: full_load(args, m)}[single[0]]
        print(json.dumps({m: part(m) for m in MODES}, indent=1))
        return
    for name, fn in (("modes", run_modes), ("refs", run_refs), ("threshold", run_threshold),
                     ("backoff", run_backoff)):
        if name in parts:
            fn(args, res)
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "host": "%s, %d CPUs" % (platform.node(), os.cpu_count()),
            "command": " ".join(["tools/bench/idle.py"] + sys.argv[1:]),
            "seconds": args.seconds, "idle": args.idle, "load": args.load, "reps": args.reps,
            "reflect_ms": args.reflect_ms, "reflect_jitter_ms": args.reflect_jitter_ms,
            "uplink_gap": args.uplink_gap, "sparse_pps": args.sparse_pps}
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
