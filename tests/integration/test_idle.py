#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Notification modes (guest key notify): an idle worker in adaptive mode
sleeps (its thread stops using CPU), traffic from a guest or from the wire
wakes it, and nothing is lost across many sleep/wake cycles; a worker that
serves a guest in poll mode never sleeps.  Guests are DPDK virtio-user
ports in dpdk-testpmd; the worker thread's CPU time is read from /proc."""
import functools
import json
import os
import subprocess
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run, wait_for
from test_switching import BCAST, ns_counter, ns_send

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
MAC1 = "52:54:00:00:0e:01"
MAC2 = "52:54:00:00:0e:02"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def ctl_json(ctx, *args):
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock"), "-j"] +
                       list(args), capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "vhostctl %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                           r.stderr[-2000:]))
    return json.loads(r.stdout)


def worker(ctx, index=0):
    return ctl_json(ctx, "workers")["workers"][index]


def worker_tid(vd, lcore=1):
    """The worker thread: EAL names it after its lcore."""
    names = ("lcore-worker-%d" % lcore, "rte-worker-%d" % lcore)
    for tid in os.listdir("/proc/%d/task" % vd.pid()):
        with open("/proc/%d/task/%s/comm" % (vd.pid(), tid)) as f:
            if f.read().strip() in names:
                return int(tid)
    raise AssertionError("no worker thread for lcore %d in vhostd" % lcore)


def cpu_seconds(vd, tid):
    """utime + stime of one thread (/proc/PID/task/TID/stat fields 14, 15)."""
    with open("/proc/%d/task/%d/stat" % (vd.pid(), tid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def voluntary_switches(vd, tid):
    """Times the thread blocked (slept) of its own accord."""
    with open("/proc/%d/task/%d/status" % (vd.pid(), tid)) as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError("no voluntary_ctxt_switches in /proc status")


def cpu_share(vd, tid, seconds):
    c0, t0 = cpu_seconds(vd, tid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(vd, tid) - c0) / (time.monotonic() - t0)


def wait_running(vd, name, pairs=1):
    wait_for(lambda: vd.guest(name)["pairs"] == pairs, 10, "guest %s to serve %d pair(s)"
             % (name, pairs))


def wait_asleep(ctx):
    return wait_for(lambda: worker(ctx)["notify"]["asleep"], 5, "the worker to sleep")


def idle_adaptive(ctx):
    """A guest in adaptive mode on a TAP uplink (RX interrupts): idle, the
    worker sleeps and uses no CPU; a guest's frames and frames from the wire
    wake it, and every one of them is delivered."""
    tap = "vhid%d" % (os.getpid() % 100000)
    vd = Vhostd(ctx, daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC1)],
                                 uplink="net_tap0,iface=" + tap, ctx=ctx,
                                 extra="idle-threshold-us = 200"))
    ns = ctx.add_netns("idle")
    subprocess.run(["ip", "link", "set", tap, "netns", ns], check=True)
    subprocess.run(["ip", "-n", ns, "link", "set", tap, "up"], check=True)
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC1, peer="02:00:00:00:0e:99")
    wait_running(vd, "vm1")
    g = ctl_json(ctx, "guest", "show", "vm1")
    check(g["notify"] == "adaptive", "guest notify mode %s, expected adaptive" % g["notify"])
    w = worker(ctx)
    check(w["notify"]["mode"] == "adaptive", "worker mode %s" % w["notify"]["mode"])
    check(not w["notify"]["backoff"], "a TAP uplink has RX interrupts, yet the worker "
          "backs off: %s" % w["notify"])
    tp.cmd("start")     # rxonly: the guest polls its RX ring, sends nothing
    wait_asleep(ctx)
    tid = worker_tid(vd)
    share = cpu_share(vd, tid, 3)
    print("  idle worker (adaptive, tap uplink): %.2f %% of a CPU" % (100 * share))
    check(share < 0.02, "idle worker used %.1f %% of a CPU in adaptive mode" % (100 * share))
    tx = [v for v in ctl_json(ctx, "guest", "show", "vm1")["vrings"] if v["direction"] == "tx"]
    check(tx and all(not v["kicks_suppressed"] and v["worker_asleep"] for v in tx),
          "asleep, the worker must have the guest's kicks on: %s" % tx)

    # From the guest: a kick wakes the worker.
    before = worker(ctx)["notify"]
    wire0 = ns_counter(ns, tap, "rx_packets")
    tp.cmd("stop")
    tp.cmd("start tx_first")        # one burst, then rxonly again
    wait_for(lambda: ns_counter(ns, tap, "rx_packets") - wire0 >= 32, 5,
             "the guest's burst on the wire")
    _, (_, sent) = tp.stop_fwd()
    check(sent == 32, "testpmd sent %d frames, expected one burst of 32" % sent)
    after = worker(ctx)["notify"]
    check(after["wakeups"] > before["wakeups"], "no wake-up counted: %s -> %s" % (before, after))

    # From the wire: the TAP queue's fd wakes the worker.
    tp.cmd("clear port stats 0")
    tp.cmd("start")
    wait_asleep(ctx)
    before = worker(ctx)["notify"]
    ns_send(ns, tap, BCAST + "/20")
    wait_for(lambda: tp.port_stats()[0] >= 20, 5, "20 broadcasts to reach the guest")
    after = worker(ctx)["notify"]
    check(after["wakeups"] > before["wakeups"], "no wake-up counted: %s -> %s" % (before, after))
    check(tp.port_stats()[0] == 20, "guest received %d frames, 20 sent" % tp.port_stats()[0])
    tp.cmd("stop")
    tp.quit()
    vd.stop()


