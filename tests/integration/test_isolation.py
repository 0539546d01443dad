#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per-guest rate limits and mbuf isolation (docs/security.md, "Rate limits
and mbuf isolation"), with virtio-user guests (dpdk-testpmd, vhost-bench):

rate-limit-tx   a guest sending as fast as it can with tx-rate set: the
                uplink gets the configured rate (within 10 %), the excess is
                drop_rate_limited on that guest; a guest without a limit on
                the same uplink is not limited.
rate-limit-rx   the same toward a guest (rx-rate), from an endless uplink.
mbuf-isolation  guest A floods a loopback uplink (net_ring) faster than it
                drains, so the ring holds A's mbufs; guest B keeps sending
                through the same uplink and loses nothing, A's losses are
                drop_no_mbuf on A.
pool-lifecycle  guest.add with limits and a pool size; the pool exists while
                the guest does, survives connects and disconnects with all
                its mbufs back, and is freed by guest.del.
guest-ring-wait a guest whose driver stops reading for a moment (a paused
                vCPU): what finds its RX ring full waits in vhostd
                ([daemon] guest-ring-wait-us) and arrives when it reads
                again; beyond the wait buffer, or past the wait, it is
                dropped and counted, and a guest sharing the worker keeps
                its traffic."""
import json
import os
import re
import shutil
import subprocess
import time

import harness
from harness import VHOSTD, Testpmd, Vhostd, check, daemon_conf, run, wait_for

MAC_A = "52:54:00:00:0c:01"
MAC_B = "52:54:00:00:0c:02"
MAC_C = "52:54:00:00:0c:03"

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
VHOST_BENCH = os.environ.get("VHOST_BENCH") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(VHOSTD))), "tools", "vhost-bench",
    "vhost-bench")
if not os.path.exists(VHOST_BENCH):
    VHOST_BENCH = shutil.which("vhost-bench") or VHOST_BENCH


class Control(harness.Control):
    """The control connection, with stats() timed by its answer: rates are
    computed from it."""

    def stats(self):
        """(monotonic time of the answer, stats result)"""
        r = self.ok("stats")
        return time.monotonic(), r

    def window(self, seconds=6):
        """Stats at the start and the end of seconds, counted from 1 s after
        now (once a limited guest's first burst is spent): (elapsed time,
        stats before, stats after)."""
        time.sleep(1)
        t0, s0 = self.stats()
        time.sleep(seconds)
        t1, s1 = self.stats()
        return t1 - t0, s0, s1


def total(st, kind, name):
    return st[kind + "s"][name]["total"]


def grew(s0, s1, kind, name, *keys):
    """How much a counter of name's total grew from stats s0 to s1: keys
    name it, e.g. "tx_bytes" or "drops", "rate_limited"."""
    a, b = total(s0, kind, name), total(s1, kind, name)
    for k in keys:
        a, b = a[k], b[k]
    return b - a


def control(ctx):
    return Control(os.path.join(ctx.dir, "control.sock"))


def guest_conf(ctx, guests, uplink, extra=""):
    """daemon_conf plus [guest] keys it does not know (rate limits, mbufs)."""
    conf = daemon_conf([dict(name=g["name"], socket=ctx.sock(g["name"]), mac=g["mac"],
                             queues=g.get("queues", 1)) for g in guests],
                       uplink=uplink, ctx=ctx, extra=extra)
    for g in guests:
        keys = "".join("%s = %s\n" % kv for kv in g.get("keys", {}).items())
        conf = conf.replace("[guest %s]\n" % g["name"], "[guest %s]\n%s" % (g["name"], keys))
    return conf


def rate_limit_tx(ctx):
    # A burst of 2 MiB (0.84 s at the rate): on a busy host the worker is
    # descheduled now and then, and tokens that overflow the bucket
    # meanwhile are lost.  On a CPU of its own, any burst measures the same.
    rate = 20 * 1000 * 1000            # tx-rate = 20M
    vd = Vhostd(ctx, guest_conf(ctx, [
        dict(name="vm1", mac=MAC_A, keys={"tx-rate": "20M", "tx-burst": "2M"}),
        dict(name="vm2", mac=MAC_B)], uplink="net_null0"))
    c = control(ctx)
    limits = c.ok("guest.show", name="vm1")["rate_limits"]
    check(limits["tx"] == {"bps": rate, "pps": 0, "burst_bytes": 2097152} and
          limits["rx"] is None, "guest.show rate_limits: %s" % limits)
    # 1000-byte frames to a MAC nobody has: out of the uplink, the sink.
    a = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC_A, fwd="txonly", txpkts=1000)
    b = Testpmd(ctx, "vm2", ctx.sock("vm2"), mac=MAC_B, fwd="txonly", txpkts=1000)
    wait_for(lambda: all(g["pairs"] == 1 for g in c.ok("guest.list")["guests"]), 10,
             "both guests to enable their queues")

    # vm1 alone, as fast as it can; measured once its first burst is spent.
    a.cmd("start")
    dt, s0, s1 = c.window()
    got = grew(s0, s1, "uplink", "up0", "tx_bytes") * 8 / dt
    sent = grew(s0, s1, "guest", "vm1", "tx_pkts")
    limited = grew(s0, s1, "guest", "vm1", "drops", "rate_limited")
    print("  vm1 alone: tx-rate 20M, uplink got %.1f Mbit/s; vm1 sent %d frames, %d "
          "rate-limited" % (got / 1e6, sent, limited))
    check(abs(got - rate) <= rate / 10, "uplink got %.1f Mbit/s from vm1, configured "
          "20 Mbit/s (10 %% allowed)" % (got / 1e6))
    check(limited > sent / 2, "vm1 sent %d frames at full speed but only %d were "
          "rate-limited" % (sent, limited))

    # vm2, without a limit, sends too: not limited, and vm1 still gets its rate.
    b.cmd("start")
    dt, s0, s1 = c.window()
    a.cmd("stop")
    b.cmd("stop")
    drops1 = grew(s0, s1, "guest", "vm1", "drops", "rate_limited")
    vm1_rate = (grew(s0, s1, "guest", "vm1", "tx_pkts") - drops1) * 1000 * 8 / dt
    vm2_rate = grew(s0, s1, "guest", "vm2", "tx_bytes") * 8 / dt
    up = grew(s0, s1, "uplink", "up0", "tx_bytes")
    print("  both: vm1 passed %.1f Mbit/s, vm2 (no limit) sent %.1f Mbit/s, uplink %.1f "
          "Mbit/s" % (vm1_rate / 1e6, vm2_rate / 1e6, up * 8 / dt / 1e6))
    check(abs(vm1_rate - rate) <= rate / 10, "with vm2 busy, vm1 passed %.1f Mbit/s "
          "(configured 20)" % (vm1_rate / 1e6))
    check(vm2_rate > 2 * rate, "vm2 has no limit but sent only %.1f Mbit/s" % (vm2_rate / 1e6))
    check(total(s1, "guest", "vm2")["drops"]["rate_limited"] == 0,
          "vm2 has no limit but has rate_limited drops")
    a.quit()
    b.quit()
    final = vd.stop()
    # Exact once the workers stopped: what the guests sent is on the wire
    # or counted as rate-limited.
    g1, g2 = final["guest"]["vm1"]["total"], final["guest"]["vm2"]["total"]
    upf = final["uplink"]["up0"]["total"]
    check(upf["tx_pkts"] + upf["drop_uplink_tx_full"] ==
          g1["tx_pkts"] - g1["drop_rate_limited"] + g2["tx_pkts"],
          "counters do not add up: uplink %d + %d full, vm1 %d - %d limited, vm2 %d" %
          (upf["tx_pkts"], upf["drop_uplink_tx_full"], g1["tx_pkts"],
           g1["drop_rate_limited"], g2["tx_pkts"]))


def rate_limit_rx(ctx):
    rate = 20 * 1000 * 1000            # rx-rate = 20M, a 2 MiB burst (see above)
    vd = Vhostd(ctx, guest_conf(ctx, [dict(name="vm1", mac=MAC_A,
                                           keys={"rx-rate": "20M", "rx-burst": "2M"})],
                                uplink="net_null0"))
    c = control(ctx)
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC_A, fwd="rxonly")
    wait_for(lambda: c.ok("guest.list")["guests"][0]["pairs"] == 1, 10, "vm1's queues")
    tp.cmd("start")
    dt, s0, s1 = c.window()
    tp.cmd("stop")
    # What passed the limit: delivered, or (64-byte frames from net_null)
    # found the guest's ring full when a burst came after a pause.
    full = grew(s0, s1, "guest", "vm1", "drops", "guest_ring_full")
    got = (grew(s0, s1, "guest", "vm1", "rx_bytes") + 64 * full) * 8 / dt
    limited = grew(s0, s1, "guest", "vm1", "drops", "rate_limited")
    print("  rx-rate 20M from net_null: %.1f Mbit/s passed (%d frames of it found the ring "
          "full), %d frames rate-limited" % (got / 1e6, full, limited))
    check(abs(got - rate) <= rate / 10, "vm1 received %.1f Mbit/s, configured 20 Mbit/s "
          "(10 %% allowed)" % (got / 1e6))
    check(limited > 0, "an endless uplink but nothing was rate-limited")
    tp.quit()
    final = vd.stop()
    up, g = final["uplink"]["up0"]["total"], final["guest"]["vm1"]["total"]
    check(up["rx_pkts"] == g["rx_pkts"] + g["drop_rate_limited"] + g["drop_guest_ring_full"] +
          g["drop_not_ready"], "counters do not add up: uplink rx %d, vm1 rx %d + %d limited "
          "+ %d ring full + %d not ready" % (up["rx_pkts"], g["rx_pkts"], g["drop_rate_limited"],
                                            g["drop_guest_ring_full"], g["drop_not_ready"]))


def bench_cmd(name, args):
    """vhost-bench with its own file prefix (name), in batch mode."""
    return [VHOST_BENCH, "--no-huge", "-m", "256", "--json", "--link-timeout", "10",
            "--file-prefix", "vb-%s-%d" % (name, os.getpid())] + args


def bench(ctx, name, args, timeout=60):
    cmd = bench_cmd(name, args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    with open(os.path.join(ctx.dir, "bench-%s.log" % name), "w") as f:
        f.write("$ %s\n--- stdout\n%s--- stderr\n%s" % (" ".join(cmd), r.stdout, r.stderr))
    check(r.returncode == 0, "vhost-bench exited %d: %s" % (r.returncode, r.stderr[-2000:]))
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def mbuf_isolation(ctx):
    # net_ring0 is a loopback port: what vhostd sends on it comes back on
    # its RX queue, and sits in the ring (1023 frames) until vhostd polls it,
    # 32 frames per loop: a slow uplink whose TX ring holds mbufs.  A sends
    # 64 frames per loop (two queue pairs at full speed).  Dequeuing into
    # the uplink's pool (about 10,000 mbufs), A alone would fill the ring
    # and B's frames would find it full; with its own pool of 512, A can
    # have no more than that in flight, and runs dry instead.
    vd = Vhostd(ctx, guest_conf(ctx, [
        dict(name="a", mac=MAC_A, queues=2, keys={"mbufs": "512"}),
        dict(name="b", mac=MAC_B)], uplink="net_ring0"))
    c = control(ctx)
    pool = c.ok("guest.show", name="a")["mbuf_pool"]
    check(pool is not None and pool["size"] == 512, "guest a's pool: %s" % pool)
    a = Testpmd(ctx, "a", ctx.sock("a"), queues=2, mac=MAC_A, fwd="txonly")
    wait_for(lambda: c.ok("guest.show", name="a")["pairs"] == 2, 10, "a's two queue pairs")
    a.cmd("start")
    time.sleep(1)
    _, s0 = c.stats()
    # B: vhost-bench sending to its own MAC at 5 kpps; every frame goes
    # out to the ring, comes back and is counted by B.
    objs = bench(ctx, "b", ["-s", ctx.sock("b"), "--mac", MAC_B, "set pktlen 64",
                            "set dstmac self", "set rate 0.005", "start loopback", "sleep 4",
                            "stop", "sleep 0.5", "show stats"])
    # A stops before the count: B's last frames queue behind A's in the
    # uplink's ring, and are still there while A floods it.
    a.cmd("stop")
    time.sleep(0.5)
    _, s1 = c.stats()
    stats = [o for o in objs if o.get("type") == "stats"]
    check(stats, "vhost-bench printed no stats: %s" % objs)
    gb = stats[-1]["guests"][0]
    ga0, ga1 = total(s0, "guest", "a"), total(s1, "guest", "a")
    a_sent = ga1["tx_pkts"] - ga0["tx_pkts"]
    a_nombuf = ga1["drops"]["no_mbuf"] - ga0["drops"]["no_mbuf"]
    bt = total(s1, "guest", "b")
    print("  a sent %d frames, %d of them drop_no_mbuf on a; b sent %d, got back %d "
          "(tx_nombuf %d); b's drops %s" % (a_sent, a_nombuf, gb["tx_pkts"], gb["rx_pkts"],
                                           gb["tx_nombuf"], bt["drops"]))
    check(gb["tx_pkts"] > 5000, "b sent only %d frames in 4 s" % gb["tx_pkts"])
    # No loss: vhostd took every frame B sent (B's own pool never ran dry),
    # and every one came back through the uplink to B (none was dropped at
    # an uplink ring full of A's frames)...
    check(bt["tx_pkts"] == gb["tx_pkts"], "b sent %d frames, vhostd took %d" %
          (gb["tx_pkts"], bt["tx_pkts"]))
    full = bt["drops"]["guest_ring_full"]
    # A frame of B's may meet the uplink's ring full of A's frames (the
    # ring is shared; its pool is not what this test is about): counted
    # as uplink_tx_full on the uplink.  Nothing else may go missing.
    ring = grew(s0, s1, "uplink", "up0", "drops", "uplink_tx_full")
    lost = bt["tx_pkts"] - bt["rx_pkts"] - full
    check(0 <= lost <= ring, "b lost %d of %d frames while a flooded the uplink (the uplink's "
          "full ring took %d frames in all)" % (lost, bt["tx_pkts"], ring))
    print("  b lost %d frames at the uplink's full ring (%d in all dropped there)" % (lost, ring))
    check(all(v == 0 for k, v in bt["drops"].items() if k != "guest_ring_full"),
          "drops counted on b: %s" % bt["drops"])
    # ... and B read them back, but for those that came back after it
    # stopped reading: at most its RX ring (1024), and what found that ring
    # full (guest_ring_full, counted above).
    check(gb["rx_pkts"] >= bt["rx_pkts"] - 1024, "vhostd delivered %d frames to b, b read "
          "back only %d" % (bt["rx_pkts"], gb["rx_pkts"]))
    # A's losses are A's, under their reason.
    check(a_nombuf > 0, "a's pool never ran dry: the test did not exhaust it")
    a.quit()
    final = vd.stop()
    check(final["guest"]["b"]["total"]["drop_no_mbuf"] == 0, "drop_no_mbuf on b")
    out = vd.output()
    check("never came back" not in out, "a pool was freed with mbufs out:\n" + out[-2000:])


def vhostctl(ctx, *args):
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock")] + list(args),
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "vhostctl %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                          r.stderr[-2000:]))
    return r.stdout


def telemetry(vd, cmd):
    prefix = re.search(r"file prefix (\S+) ", vd.output()).group(1)
    out = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input=cmd + "\n",
                         capture_output=True, text=True, timeout=20).stdout
    m = re.search(r"\{.*\}", out, re.S)
    check(m, "telemetry %s answered: %s" % (cmd, out[:500]))
    return json.loads(m.group(0))


def pool_lifecycle(ctx):
    vd = Vhostd(ctx, daemon_conf([], ctx=ctx, uplink="net_null0"))
    c = control(ctx)
    pools0 = telemetry(vd, "/mempool/list")["/mempool/list"]
    # Bad values change nothing.
    bad = c.call("guest.add", name="vm1", socket=ctx.sock("vm1"), tx_rate="fast")
    check(not bad["ok"] and bad["error"]["message"] ==
          "[guest vm1] tx-rate: 'fast' is not a rate (expected bits per second, e.g. 100M: "
          "digits with an optional k, M or G suffix (powers of 1000))",
          "guest.add with tx_rate=fast: %s" % bad)
    big = c.call("guest.add", name="vm1", socket=ctx.sock("vm1"), mbufs=1048576)
    check(not big["ok"] and big["error"]["message"] ==
          "[guest vm1] mbufs: no memory for a pool of 1048576 mbufs (raise [daemon] memory, "
          "or lower mbufs)", "guest.add with mbufs=1048576 in 256 MB: %s" % big)
    check(c.ok("guest.list")["guests"] == [], "a refused guest.add left a guest")
    check(telemetry(vd, "/mempool/list")["/mempool/list"] == pools0,
          "a refused guest.add left a pool")
    g = c.ok("guest.add", name="vm1", socket=ctx.sock("vm1"), mac=MAC_A, tx_rate="10M",
             rx_pps="5k", mbufs=2048, persist=False)
    show = c.ok("guest.show", name="vm1")
    check(show["rate_limits"]["tx"]["bps"] == 10000000 and
          show["rate_limits"]["rx"]["pps"] == 5000, "rate_limits: %s" % show["rate_limits"])
    name = show["mbuf_pool"]["name"]
    check(show["mbuf_pool"]["size"] == 2048, "mbuf_pool: %s" % show["mbuf_pool"])
    pools = telemetry(vd, "/mempool/list")["/mempool/list"]
    check(name in pools and name not in pools0, "pool %s not in %s" % (name, pools))
    for i in range(3):
        tp = Testpmd(ctx, "vm1-%d" % i, ctx.sock("vm1"), mac=MAC_A, fwd="txonly")
        tp.run_fwd("txonly", 1)
        tp.quit()
        wait_for(lambda: c.ok("guest.show", name="vm1")["state"] == "waiting", 10,
                 "vm1 to disconnect")
        p = c.ok("guest.show", name="vm1")["mbuf_pool"]
        check(p["name"] == name and p["in_use"] == 0,
              "after disconnect %d the pool is %s (expected %s with every mbuf back)" %
              (i + 1, p, name))
    st = c.ok("stats", kind="guest", name="vm1")["guests"]["vm1"]["total"]
    check(st["tx_pkts"] > 0 and st["drops"]["rate_limited"] > 0,
          "vm1 sent %d, %d rate-limited" % (st["tx_pkts"], st["drops"]["rate_limited"]))
    # What an operator reads: vhostctl guest show, stats, metrics.
    out = vhostctl(ctx, "guest", "show", "vm1")
    for line in ("  tx limit      10000000 bit/s (burst 65536 bytes)",
                 "  rx limit      5000 pkt/s",
                 "  mbuf pool     %s, 0 of 2048 in use" % name):
        check(line in out.splitlines(), "vhostctl guest show has no line %r:\n%s" % (line, out))
    out = vhostctl(ctx, "stats", "guest", "vm1")
    check(re.search(r"rate_limited %d\b" % st["drops"]["rate_limited"], out),
          "vhostctl stats does not show %d rate_limited drops:\n%s" %
          (st["drops"]["rate_limited"], out))
    out = vhostctl(ctx, "metrics")
    check('vhostd_guest_drops_total{guest="vm1",reason="rate_limited"} %d' %
          st["drops"]["rate_limited"] in out, "metrics without the rate_limited drops:\n%s" %
          "\n".join(l for l in out.splitlines() if "drops" in l))
    c.ok("guest.del", name="vm1")
    wait_for(lambda: name not in telemetry(vd, "/mempool/list")["/mempool/list"], 5,
             "guest.del to free pool %s" % name)
    print("  pool %s: 3 connects, every mbuf back each time, freed by guest.del" % name)
    vd.stop()


def settled(c, name, key="tx_pkts"):
    """name's counter once it stopped moving (sampled every 50 ms)."""
    last = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _, st = c.stats()
        now = total(st, "guest", name)[key]
        if now == last:
            return now
        last = now
        time.sleep(0.05)
    raise harness.Fail("%s's %s never settled" % (name, key))


