#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drop attribution (guest.why, docs/operations.md "Why does a guest lose
frames?"): each cause produced for real, with a virtio-user guest
(dpdk-testpmd), and named by `vhostctl guest why`:

why-guest-slow  an endless uplink (net_null) toward a guest that never
                refills its RX ring (testpmd connected, not started):
                guest slow, its RX ring full.
why-host-slow   a guest sending as fast as it can through an uplink that
                never refuses and receives without end (net_null, frames
                to no guest): the worker is busy every loop, nothing of
                the guest's is lost: host slow, a stall.
why-wire        the same guest through a TAP uplink whose link is down:
                every write fails, the frames stay unsent: wire.
why-policy      the same guest with tx-pps = 1000: policy (rate_limited).

Each one checks the sentence, that its numbers are guest.why's, and that
they add up with the raw counters (stats) and the Prometheus totals
(vhostctl metrics)."""
import json
import os
import re
import subprocess
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run, wait_for

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
MAC = "52:54:00:00:1f:01"
# Seconds of traffic before asking: the sampler's ticks are one second.
SETTLE = 5


def vhostctl(ctx, *args):
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock")] + list(args),
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 0, "vhostctl %s exited %d: %s" % (" ".join(args), r.returncode,
                                                           r.stderr))
    return r.stdout


def ctl(ctx, *args):
    return json.loads(vhostctl(ctx, "-j", *args))


CAUSE_WORDS = {"guest": "guest slow", "host": "host slow", "wire": "wire", "policy": "policy"}


def fmt(n):
    return "{:,}".format(n)


def start(ctx, uplink, fwd, keys=None, started=True, others=()):
    """vm1 (testpmd, forwarding mode fwd) on uplink; others: guests only
    configured, never connected."""
    conf = daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)] +
                       [dict(name=n, socket=ctx.sock(n), mac=m) for n, m in others],
                       uplink=uplink, ctx=ctx)
    if keys:
        conf = conf.replace("[guest vm1]\n", "[guest vm1]\n" + "".join(
            "%s = %s\n" % kv for kv in keys.items()))
    vd = Vhostd(ctx, conf)
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC, fwd=fwd, txpkts=64)
    wait_for(lambda: ctl(ctx, "guest", "show", "vm1")["pairs"] == 1, 10,
             "vm1 to enable its queues")
    if started:
        tp.cmd("start")
    time.sleep(SETTLE)
    return vd, tp


def metric(text, name, cause):
    m = re.search(r'^%s\{guest="vm1",cause="%s"\} (\d+)$' % (name, cause), text, re.M)
    check(m, "no %s{cause=%s} in vhostctl metrics:\n%s" % (name, cause, text))
    return int(m.group(1))


def ask(ctx, cause, direction):
    """guest why, checked against itself, the counters and the metrics
    (direction None: a stall, in no direction in particular)."""
    why = ctl(ctx, "guest", "why", "vm1")
    text = vhostctl(ctx, "guest", "why", "vm1")
    prom = vhostctl(ctx, "metrics")
    st = ctl(ctx, "stats")["guests"]["vm1"]["total"]
    print("  $ vhostctl guest why vm1\n" + "".join("  " + l + "\n" for l in text.splitlines()))
    check(why["cause"] == cause and direction in (None, why["direction"]),
          "guest why names %s/%s, expected %s/%s: %s" % (why["cause"], why["direction"],
                                                        cause, direction, why["summary"]))
    # A second later: the same cause, in the same words (numbers move on).
    first = text.splitlines()[0] if text else ""
    check(first.startswith("vm1 lost ") and ": mostly %s" % CAUSE_WORDS[cause] in first,
          "vhostctl guest why does not start with a summary naming %s:\n%s" % (cause, text))
    direction = direction or why["direction"]
    lost = why["lost"][direction]
    n = sum(lost[c] for c in ("guest", "host", "wire", "policy"))
    if n > 0:
        prefix = "vm1 lost %s of %s frames %s it in the last" % (
            fmt(n), fmt(lost["offered"]), "to" if direction == "rx" else "from")
        check(why["summary"].startswith(prefix), "summary %r, expected it to start %r" %
              (why["summary"], prefix))
        check(lost["offered"] == lost["delivered"] + n, "offered %d != delivered %d + lost "
              "%d" % (lost["offered"], lost["delivered"], n))
    # The interval's raw counters are part of what stats counted since the
    # start; the Prometheus totals (since the guest was added) lie between.
    raw = why["counters"]
    for k in ("guest_ring_full", "rate_limited", "no_mbuf", "spoofed", "not_ready"):
        check(raw[k] <= st["drops"][k], "guest.why counts %d %s in its interval, stats only %d "
              "in all" % (raw[k], k, st["drops"][k]))
    fam = "vhostd_guest_%s_lost_total" % direction
    total = metric(prom, fam, cause)
    check(lost[cause] <= total, "%s{cause=%s} = %d, below the last interval's %d" %
          (fam, cause, total, lost[cause]))
    return why, st, total


def check_lost(why, direction, cause, counter):
    """Some frames were lost to cause in the interval, exactly its counter's."""
    lost, n = why["lost"][direction][cause], why["counters"][counter]
    check(lost == n > 0, "lost to %s %d, %s %d" % (cause, lost, counter, n))


def check_prometheus(total, st, cause, counter):
    """The metric of frames lost to cause (since the guest was added) is no
    more than the drops counter stats has counted since the start."""
    check(total <= st["drops"][counter], "Prometheus counts %d frames lost to %s, more than "
          "the %d %s drops" % (total, cause, st["drops"][counter], counter))