def cycles(ctx, packed=False, notify="adaptive"):
    """100 rounds of: a counted burst from the guest, then idleness past the
    threshold.  The worker sleeps and wakes each round, and the uplink
    transmits exactly what the guest sent."""
    vd = Vhostd(ctx, daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC1,
                                       notify=notify)],
                                 uplink="net_null0,no-rx=1", ctx=ctx,
                                 extra="idle-threshold-us = 200"))
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC1, packed=packed)
    wait_running(vd, "vm1")
    check(vd.guest("vm1")["ring"] == ("packed" if packed else "split"), "ring not negotiated")
    w = worker(ctx)["notify"]
    check(w["mode"] == notify, "worker mode %s, expected %s" % (w["mode"], notify))
    check(w["backoff"], "net_null has no RX interrupts: expected back-off")
    before = vd.stats()
    n0 = worker(ctx)["notify"]
    sent = 0
    for i in range(100):
        wait_asleep(ctx)
        tp.cmd("start tx_first")
        _, (_, tx) = tp.stop_fwd()
        sent += tx
    time.sleep(0.1)
    after = vd.stats()
    n1 = worker(ctx)["notify"]
    gtx = after["guest"]["vm1"]["total"]["tx_pkts"] - before["guest"]["vm1"]["total"]["tx_pkts"]
    utx = after["uplink"]["up0"]["total"]["tx_pkts"] - before["uplink"]["up0"]["total"]["tx_pkts"]
    sleeps = n1["sleeps"] - n0["sleeps"]
    switches = n1["switches"] - n0["switches"]
    print("  100 rounds: guest sent %d, vhostd dequeued %d, uplink sent %d; %d switches, "
          "%d sleeps, %d wake-ups, %d timeouts" % (sent, gtx, utx, switches, sleeps,
                                                  n1["wakeups"] - n0["wakeups"],
                                                  n1["timeouts"] - n0["timeouts"]))
    check(sent == 100 * 32, "testpmd sent %d frames in 100 bursts of 32" % sent)
    check(gtx == sent, "guest sent %d, vhostd dequeued %d" % (sent, gtx))
    check(utx == sent, "guest sent %d, uplink transmitted %d" % (sent, utx))
    check(switches >= 100, "only %d switches to notifications in 100 idle periods" % switches)
    kicks = after["guest"]["vm1"]["kicks"] - before["guest"]["vm1"]["kicks"]
    check(kicks >= 50, "only %d kicks counted for 100 bursts sent to a sleeping worker" % kicks)
    tp.quit()
    final = vd.stop()
    check(final["guest"]["vm1"]["total"]["tx_pkts"] == final["uplink"]["up0"]["total"]["tx_pkts"],
          "final counters: guest sent %d, uplink sent %d" % (
              final["guest"]["vm1"]["total"]["tx_pkts"], final["uplink"]["up0"]["total"]["tx_pkts"]))


def backoff_cap(ctx):
    """[daemon] idle-backoff-max-us caps the sleeps of a worker that polls
    an uplink without RX interrupts: with 20 ms, an idle worker times out
    at most 50 times a second (1000 with the default 1 ms), and says so at
    start; a guest's frames still wake it at once."""
    vd = Vhostd(ctx, daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC1)],
                                 uplink="net_null0,no-rx=1", ctx=ctx,
                                 extra="idle-backoff-max-us = 20000"))
    check("looks at it at least every 20000 us" in vd.output(),
          "no back-off cap of 20000 us in the log:\n" + vd.output()[-2000:])
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC1)
    wait_running(vd, "vm1")
    check(worker(ctx)["notify"]["backoff"], "net_null has no RX interrupts: expected back-off")
    wait_asleep(ctx)
    time.sleep(0.5)     # past the ramp: 50, 100, ... 12800, then 20000 us
    n0, t0 = worker(ctx)["notify"], time.monotonic()
    time.sleep(3)
    n1, t1 = worker(ctx)["notify"], time.monotonic()
    rate = (n1["timeouts"] - n0["timeouts"]) / (t1 - t0)
    print("  idle, idle-backoff-max-us = 20000: %.1f timeouts/s" % rate)
    # Timers fire late on a loaded machine, never early: at most 50/s.
    check(5 <= rate <= 52, "%.1f back-off timeouts a second, expected about 50" % rate)
    before = vd.stats()["guest"]["vm1"]["total"]["tx_pkts"]
    wakeups = worker(ctx)["notify"]["wakeups"]
    tp.cmd("start tx_first")
    _, (_, tx) = tp.stop_fwd()
    wait_for(lambda: vd.stats()["guest"]["vm1"]["total"]["tx_pkts"] - before == tx, 5,
             "vhostd to dequeue the burst")
    check(worker(ctx)["notify"]["wakeups"] > wakeups, "the guest's kick did not wake the worker")
    tp.quit()
    vd.stop()


