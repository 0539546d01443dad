#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vhost-bench against a real vhostd whose uplink is net_ring0, a loopback
port (what vhostd transmits comes back on its RX queue): frames go guest ->
vhostd -> ring -> vhostd -> guest.  Checks that packets went through, that
the two sides' counters agree, and that --json prints one well-formed
object per report with the documented fields."""
import json
import math
import os
import shutil
import subprocess
import time

from harness import VHOSTD, Fail, Vhostd, check, daemon_conf, run

MAC = "52:54:00:00:0b:01"

VHOST_BENCH = os.environ.get("VHOST_BENCH") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(VHOSTD))), "tools", "vhost-bench",
    "vhost-bench")
if not os.path.exists(VHOST_BENCH):
    VHOST_BENCH = shutil.which("vhost-bench") or VHOST_BENCH

COUNTERS = ("tx_pkts", "tx_bytes", "rx_pkts", "rx_bytes", "tx_mpps", "rx_mpps", "tx_gbps",
            "rx_gbps", "tx_full_pct", "tx_nombuf", "rx_empty_pct", "rx_foreign")
LATENCY = ("samples", "min_us", "mean_us", "p50_us", "p99_us", "p999_us", "max_us")


def bench(ctx, name, args, timeout=60):
    """Runs vhost-bench; returns (exit code, JSON objects from stdout, stderr)."""
    prefix = "vb-%s-%d" % (name, os.getpid())
    cmd = [VHOST_BENCH, "--no-huge", "-m", "256", "--json", "--link-timeout", "10",
           "--file-prefix", prefix] + args
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        # EAL leaves its runtime directory behind; it is ours alone.
        shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)
    with open(os.path.join(ctx.dir, "bench-%s.log" % name), "w") as f:
        f.write("$ %s\n--- stdout\n%s--- stderr\n%s" % (" ".join(cmd), r.stdout, r.stderr))
    objs = []
    for line in r.stdout.splitlines():
        try:
            objs.append(json.loads(line))
        except ValueError:
            raise Fail("vhost-bench printed a line that is not JSON: %r" % line)
    return r.returncode, objs, r.stderr


def check_stats(obj, mode, ring):
    check(obj["mode"] == mode, "report of mode %s, expected %s" % (obj["mode"], mode))
    for k in ("type", "running", "elapsed_s", "pktlen", "burst", "rate_mpps", "guests", "total"):
        check(k in obj, "stats object without %r: %s" % (k, obj))
    check(len(obj["guests"]) == 1, "expected one guest: %s" % obj["guests"])
    g = obj["guests"][0]
    for k in ("name", "socket", "ring", "queues") + COUNTERS:
        check(k in g, "guest object without %r: %s" % (k, g))
    for k in COUNTERS:
        check(k in obj["total"], "total without %r" % k)
        check(isinstance(g[k], (int, float)) and math.isfinite(g[k]) and g[k] >= 0,
              "%s = %r" % (k, g[k]))
    check(g["ring"] == ring, "guest ring %s, expected %s" % (g["ring"], ring))
    check(g["tx_pkts"] > 0, "the guest sent nothing: %s" % g)
    check(g["rx_pkts"] > 0, "nothing came back through the loopback uplink: %s" % g)
    check(g["rx_pkts"] <= g["tx_pkts"], "received %d > sent %d" % (g["rx_pkts"], g["tx_pkts"]))
    check(g["tx_bytes"] == g["tx_pkts"] * obj["pktlen"], "tx_bytes is not tx_pkts * pktlen")
    check(g["rx_foreign"] == 0, "frames without our stamp came back: %d" % g["rx_foreign"])
    check(obj["total"]["tx_pkts"] == g["tx_pkts"], "total differs from the only guest")
    check(obj["elapsed_s"] > 1.5, "elapsed %s s for a 2 s run" % obj["elapsed_s"])
    return g


def check_latency(lat):
    for k in LATENCY:
        check(k in lat, "latency object without %r: %s" % (k, lat))
        check(math.isfinite(lat[k]) and lat[k] >= 0, "%s = %r" % (k, lat[k]))
    check(lat["samples"] > 0, "no latency samples: %s" % lat)
    check(lat["min_us"] <= lat["p50_us"] <= lat["p99_us"] <= lat["p999_us"] <= lat["max_us"],
          "percentiles out of order: %s" % lat)
    check(lat["min_us"] > 0, "a round trip of %s us" % lat["min_us"])
    # At most a few seconds (the run's length): a stale or foreign stamp
    # would show as a huge value.
    check(lat["max_us"] < 10e6, "max latency %s us" % lat["max_us"])


def loopback(ctx, packed, ring, name):
    vd = Vhostd(ctx, daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)],
                                 uplink="net_ring0", ctx=ctx))
    cmds = ["show stats", "start loopback", "sleep 2", "show stats", "stop", "show stats"]
    rc, objs, err = bench(ctx, name, ["-s", ctx.sock("vm1"), "--mac", MAC] +
                          (["--packed"] if packed else []) + cmds)
    check(rc == 0, "vhost-bench exited with %d:\n%s" % (rc, err[-2000:]))
    check([o["type"] for o in objs] == ["stats", "stats", "stats", "final"],
          "expected stats, stats, stats, final; got %s" % [o["type"] for o in objs])
    check(objs[0]["mode"] is None and objs[0]["total"]["tx_pkts"] == 0,
          "counters before any start: %s" % objs[0])
    check(objs[1]["running"] is True and objs[2]["running"] is False, "running flags wrong")
    g = check_stats(objs[2], "loopback", ring)
    print("  %s loopback: sent %d, received %d (%.3f / %.3f Mpps)" %
          (ring, g["tx_pkts"], g["rx_pkts"], g["tx_mpps"], g["rx_mpps"]))
    check(objs[3]["guests"][0]["tx_pkts"] == g["tx_pkts"], "final report differs after stop")

    # vhostd dequeued what the guest sent, but for what was still in the
    # guest's TX ring (1024) when it quit; it delivered at least what the
    # guest counted (the rest was in the guest's RX ring).
    time.sleep(0.5)
    s = vd.stats()
    gt, up = s["guest"]["vm1"]["total"], s["uplink"]["up0"]["total"]
    check(g["tx_pkts"] - 1024 <= gt["tx_pkts"] <= g["tx_pkts"],
          "the guest sent %d, vhostd dequeued %d" % (g["tx_pkts"], gt["tx_pkts"]))
    check(gt["rx_pkts"] >= g["rx_pkts"],
          "vhostd delivered %d, the guest counted %d" % (gt["rx_pkts"], g["rx_pkts"]))
    check(up["tx_pkts"] == gt["tx_pkts"] and up["rx_pkts"] == up["tx_pkts"],
          "through the ring: %d in, %d out" % (up["tx_pkts"], up["rx_pkts"]))
    vd.stop()


def bench_loopback_split(ctx):
    """2 s of loopback on a split ring; counts on both sides."""
    loopback(ctx, False, "split", "loopback-split")


def bench_loopback_packed(ctx):
    """2 s of loopback on a packed ring."""
    loopback(ctx, True, "packed", "loopback-packed")


def bench_latency(ctx):
    """2 s of latency mode from a command file: stamps come back, the
    percentiles are ordered and plausible."""
    vd = Vhostd(ctx, daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)],
                                 uplink="net_ring0", ctx=ctx))
    script = os.path.join(ctx.dir, "latency.cmds")
    with open(script, "w") as f:
        # A modest load: latency at full rate would be queueing in full rings.
        f.write("# latency through the loopback uplink\n"
                "set pktlen 128; set rate 0.05\n"
                "start latency\nsleep 2\nshow latency\nstop\nquit\n")
    rc, objs, err = bench(ctx, "latency", ["-s", ctx.sock("vm1"), "--mac", MAC, "-f", script])
    check(rc == 0, "vhost-bench exited with %d:\n%s" % (rc, err[-2000:]))
    check([o["type"] for o in objs] == ["latency", "final"],
          "expected latency, final; got %s" % [o["type"] for o in objs])
    check_latency(objs[0])
    g = check_stats(objs[1], "latency", "split")
    check("latency" in objs[1], "the final report of a latency run has no latency section")
    check_latency(objs[1]["latency"])
    check(objs[1]["latency"]["samples"] == g["rx_pkts"],
          "%d samples for %d frames received" % (objs[1]["latency"]["samples"], g["rx_pkts"]))
    check(objs[1]["pktlen"] == 128 and g["tx_bytes"] == 128 * g["tx_pkts"], "pktlen not applied")
    lat = objs[0]
    print("  latency over %d round trips: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us"
          % (lat["samples"], lat["p50_us"], lat["p99_us"], lat["p999_us"], lat["max_us"]))
    vd.stop()


def bench_errors(ctx):
    """Bad commands are refused before EAL starts; a missing backend is named."""
    t0 = time.monotonic()
    rc, objs, err = bench(ctx, "bad-cmd", ["-s", ctx.sock("none"), "start txonly",
                                           "set pktlen 10"])
    check(rc == 2 and "set pktlen: 10 is out of range (expected 60 to 2048)" in err,
          "bad command: exit %d, %r" % (rc, err))
    check(objs == [] and time.monotonic() - t0 < 5, "something ran before the check")
    rc, _, err = bench(ctx, "no-guest", ["show stats"])
    check(rc == 2 and "--socket" in err, "no --socket: exit %d, %r" % (rc, err))
    rc, _, err = bench(ctx, "no-backend", ["-s", ctx.sock("none"), "--link-timeout", "1",
                                           "show stats"])
    check(rc == 1 and "is the backend listening?" in err and ctx.sock("none") in err,
          "no backend: exit %d, %r" % (rc, err[-1000:]))


NDR_FIELDS = ("type", "status", "converged", "loss_ratio_pct", "resolution_mpps", "max_mpps",
              "trial_s", "pktlen", "rate_mpps", "rate_gbps", "lower_mpps", "upper_mpps",
              "failed_verifications", "nb_trials", "trials", "verification")
TRIAL_FIELDS = ("trial", "rate_mpps", "verify", "secs", "sent", "received", "lost", "loss_pct",
                "late", "offered_mpps", "pass", "where")


def check_search(obj, kind, ratio, res):
    """One ndr/pdr report: fields, every trial's counts, the verification."""
    for k in NDR_FIELDS:
        check(k in obj, "%s report without %r: %s" % (kind, k, obj))
    check(obj["type"] == kind, "report type %s, expected %s" % (obj["type"], kind))
    check(obj["status"] == "found" and obj["converged"] is True,
          "%s search did not converge: %s" % (kind, obj))
    trials = obj["trials"]
    check(len(trials) == obj["nb_trials"] >= 2, "%d trials listed" % len(trials))
    for t in trials:
        for k in TRIAL_FIELDS:
            check(k in t, "trial without %r: %s" % (k, t))
        check(t["sent"] > 0 and t["sent"] == t["received"] + t["lost"],
              "trial %d: sent %d != received %d + lost %d" %
              (t["trial"], t["sent"], t["received"], t["lost"]))
        check(t["pass"] == (t["lost"] <= ratio * t["sent"] and
                            (t["rate_mpps"] == 0 or t["offered_mpps"] >= 0.95 * t["rate_mpps"])),
              "trial %d judged %s: %s" % (t["trial"], t["pass"], t))
        # Where: every frame lost end to end is one vhostd counted as a drop.
        vd = t["where"]["vhostd"]
        g = vd["guests"]["vm1"]
        check(g["tx_pkts"] == t["sent"], "trial %d: the guest sent %d, vhostd took %d" %
              (t["trial"], t["sent"], g["tx_pkts"]))
        check(vd["drops"] == sum(g["drops"].values()) + sum(vd["uplinks"]["up0"]["drops"].values())
              and vd["unaccounted"] == t["lost"] - vd["drops"],
              "trial %d: drops do not add up: %s" % (t["trial"], vd))
        check(vd["unaccounted"] == 0, "trial %d lost %d frames vhostd did not count: %s" %
              (t["trial"], t["lost"], vd))
    v = obj["verification"]
    check(v is not None and v["verify"] and v["pass"] and
          v == trials[-1], "the last trial is not a passed verification: %s" % v)
    check(v["lost"] <= ratio * v["sent"], "verification lost %d of %d" % (v["lost"], v["sent"]))
    if v["rate_mpps"] > 0:
        check(v["rate_mpps"] == obj["rate_mpps"], "verified %s, reported %s" %
              (v["rate_mpps"], obj["rate_mpps"]))
        # Converged: a rate one resolution step above failed (or the top passed).
        check(obj["upper_mpps"] - obj["lower_mpps"] <= res + 1e-4 or
              obj["rate_mpps"] == obj["max_mpps"],
              "stopped between %s and %s Mpps" % (obj["lower_mpps"], obj["upper_mpps"]))
    else:
        # Unlimited passed: what the generator offered in both trials.
        check(0 < obj["rate_mpps"] <= v["offered_mpps"] + 1e-4, "reported %s" % obj["rate_mpps"])
    return obj["rate_mpps"]


