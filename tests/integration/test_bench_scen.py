#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke runs of what tools/bench/compare.py's search scenarios ask of
vhost-bench (issue 14), against a real vhostd, in a few seconds each:
VM-to-VM ("set dstmac peer": two guests, switched by vhostd, never on the
wire) with its NDR, and latency at a fixed share of the NDR just found."""
import os

from harness import Vhostd, check, daemon_conf, run
from test_bench import bench, check_latency

MACS = ("52:54:00:00:0c:01", "52:54:00:00:0c:02")


def check_ndr(obj):
    """An NDR report that converged on a rate above zero, whose trials add
    up and whose verification lost nothing."""
    check(obj["type"] == "ndr" and obj["status"] == "found" and obj["converged"] is True,
          "NDR search did not converge: %s" % obj)
    check(obj["rate_mpps"] > 0, "NDR of %s Mpps" % obj["rate_mpps"])
    for t in obj["trials"]:
        check(t["sent"] > 0 and t["sent"] == t["received"] + t["lost"],
              "trial %d: sent %d != received %d + lost %d" %
              (t["trial"], t["sent"], t["received"], t["lost"]))
    v = obj["verification"]
    check(v is not None and v["pass"] and v["lost"] == 0, "verification: %s" % v)
    return obj["rate_mpps"]


def bench_v2v(ctx):
    """Two guests on one uplink, each sending to the other's MAC: every
    frame reaches the other guest, none reaches the uplink, and the NDR
    search over that path converges without loss in its verification."""
    guests = [dict(name="vm%d" % i, socket=ctx.sock("vm%d" % i), mac=m)
              for i, m in enumerate(MACS)]
    vd = Vhostd(ctx, daemon_conf(guests, uplink="net_null0,no-rx=1", ctx=ctx))
    args = []
    for g in guests:
        args += ["-s", g["socket"], "--mac", g["mac"]]
    rc, objs, err = bench(ctx, "v2v", args + [
        "set dstmac peer; set rate 0.05; start loopback; sleep 1; stop; show stats",
        "set rate 0; set trial 0.3; set resolution 0.01; ndr"], timeout=120)
    check(rc == 0, "vhost-bench exited with %d:\n%s" % (rc, err[-2000:]))
    check([o["type"] for o in objs] == ["stats", "ndr", "final"],
          "expected stats, ndr, final; got %s" % [o["type"] for o in objs])
    g0, g1 = objs[0]["guests"]
    for a, b in ((g0, g1), (g1, g0)):
        check(a["tx_pkts"] > 0 and b["rx_pkts"] > 0, "%s sent %d, %s received %d" %
              (a["name"], a["tx_pkts"], b["name"], b["rx_pkts"]))
        check(b["rx_pkts"] <= a["tx_pkts"], "%s received %d, more than %s sent (%d)" %
              (b["name"], b["rx_pkts"], a["name"], a["tx_pkts"]))
        check(b["rx_foreign"] == 0, "%s got %d frames without our stamp" %
              (b["name"], b["rx_foreign"]))
    s = vd.stats()
    up = s["uplink"]["up0"]["total"]
    check(up["tx_pkts"] == 0, "%d guest-to-guest frames went out on the uplink" % up["tx_pkts"])
    delivered = sum(s["guest"][g["name"]]["total"]["rx_pkts"] for g in guests)
    check(delivered >= g0["rx_pkts"] + g1["rx_pkts"],
          "vhostd delivered %d, the guests counted %d" % (delivered, g0["rx_pkts"] + g1["rx_pkts"]))
    ndr = check_ndr(objs[1])
    print("  VM-to-VM: %d + %d frames each way; NDR %.4f Mpps in %d trials" %
          (g0["rx_pkts"], g1["rx_pkts"], ndr, objs[1]["nb_trials"]))
    vd.stop()


def bench_lat_share(ctx):
    """The loopback NDR, then latency at half of it (compare.py's lat-
    scenarios): the guest offers the rate asked for, round trips are
    counted and their percentiles ordered."""
    vd = Vhostd(ctx, daemon_conf([dict(name="vm0", socket=ctx.sock("vm0"), mac=MACS[0])],
                                 uplink="net_ring0", ctx=ctx))
    guest = ["-s", ctx.sock("vm0"), "--mac", MACS[0]]
    rc, objs, err = bench(ctx, "lat-ndr", guest + ["set trial 0.3; set resolution 0.01; ndr"],
                          timeout=120)
    check(rc == 0 and objs and objs[0]["type"] == "ndr",
          "vhost-bench exited with %d:\n%s" % (rc, err[-2000:]))
    rate = check_ndr(objs[0]) / 2
    rc, objs, err = bench(ctx, "lat-half", guest + [
        "set rate %.6f; start latency; sleep 0.3; clear stats; sleep 1.5; show latency; "
        "show stats; stop" % rate])
    check(rc == 0, "vhost-bench exited with %d:\n%s" % (rc, err[-2000:]))
    check([o["type"] for o in objs] == ["latency", "stats", "final"],
          "expected latency, stats, final; got %s" % [o["type"] for o in objs])
    lat, st = objs[0], objs[1]
    check_latency(lat)
    offered = st["total"]["tx_mpps"]
    # Paced: at most the rate asked for, not the most it can (less when the
    # guest's thread was off its CPU for longer than the pacer's slack of
    # four bursts, which a loaded machine does).
    check(0 < offered <= 1.3 * rate,
          "asked for %.4f Mpps, the guest offered %.4f" % (rate, offered))
    check(lat["samples"] <= st["total"]["rx_pkts"], "%d samples for %d frames received" %
          (lat["samples"], st["total"]["rx_pkts"]))
    print("  at %.4f Mpps (half the NDR; offered %.4f): p50 %.1f us, p99 %.1f us, p99.9 %.1f us over %d" %
          (rate, offered, lat["p50_us"], lat["p99_us"], lat["p999_us"], lat["samples"]))
    vd.stop()


if __name__ == "__main__":
    run({
        "bench-v2v": bench_v2v,
        "bench-lat-share": bench_lat_share,
    })