def poll_never_sleeps(ctx):
    """A worker serving a guest in poll mode spins, whatever the other
    guests' modes; kicks stay suppressed."""
    vd = Vhostd(ctx, daemon_conf([
        dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC1),
        dict(name="vm2", socket=ctx.sock("vm2"), mac=MAC2, notify="poll"),
    ], uplink="net_null0,no-rx=1", ctx=ctx, extra="idle-threshold-us = 200"))
    tp1 = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC1)
    tp2 = Testpmd(ctx, "vm2", ctx.sock("vm2"), mac=MAC2)
    wait_running(vd, "vm1")
    wait_running(vd, "vm2")
    check(ctl_json(ctx, "guest", "show", "vm2")["notify"] == "poll", "vm2 not in poll mode")
    w = worker(ctx)
    check(w["notify"]["mode"] == "poll", "worker mode %s with a poll-mode guest" %
          w["notify"]["mode"])
    s0 = w["notify"]["sleeps"]
    tid = worker_tid(vd)
    v0 = voluntary_switches(vd, tid)
    share = cpu_share(vd, tid, 2)
    v1 = voluntary_switches(vd, tid)
    # CPU 1 may be shared with other processes: the share is what the
    # scheduler gave; a spinning thread never blocks of its own accord.
    print("  idle worker (poll): %.0f %% of a CPU, %d voluntary context switches in 2 s"
          % (100 * share, v1 - v0))
    check(v1 - v0 <= 2, "a poll-mode worker blocked %d times in 2 s" % (v1 - v0))
    check(share > 0.1, "a poll-mode worker used only %.0f %% of a CPU" % (100 * share))
    w = worker(ctx)
    check(w["notify"]["sleeps"] == s0 and not w["notify"]["asleep"],
          "a poll-mode worker slept: %s" % w["notify"])
    for v in ctl_json(ctx, "guest", "show", "vm1")["vrings"]:
        check(v.get("kicks_suppressed", True), "kicks on in poll mode: %s" % v)
    # guest.add takes the mode; a bad one is refused and changes nothing.
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock"), "guest", "add",
                        "vm3", "--socket", ctx.sock("vm3"), "--notify", "sometimes"],
                       capture_output=True, text=True, timeout=30)
    print("  bad --notify: exit %d: %s" % (r.returncode, r.stderr.strip()))
    check(r.returncode == 1 and "[guest vm3] notify: 'sometimes' is not a notification mode "
          "(expected adaptive, interrupt or poll)" in r.stderr,
          "guest add --notify sometimes: exit %d, %r" % (r.returncode, r.stderr))
    check([g["name"] for g in ctl_json(ctx, "guest", "list")["guests"]] == ["vm1", "vm2"],
          "a refused guest.add changed the guest list")
    check(not os.path.exists(ctx.sock("vm3")), "a refused guest.add created its socket")
    added = ctl_json(ctx, "guest", "add", "vm3", "--socket", ctx.sock("vm3"), "--notify",
                     "interrupt", "--no-persist")
    check(added["notify"] == "interrupt", "guest.add --notify interrupt: %s" % added)
    check(vd.guest("vm1")["state"] == "running" and vd.guest("vm2")["state"] == "running",
          "the other guests stopped")
    # Without the poll-mode guest the worker sleeps.
    tp2.quit()
    wait_for(lambda: worker(ctx)["notify"]["mode"] == "adaptive", 10,
             "the worker to leave poll mode once vm2 is gone")
    wait_asleep(ctx)
    tp1.quit()
    vd.stop()


if __name__ == "__main__":
    run({"idle-adaptive": idle_adaptive, "idle-cycles": cycles,
         "idle-cycles-packed": functools.partial(cycles, packed=True, notify="interrupt"),
         "idle-poll": poll_never_sleeps, "idle-backoff-cap": backoff_cap})