def bench_ndr(ctx):
    """NDR and PDR (0.5 %) searches through the loopback uplink, in short
    trials: both converge, their verification trials meet the loss ratio,
    every trial's counts add up with vhostd's own (loss by place), and the
    PDR is at least the NDR."""
    vd = Vhostd(ctx, daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)],
                                 uplink="net_ring0", ctx=ctx))
    res = 0.01
    rc, objs, err = bench(ctx, "ndr", ["-s", ctx.sock("vm1"), "--mac", MAC, "--vhostd-ctl",
                                       os.path.join(ctx.dir, "control.sock"),
                                       "set trial 0.3; set resolution %s" % res,
                                       "ndr", "pdr 0.5"], timeout=120)
    check(rc == 0, "vhost-bench exited with %d:\n%s" % (rc, err[-2000:]))
    check([o["type"] for o in objs] == ["ndr", "pdr", "final"],
          "expected ndr, pdr, final; got %s" % [o["type"] for o in objs])
    ndr = check_search(objs[0], "ndr", 0, res)
    check(objs[0]["verification"]["lost"] == 0, "NDR verification lost frames")
    pdr = check_search(objs[1], "pdr", 0.005, res)
    check(objs[1]["loss_ratio_pct"] == 0.5, "loss ratio %s" % objs[1]["loss_ratio_pct"])
    check(pdr >= ndr, "PDR %s Mpps below the NDR %s Mpps" % (pdr, ndr))
    print("  NDR %.4f Mpps in %d trials, PDR(0.5 %%) %.4f Mpps in %d trials" %
          (ndr, objs[0]["nb_trials"], pdr, objs[1]["nb_trials"]))
    # Refused before anything runs: a zero trial length.
    rc, objs, err = bench(ctx, "ndr-bad", ["-s", ctx.sock("vm1"), "set trial 0", "ndr"])
    check(rc == 2 and "set trial: 0 is out of range" in err and objs == [],
          "set trial 0: exit %d, %r" % (rc, err[-500:]))
    vd.stop()


if __name__ == "__main__":
    run({
        "bench-loopback-split": bench_loopback_split,
        "bench-loopback-packed": bench_loopback_packed,
        "bench-latency": bench_latency,
        "bench-errors": bench_errors,
        "bench-ndr": bench_ndr,
    })
