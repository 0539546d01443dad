#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Packets both ways through vhostd, split and packed rings, 1 and 4 queue
pairs, with DPDK's virtio-user as the guest driver and net_null as the
uplink (an endless source on RX, a sink on TX).  Counts are checked on both
sides."""
import functools
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run

MAC = "52:54:00:00:00:01"


def traffic(ctx, packed, queues):
    vd = Vhostd(ctx, daemon_conf(
        [dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC, queues=queues)],
        uplink="net_null0", uplink_queues=queues))
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), queues=queues, packed=packed, mac=MAC)
    ring = "packed" if packed else "split"
    g = vd.guest("vm1")
    check(g["state"] == "running", "guest not running after connect: %s" % g)
    check(g["ring"] == ring, "negotiated %s ring, expected %s" % (g["ring"], ring))
    wait = time.monotonic() + 10
    while vd.guest("vm1")["pairs"] != queues and time.monotonic() < wait:
        time.sleep(0.1)
    check(vd.guest("vm1")["pairs"] == queues,
          "vhostd serves %d pairs, guest enabled %d" % (vd.guest("vm1")["pairs"], queues))

    # uplink -> guest: the guest only receives.
    before = vd.stats()
    per_q, _ = tp.run_fwd("rxonly", 2)
    time.sleep(0.3)
    rx, _ = tp.port_stats()    # the driver's own counter, read after the stop
    after = vd.stats()
    grx = after["guest"]["vm1"]["total"]["rx_pkts"] - before["guest"]["vm1"]["total"]["rx_pkts"]
    print("  %s %dq uplink->guest: guest driver received %d, vhostd delivered %d" %
          (ring, queues, rx, grx))
    check(rx > 10000, "guest received only %d packets in 2 s" % rx)
    # Frames sitting in the guest's rings at either snapshot are counted on
    # one side only: at most one ring (1024) per queue.
    check(abs(grx - rx) <= queues * 1024,
          "guest driver received %d, vhostd says it delivered %d" % (rx, grx))
    for q in range(queues):
        check(per_q.get(q, (0, 0))[0] > 0, "guest RX queue %d got nothing: %s" % (q, per_q))

    # guest -> uplink: the guest only sends, on every queue.
    before = vd.stats()
    per_q, (_, tx) = tp.run_fwd("txonly", 2)
    time.sleep(0.3)
    after = vd.stats()
    print("  %s %dq guest->uplink: guest driver sent %d" % (ring, queues, tx))
    check(tx > 10000, "guest sent only %d packets in 2 s" % tx)
    for q in range(queues):
        sent = per_q[q][1]
        got = after["guest"]["vm1"]["q%d" % q]["tx_pkts"] - \
            before["guest"]["vm1"]["q%d" % q]["tx_pkts"]
        check(sent > 0, "guest sent nothing on queue %d" % q)
        check(got == sent, "queue %d: guest sent %d, vhostd dequeued %d" % (q, sent, got))
    # vhostd polls, so it suppressed the guest's kicks (virtio 1.2 2.7.10,
    # 2.8.10): a driver that honours that sends none while it transmits.
    kicks = after["guest"]["vm1"]["kicks"] - before["guest"]["vm1"]["kicks"]
    print("  %s %dq guest->uplink: %d kicks for %d packets" % (ring, queues, kicks, tx))
    check(kicks <= 4 * queues, "the guest kicked %d times for %d packets: notifications "
          "are not suppressed" % (kicks, tx))
    out = after["uplink"]["up0"]["total"]["tx_pkts"] - before["uplink"]["up0"]["total"]["tx_pkts"]
    check(out == tx, "guest sent %d, uplink transmitted %d" % (tx, out))
    check(after["guest"]["vm1"]["total"]["drop_spoofed"] == 0, "frames counted as spoofed")
    tp.quit()
    final = vd.stop()
    check(final["guest"]["vm1"]["disconnects"] == 1, "disconnect not seen")
    # Workers are stopped: every frame the uplink received was delivered or
    # dropped for a counted reason, exactly.
    up = final["uplink"]["up0"]["total"]
    gt = final["guest"]["vm1"]["total"]
    check(up["rx_pkts"] == gt["rx_pkts"] + gt["drop_guest_ring_full"] + gt["drop_not_ready"],
          "counters do not add up: uplink rx %d != guest rx %d + ring full %d + not ready %d"
          % (up["rx_pkts"], gt["rx_pkts"], gt["drop_guest_ring_full"], gt["drop_not_ready"]))
    check(up["tx_pkts"] + up["drop_uplink_tx_full"] == gt["tx_pkts"],
          "guest sent %d, uplink sent %d + dropped %d" %
          (gt["tx_pkts"], up["tx_pkts"], up["drop_uplink_tx_full"]))


TESTS = {
    "split-1q": functools.partial(traffic, packed=False, queues=1),
    "split-4q": functools.partial(traffic, packed=False, queues=4),
    "packed-1q": functools.partial(traffic, packed=True, queues=1),
    "packed-4q": functools.partial(traffic, packed=True, queues=4),
}

if __name__ == "__main__":
    run(TESTS)
