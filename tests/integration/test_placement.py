#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Which worker polls which queue, with two workers (cores = 0,1: the
machine has two CPUs, and the guest driver shares CPU 0):

- queue-affinity: a 2-pair virtio-user guest pinned in the config shows its
  pins in `vhostctl guest show`; re-pinning at run time while the guest
  sends moves its queues without losing or adding a frame (per-queue counts
  equal the driver's); bad maps are refused and change nothing.
- rebalance: two endless net_null RX queues pinned to worker 1 keep it 100 %
  busy while worker 0 idles; nothing moves while they are pinned, nor when
  they are unpinned, until the rebalancer (every second) moves one to
  worker 0, once, and logs it; both queues keep delivering to the guest and
  every frame the uplink received is delivered or counted as a drop.
"""
import json
import os
import subprocess
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run, wait_for

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
MAC = "52:54:00:00:07:01"


def ctl(ctx, *args, expect=0):
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock")] + list(args),
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == expect, "vhostctl %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
          % (" ".join(args), r.returncode, expect, r.stdout[-2000:], r.stderr[-2000:]))
    return r


def ctl_json(ctx, *args):
    return json.loads(ctl(ctx, "-j", *args).stdout)


def conf(ctx, uplink, guest_affinity=None, uplink_affinity=None, rebalance=0):
    text = daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC, queues=2)],
                       uplink=uplink, uplink_queues=2, cores="0,1", ctx=ctx,
                       extra="rebalance-interval = %d\nrebalance-margin = 25" % rebalance)
    if uplink_affinity:
        text = text.replace("[uplink up0]\n", "[uplink up0]\nqueue-affinity = %s\n"
                            % uplink_affinity)
    if guest_affinity:
        text = text.replace("[guest vm1]\n", "[guest vm1]\nqueue-affinity = %s\n"
                            % guest_affinity)
    return text


def polling(ctx, kind, name):
    """{queue: (worker, lcore, pinned)} from guest/uplink show."""
    show = ctl_json(ctx, kind, "show", name)
    return {p["queue"]: (p["worker"], p["lcore"], p["pinned"]) for p in show["polling"]}


def wait_pairs(vd, n):
    wait_for(lambda: vd.guest("vm1")["pairs"] == n, 15, "the guest to enable %d pairs" % n)


def queue_affinity(ctx):
    vd = Vhostd(ctx, conf(ctx, "net_null0,no-rx=1", guest_affinity="0:1,1:0"))
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), queues=2, mac=MAC)
    wait_pairs(vd, 2)
    # Pinned as configured: pair 0 on the worker of CPU 1, pair 1 on CPU 0.
    check(polling(ctx, "guest", "vm1") == {0: (1, 1, True), 1: (0, 0, True)},
          "pins not applied: %s" % polling(ctx, "guest", "vm1"))
    text = ctl(ctx, "guest", "show", "vm1").stdout
    check("affinity      0:1,1:0" in text and "polling" in text,
          "guest show does not show the pins:\n" + text)
    workers = ctl_json(ctx, "workers")["workers"]
    check([(q["name"], q["queue"], q["pinned"]) for q in workers[1]["queues"]
           if q["kind"] == "guest"] == [("vm1", 0, True)],
          "worker 1 should poll vm1 pair 0 only: %s" % workers)

    # Bad maps: refused, nothing changes.
    for bad, why in (("0:7", "CPU 7 of queue 0 runs no worker"),
                     ("2:0", "queue 2 does not exist"), ("0=1", "is not a queue affinity")):
        r = ctl(ctx, "guest", "affinity", "vm1", bad, expect=1)
        check(why in r.stderr, "guest affinity %s: unexpected message %r" % (bad, r.stderr))
    ctl(ctx, "guest", "affinity", "vm9", "0:1", expect=4)
    check(polling(ctx, "guest", "vm1") == {0: (1, 1, True), 1: (0, 0, True)},
          "a refused map changed the placement: %s" % polling(ctx, "guest", "vm1"))

    # Re-pin while the guest sends on both pairs: each queue moves with a
    # grace period between its old and its new worker.
    tp.cmd("stop")
    tp.cmd("set fwd txonly")
    tp.cmd("clear port stats 0")
    before = vd.stats()["guest"]["vm1"]
    publishes = vd.output().count("queue-affinity set")
    tp.cmd("start")
    time.sleep(1)
    ctl(ctx, "guest", "affinity", "vm1", "0:0,1:1")
    check(polling(ctx, "guest", "vm1") == {0: (0, 0, True), 1: (1, 1, True)},
          "re-pinning did not move the queues: %s" % polling(ctx, "guest", "vm1"))
    time.sleep(1)
    ctl(ctx, "guest", "affinity", "vm1", "0:1,1:1")
    time.sleep(1)
    per_q, (_, sent) = tp.stop_fwd()
    time.sleep(0.3)
    after = vd.stats()["guest"]["vm1"]
    check(vd.output().count("queue-affinity set") == publishes + 2, "moves not logged")
    # The guest's flight recorder has each move (guest events).
    moves = [(e["queue"], e["from"], e["to"]) for e in
             ctl_json(ctx, "guest", "events", "vm1")["events"] if e["kind"] == "queue-move"]
    check(moves == [(0, 1, 0), (1, 0, 1), (0, 0, 1)], "queue-move events: %s" % moves)
    for q in (0, 1):
        got = after["q%d" % q]["tx_pkts"] - before["q%d" % q]["tx_pkts"]
        print("  pair %d: guest sent %d, vhostd dequeued %d across two moves"
              % (q, per_q[q][1], got))
        check(per_q[q][1] > 1000, "the guest sent little on pair %d: %s" % (q, per_q))
        check(got == per_q[q][1], "pair %d: guest sent %d, vhostd dequeued %d"
              % (q, per_q[q][1], got))
    # Per-queue accounting agrees with the counters: every dequeued frame
    # counted once, on the queue's own load.
    show = ctl_json(ctx, "guest", "show", "vm1")
    for p in show["polling"]:
        q = p["queue"]
        check(p["pkts"] == after["q%d" % q]["tx_pkts"],
              "pair %d: polled %d frames, counters say %d" % (q, p["pkts"],
                                                              after["q%d" % q]["tx_pkts"]))
        check(p["busy_cycles"] > 0, "pair %d: no busy cycles counted" % q)
    stats = ctl_json(ctx, "stats", "guest", "vm1")["guests"]["vm1"]
    check(all(q["busy_cycles"] > 0 for q in stats["queues"]), "stats lacks busy_cycles: %s"
          % stats)

    # Unpinned: the queues stay where they are.
    ctl(ctx, "guest", "affinity", "vm1", "none")
    check(polling(ctx, "guest", "vm1") == {0: (1, 1, False), 1: (1, 1, False)},
          "unpinning moved queues: %s" % polling(ctx, "guest", "vm1"))
    tp.quit()
    final = vd.stop()
    up = final["uplink"]["up0"]["total"]
    gt = final["guest"]["vm1"]["total"]
    check(up["tx_pkts"] + up["drop_uplink_tx_full"] == gt["tx_pkts"],
          "guest sent %d, uplink sent %d + dropped %d" % (gt["tx_pkts"], up["tx_pkts"],
                                                          up["drop_uplink_tx_full"]))


def busy_workers(ctx):
    """{(kind, name, queue): worker} from `vhostctl workers`, and the rebalance block."""
    res = ctl_json(ctx, "workers")
    where = {(q["kind"], q["name"], q["queue"]): w["index"]
             for w in res["workers"] for q in w["queues"]}
    return where, res["rebalance"]


def drops(counters):
    """Frames taken in and then dropped (not no_mbuf: those were never
    received; not uplink_tx_full: nothing is sent here)."""
    return sum(v for k, v in counters.items() if k.startswith("drop_") and
               k not in ("drop_no_mbuf", "drop_uplink_tx_full"))


def rebalance(ctx):
    vd = Vhostd(ctx, conf(ctx, "net_null0", uplink_affinity="0:1,1:1", rebalance=1))
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), queues=2, mac=MAC)
    wait_pairs(vd, 2)
    tp.cmd("start")         # rxonly: the guest drains both RX queues

    # Pinned: worker 1 is saturated, worker 0 idle, and nothing moves.
    time.sleep(3.5)
    where, rb = busy_workers(ctx)
    check(where[("uplink", "up0", 0)] == 1 and where[("uplink", "up0", 1)] == 1,
          "uplink queues not on worker 1: %s" % where)
    check(rb["interval"] == 1 and rb["rebalances"] == 0,
          "pinned queues were moved: %s" % rb)
    workers = ctl_json(ctx, "workers")["workers"]
    print("  pinned: worker 1 %.1f %% busy over the last interval, worker 0 %.1f %%"
          % (workers[1]["interval_busy_pct"], workers[0]["interval_busy_pct"]))
    check(workers[1]["interval_busy_pct"] > 95, "worker 1 is not overloaded: %s" % workers[1])

    # Unpinned: nothing moves by itself, then the rebalancer moves one queue.
    ctl(ctx, "uplink", "affinity", "up0", "none")
    where, rb = busy_workers(ctx)
    # The rebalancer may already have run (its interval is 1 s and a slow
    # build can take that long to answer); any move must be its own.
    check((where[("uplink", "up0", 0)] == 1 and where[("uplink", "up0", 1)] == 1)
          or rb["rebalances"] >= 1,
          "unpinning moved a queue: %s, %s" % (where, rb))
    t0 = time.monotonic()
    wait_for(lambda: busy_workers(ctx)[1]["rebalances"] >= 1, 10, "a rebalance")
    print("  rebalanced %.1f s after unpinning" % (time.monotonic() - t0))
    where, rb = busy_workers(ctx)
    check(rb["moves"] == 1, "expected one queue moved: %s" % rb)
    check(sorted([where[("uplink", "up0", 0)], where[("uplink", "up0", 1)]]) == [0, 1],
          "the uplink queues are not one per worker: %s" % where)
    check("rebalance: uplink up0 queue " in vd.output(), "the move is not logged")

    # Traffic keeps flowing on both pairs, and the placement holds still
    # (hysteresis) for several intervals.
    s1 = vd.stats()["guest"]["vm1"]
    time.sleep(4)
    s2 = vd.stats()["guest"]["vm1"]
    for q in (0, 1):
        check(s2["q%d" % q]["rx_pkts"] > s1["q%d" % q]["rx_pkts"],
              "pair %d received nothing after the move" % q)
    where2, rb2 = busy_workers(ctx)
    check(rb2["rebalances"] == 1 and where2 == where,
          "queues moved again (oscillation): %s -> %s, %s" % (where, where2, rb2))

    per_q, (rx, _) = tp.stop_fwd()
    time.sleep(0.3)
    rx_total, _ = tp.port_stats()
    delivered = vd.stats()["guest"]["vm1"]["total"]["rx_pkts"]
    print("  guest driver received %d, vhostd delivered %d" % (rx_total, delivered))
    # Frames in the guest's rings at the snapshot: at most a ring per pair.
    check(0 <= delivered - rx_total <= 2 * 1024,
          "guest driver received %d, vhostd says it delivered %d" % (rx_total, delivered))
    tp.quit()
    final = vd.stop()
    up = final["uplink"]["up0"]["total"]
    gt = final["guest"]["vm1"]["total"]
    check(up["rx_pkts"] == gt["rx_pkts"] + drops(gt) + drops(up),
          "frames lost: uplink received %d, guest got %d, drops %d (guest) + %d (uplink)"
          % (up["rx_pkts"], gt["rx_pkts"], drops(gt), drops(up)))


TESTS = {
    "queue-affinity": queue_affinity,
    "rebalance": rebalance,
}

if __name__ == "__main__":
    run(TESTS)