def stop(vd, tp):
    tp.cmd("stop")
    tp.quit()
    vd.stop()


def why_guest_slow(ctx):
    vd, tp = start(ctx, "net_null0", "rxonly", started=False)
    why, st, total = ask(ctx, "guest", "rx")
    check_lost(why, "rx", "guest", "guest_ring_full")
    check_prometheus(total, st, "guest", "guest_ring_full")
    check(why["guest_slow_seconds"] >= SETTLE - 2, "RX ring full for %.1f s of %d" %
          (why["guest_slow_seconds"], SETTLE))
    check("mostly guest slow: its RX ring was full for %.1f s (%s drops, guest_ring_full)" %
          (why["guest_slow_seconds"], fmt(why["counters"]["guest_ring_full"])) in why["summary"],
          "summary: " + why["summary"])
    show = vhostctl(ctx, "guest", "show", "vm1")
    check("\nlosses (last" in show and re.search(r"^  - vm1 lost .*: mostly guest slow: .*"
                                                r"\(guest why\)$", show, re.M),
          "guest show has no losses section or no cause among its checks:\n" + show)
    tp.quit()
    vd.stop()


def why_host_slow(ctx):
    # An endless uplink (net_null) keeps the worker busy every loop: with
    # a second guest on the uplink its frames (to 00:00:00:00:00:00) are
    # unknown_dst, the uplink's, so vm1 loses nothing; vm1 sends as fast
    # as it can and waits for the worker.
    vd, tp = start(ctx, "net_null0", "txonly", others=[("vm2", "52:54:00:00:1f:02")])
    why, st, total = ask(ctx, "host", None)
    for d in ("rx", "tx"):
        check(sum(why["lost"][d][c] for c in ("guest", "host", "wire", "policy")) == 0,
              "frames lost %s with a sink that never refuses: %s" % (d, why["lost"]))
    check(why["busy_pct"] >= 90 and why["host_slow_seconds"] >= SETTLE - 2,
          "worker %d busy %d %%, saturated %.1f s" % (why["worker"], why["busy_pct"],
                                                      why["host_slow_seconds"]))
    check(why["summary"].startswith("vm1 lost nothing in the last") and
          "but stalled: mostly host slow: worker %d was saturated for" % why["worker"]
          in why["summary"], "summary: " + why["summary"])
    stop(vd, tp)


def why_wire(ctx):
    tap = "vhwy%d" % (os.getpid() % 100000)
    vd, tp = start(ctx, "net_tap0,iface=" + tap, "txonly", started=False)
    # The TAP in a namespace of the test's own, down: the kernel refuses
    # every write, so the uplink sends nothing and its TX queue stays full.
    ns = ctx.add_netns("why")
    subprocess.run(["ip", "link", "set", tap, "netns", ns], check=True)
    subprocess.run(["ip", "-n", ns, "link", "set", tap, "down"], check=True)
    tp.cmd("start")
    time.sleep(SETTLE)
    why, st, total = ask(ctx, "wire", "tx")
    up = ctl(ctx, "stats")["uplinks"]["up0"]["total"]
    check_lost(why, "tx", "wire", "uplink_tx_full")
    check(why["counters"]["uplink_tx_full"] <= up["drops"]["uplink_tx_full"],
          "guest.why counts %d uplink_tx_full, the uplink only %d in all" %
          (why["counters"]["uplink_tx_full"], up["drops"]["uplink_tx_full"]))
    check("mostly wire: the uplink's TX queue was full (%s drops, uplink_tx_full)" %
          fmt(why["counters"]["uplink_tx_full"]) in why["summary"], "summary: " + why["summary"])
    stop(vd, tp)


def why_policy(ctx):
    vd, tp = start(ctx, "net_null0,no-rx=1", "txonly", keys={"tx-pps": "1000"})
    why, st, total = ask(ctx, "policy", "tx")
    lost = why["lost"]["tx"]
    check_lost(why, "tx", "policy", "rate_limited")
    check_prometheus(total, st, "policy", "rate_limited")
    # 1000 frames a second pass (and a burst): the rest is the limit's.
    secs = why["seconds"]
    check(lost["delivered"] <= 1000 * secs + 2000, "%d frames passed a 1000 pkt/s limit in "
          "%.1f s" % (lost["delivered"], secs))
    check("mostly policy: %s rate_limited" % fmt(why["counters"]["rate_limited"]) in
          why["summary"], "summary: " + why["summary"])
    # DPDK telemetry has the same answer, flattened.
    prefix = re.search(r"file prefix (\S+) ", vd.output()).group(1)
    out = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="/vhostd/guest_why,vm1\n",
                         capture_output=True, text=True, timeout=20).stdout
    m = re.search(r"\{.*\}", out, re.S)
    check(m, "telemetry /vhostd/guest_why,vm1 answered: %s" % out[:500])
    tel = json.loads(m.group(0))["/vhostd/guest_why"]
    check(tel["cause"] == "policy" and tel["lost_tx_policy"] > 0,
          "telemetry /vhostd/guest_why,vm1: %s" % tel)
    stop(vd, tp)


if __name__ == "__main__":
    run({
        "why-guest-slow": why_guest_slow,
        "why-host-slow": why_host_slow,
        "why-wire": why_wire,
        "why-policy": why_policy,
    })