def guest_ring_wait(ctx):
    # B: a testpmd guest whose forwarding is stopped: its driver does not
    # read its RX ring, as a paused vCPU would not.  A: vhost-bench sending
    # to B at a fixed rate, once per round.  C loops frames through the
    # uplink on the same worker all along and must lose none.
    wait_us = 1000000
    vd = Vhostd(ctx, guest_conf(ctx, [dict(name="a", mac=MAC_A), dict(name="b", mac=MAC_B),
                                      dict(name="c", mac=MAC_C)],
                                uplink="net_ring0", extra="guest-ring-wait-us = %d" % wait_us))
    c = control(ctx)
    b = Testpmd(ctx, "b", ctx.sock("b"), mac=MAC_B, fwd="rxonly")
    wait_for(lambda: c.ok("guest.show", name="b")["pairs"] == 1, 10, "b's queue pair")

    def bench_bg(name, guest, mac, script):
        p = subprocess.Popen(bench_cmd(name, ["-s", ctx.sock(guest), "--mac", mac,
                                              "set pktlen 64"] + script),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ctx.procs.append(p)
        return p

    def counts():
        _, st = c.stats()
        gb = total(st, "guest", "b")
        return total(st, "guest", "a")["tx_pkts"], gb["rx_pkts"], gb["drops"]["guest_ring_full"]

    # C first: a connection republishes the workers' lists, which drops
    # (and counts) what a retired list still held.
    cc = bench_bg("c", "c", MAC_C, ["set dstmac self", "set rate 0.005", "start loopback",
                               "sleep 14", "stop", "sleep 0.5", "show stats"])
    wait_for(lambda: total(c.stats()[1], "guest", "c")["tx_pkts"] > 0, 20, "c's traffic")

    # Round 1: far more than B's ring holds, then B stays paused past the wait.
    a = bench_bg("a1", "a", MAC_A, ["set dstmac %s" % MAC_B, "set rate 0.02", "start txonly",
                               "sleep 0.08", "stop", "sleep 2.5"])
    wait_for(lambda: counts()[0] > 0, 20, "a's first frames")
    sent = settled(c, "a")
    _, ring, dropped = counts()
    check(sent > ring + 64, "a sent only %d frames (b's ring takes %d)" % (sent, ring))
    # What B's ring took, 64 waiting (the buffer), the rest dropped at once...
    check(dropped == sent - ring - 64, "a sent %d with b paused: %d in b's ring, %d dropped "
          "at once; want %d dropped (64 waiting)" % (sent, ring, dropped, sent - ring - 64))
    # ... and the 64 dropped after guest-ring-wait-us, not delivered later.
    time.sleep(1.5 * wait_us / 1e6)
    _, ring2, dropped2 = counts()
    print("  round 1: a sent %d: %d into b's ring, %d dropped at once, %d after the wait" %
          (sent, ring, dropped, dropped2 - dropped))
    check(ring2 == ring and dropped2 - dropped == 64, "after the wait: %d more delivered, %d "
          "more dropped; want 0 and 64" % (ring2 - ring, dropped2 - dropped))
    b.cmd("start")
    b.cmd("stop")
    a.communicate(timeout=30)
    # Round 2: B's ring and 32 more, B reads again 0.2 s later: nothing lost.
    n = ring + 32
    base = counts()
    a = bench_bg("a2", "a", MAC_A, ["set dstmac %s" % MAC_B, "set rate 0.005", "start txonly",
                               "sleep %.4f" % (n / 5000.0), "stop", "sleep 3"])
    wait_for(lambda: counts()[0] > base[0], 20, "a's second round")
    sent2 = settled(c, "a") - base[0]
    time.sleep(0.2)
    b.cmd("start")
    got2 = settled(c, "b", "rx_pkts") - base[1]
    lost2 = counts()[2] - base[2]
    print("  round 2: a sent %d (b's ring %d), b got %d, %d dropped" % (sent2, ring, got2, lost2))
    want = min(sent2, ring + 64)
    check(got2 == want and lost2 == sent2 - want, "a sent %d with b paused 0.2 s: b got %d, "
          "%d dropped; want %d, %d" % (sent2, got2, lost2, want, sent2 - want))
    check(sent2 > ring, "round 2 sent %d, no more than b's ring (%d): it did not tell waiting "
          "from dropping" % (sent2, ring))
    a.communicate(timeout=30)
    out, _ = cc.communicate(timeout=30)
    stats = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    gc = [o for o in stats if o.get("type") == "stats"][-1]["guests"][0]
    print("  c sent %d, got back %d" % (gc["tx_pkts"], gc["rx_pkts"]))
    check(gc["tx_pkts"] > 1000 and gc["rx_pkts"] == gc["tx_pkts"],
          "c, on the same worker, sent %d and got back %d" % (gc["tx_pkts"], gc["rx_pkts"]))
    b.quit()
    vd.stop()


TESTS = {
    "rate-limit-tx": rate_limit_tx,
    "rate-limit-rx": rate_limit_rx,
    "mbuf-isolation": mbuf_isolation,
    "pool-lifecycle": pool_lifecycle,
    "guest-ring-wait": guest_ring_wait,
}

if __name__ == "__main__":
    run(TESTS)
