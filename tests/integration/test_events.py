#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The guests' flight recorders (vhostctl guest events, docs/operations.md):

events-virtio-user  a virtio-user guest (dpdk-testpmd) connects, sends and
                    quits: its connect, features offered and acked, memory
                    table, kick and call fds, vring enables, device ready,
                    device stopped and disconnect are listed in that order,
                    with increasing timestamps, by vhostctl (JSON and text),
                    --since and SIGUSR1's dump.
events-hostile      the hostile frontend (tests/hostile) negotiates
                    VHOST_F_LOG_ALL and sends a dirty log the filter refuses,
                    then an inflight request: dirty-log-start and both
                    refusals (with their request and reason) are listed;
                    a migration's dirty logging (on, a log, off) is listed
                    as dirty-log-start, -base and -stop; a thousand valid
                    SET_LOG_BASE overflow the ring, which keeps the newest
                    and counts the rest as dropped.
events-rate-limit   a guest over its tx-pps: one rate-limited event per
                    episode of drops, not one per second.
events-restart      vhostd stops cleanly and starts again with the same
                    state directory: the guest's earlier events are listed
                    again, then a restart marker, then the new ones; a
                    guest added at run time gets its (empty) record back."""
import json
import os
import re
import signal
import subprocess
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run, wait_for

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
HOSTILE = os.environ.get("HOSTILE", "hostile")
MAC = "52:54:00:00:0e:01"
LOG_ALL = 1 << 26       # VHOST_F_LOG_ALL
SET_LOG_BASE = 6
SET_INFLIGHT_FD = 32


def vhostctl(ctx, *args, json_out=True):
    cmd = [VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock")] + \
        (["-j"] if json_out else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "%s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr))
    return json.loads(r.stdout) if json_out else r.stdout


def events(ctx, name, *extra):
    return vhostctl(ctx, "guest", "events", name, *extra)


def kinds(evs):
    return [e["kind"] for e in evs]


def check_ordered(evs, want):
    """want: kinds that must appear in this order (first occurrence of each
    after the previous one)."""
    at = 0
    ks = kinds(evs)
    for k in want:
        check(k in ks[at:], "no %s after position %d in %s" % (k, at, ks))
        at = ks.index(k, at) + 1


def check_monotonic(evs):
    for a, b in zip(evs, evs[1:]):
        check(b["seq"] == a["seq"] + 1, "seq %d follows %d" % (b["seq"], a["seq"]))
        check(b["ts_ns"] >= a["ts_ns"], "time goes back: %s then %s" % (a, b))


def virtio_user(ctx):
    vd = Vhostd(ctx, daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)],
                                 uplink="net_null0", ctx=ctx))
    t0 = time.time_ns()
    check(events(ctx, "vm1")["events"] == [], "events before any guest connected")
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC, fwd="txonly")
    wait_for(lambda: "device-ready" in kinds(events(ctx, "vm1")["events"]), 10, "device-ready")
    show = vhostctl(ctx, "guest", "show", "vm1")
    tp.cmd("start")
    time.sleep(0.5)
    tp.stop_fwd()
    tp.quit()
    wait_for(lambda: "disconnect" in kinds(events(ctx, "vm1")["events"]), 10, "disconnect")
    r = events(ctx, "vm1")
    evs = r["events"]
    for e in evs:
        print("  %s %s" % (e["time"], {k: v for k, v in e.items()
                                       if k not in ("time", "ts_ns", "seq")}))
    check(r["name"] == "vm1" and r["dropped"] == 0, "header: %s" % {k: r[k] for k in r
                                                                    if k != "events"})
    check_ordered(evs, ["connect", "features-offered", "features-set", "mem-table", "kick-fd",
                        "device-ready", "device-stopped", "disconnect"])
    # virtio-user sends its call fds before its features: anywhere before
    # the vrings are enabled.
    check_ordered(evs, ["connect", "call-fd", "vring-enable", "device-ready", "vring-disable",
                        "device-stopped"])
    check_monotonic(evs)
    check(evs[0]["ts_ns"] >= t0 and evs[-1]["ts_ns"] <= time.time_ns(),
          "timestamps outside the test's run")
    by = {k: [e for e in evs if e["kind"] == k] for k in set(kinds(evs))}
    check(by["features-set"][-1]["features"] == show["features"]["negotiated"],
          "features-set %s, guest show negotiated %s" %
          (by["features-set"][-1]["features"], show["features"]["negotiated"]))
    check(by["features-offered"][0]["features"] == show["features"]["offered"],
          "features-offered %s, guest show offered %s" %
          (by["features-offered"][0]["features"], show["features"]["offered"]))
    mt = by["mem-table"][0]
    check(mt["regions"] >= 1 and mt["bytes"] >= 256 << 20,
          "mem-table of a testpmd with 512 MB: %s" % mt)
    check(sorted({e["vring"] for e in by["kick-fd"]}) == [0, 1] and
          all(e["fd"] for e in by["kick-fd"]), "kick fds: %s" % by["kick-fd"])
    check(sorted({e["vring"] for e in by["vring-enable"]}) == [0, 1],
          "vring-enable: %s" % by["vring-enable"])
    check(by["connect"][0]["vid"] == by["disconnect"][-1]["vid"], "connect/disconnect vids")
    # The text view: one line per event, ISO time, kind, details.
    text = vhostctl(ctx, "guest", "events", "vm1", json_out=False).splitlines()
    check(len(text) == len(evs), "%d text lines for %d events" % (len(text), len(evs)))
    check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z connect vid=\d+$", text[0]),
          "first text line: %r" % text[0])
    check(any(re.search(r" kick-fd vring=0 fd=yes$", t) for t in text), "no kick-fd line")
    # --since: nothing in the future, everything in the last hour, and
    # from a given second only what came at or after it.
    check(events(ctx, "vm1", "--since", str(int(time.time()) + 60))["events"] == [],
          "--since in the future lists events")
    check(len(events(ctx, "vm1", "--since", "-3600")["events"]) == len(evs), "--since -3600")
    cut = evs[-1]["ts_ns"] // 10**9
    later = events(ctx, "vm1", "--since", str(cut))["events"]
    check(later and later[-1]["kind"] == "disconnect" and
          all(e["ts_ns"] >= cut * 10**9 for e in later), "--since %d: %s" % (cut, later))
    # Unknown guest: ENOENT's exit status.
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock"), "guest",
                        "events", "nope"], capture_output=True, text=True)
    check(r.returncode == 4 and "nope" in r.stderr, "guest events nope: %d %s" %
          (r.returncode, r.stderr))
    # SIGUSR1's dump has the latest events too.
    n = vd.output().count("vhostd stats end")
    vd.proc.send_signal(signal.SIGUSR1)
    wait_for(lambda: vd.output().count("vhostd stats end") > n, 10, "the SIGUSR1 dump")
    dump = vd.output()[vd.output().rindex("vhostd stats:"):]
    check(re.search(r"^guest vm1 event \S+Z disconnect vid=\d+$", dump, re.M),
          "no disconnect event in the dump:\n" + dump[-2000:])
    vd.stop()


def hostile_run(ctx, case):
    r = subprocess.run([HOSTILE, "--case", case, "--socket", ctx.sock("evil")],
                       capture_output=True, text=True, timeout=120)
    with open(os.path.join(ctx.dir, "hostile-%s.log" % case), "a") as f:
        f.write(r.stdout + r.stderr)
    check(r.returncode == 0, "hostile --case %s exited %d:\n%s" % (case, r.returncode,
                                                                  r.stdout[-1500:]))
    return r.stdout


def hostile(ctx):
    vd = Vhostd(ctx, daemon_conf([dict(name="evil", socket=ctx.sock("evil"))],
                                 uplink="net_null0,no-rx=1", ctx=ctx))
    out = hostile_run(ctx, "log-base-short")
    check("result: closed" in out, "log-base-short: %s" % out[-500:])
    out = hostile_run(ctx, "fds-too-few")
    check("result: closed" in out, "fds-too-few: %s" % out[-500:])
    wait_for(lambda: kinds(events(ctx, "evil")["events"]).count("disconnect") >= 2, 10,
             "both connections to close")
    evs = events(ctx, "evil")["events"]
    for e in evs:
        print("  %s %s" % (e["time"], {k: v for k, v in e.items()
                                       if k not in ("time", "ts_ns", "seq")}))
    check_monotonic(evs)
    check_ordered(evs, ["connect", "features-set", "dirty-log-start", "refused", "disconnect",
                        "connect", "refused", "disconnect"])
    start = [e for e in evs if e["kind"] == "dirty-log-start"][0]
    check(int(start["features"], 16) & LOG_ALL, "dirty-log-start without LOG_ALL: %s" % start)
    refused = [e for e in evs if e["kind"] == "refused"]
    check(refused[0]["request"] == SET_LOG_BASE and "dirty log" in refused[0]["reason"],
          "the refused dirty log: %s" % refused[0])
    check(refused[1]["request"] == SET_INFLIGHT_FD and "inflight" in refused[1]["reason"],
          "the refused inflight request: %s" % refused[1])
    check(vhostctl(ctx, "guest", "show", "evil")["refused_messages"] == len(refused),
          "guest show and the recorder disagree on refusals")
    # Dirty logging done right: on, a log, off (a migration's course).
    out = hostile_run(ctx, "migrate-log")
    check("off again: ok" in out and "result: alive" in out, "migrate-log: %s" % out[-500:])
    wait_for(lambda: kinds(events(ctx, "evil")["events"])[-1] == "disconnect", 10,
             "migrate-log to close")
    evs = events(ctx, "evil")["events"]
    mig = evs[[i for i, e in enumerate(evs) if e["kind"] == "connect"][-1]:]
    check_ordered(mig, ["connect", "device-ready", "dirty-log-start", "dirty-log-base",
                        "dirty-log-stop", "device-stopped", "disconnect"])
    base = [e for e in mig if e["kind"] == "dirty-log-base"][0]
    check(base["bytes"] == 4096 and base["offset"] == 0, "dirty-log-base: %s" % base)
    stop = [e for e in mig if e["kind"] == "dirty-log-stop"][0]
    check(not int(stop["features"], 16) & LOG_ALL, "dirty-log-stop with LOG_ALL: %s" % stop)
    # A thousand valid dirty logs: the ring keeps the newest, counts the rest.
    before = evs[-1]["seq"] + 1
    out = hostile_run(ctx, "repeat-log-base")
    check("sent 1000 of 1000" in out, "repeat-log-base: %s" % out[-500:])
    wait_for(lambda: kinds(events(ctx, "evil")["events"])[-1] == "disconnect", 10,
             "repeat-log-base to close")
    r = events(ctx, "evil")
    evs = r["events"]
    check(len(evs) == 256, "%d events kept" % len(evs))
    check(r["dropped"] == evs[-1]["seq"] + 1 - 256 and r["dropped"] > before,
          "dropped %d, last seq %d" % (r["dropped"], evs[-1]["seq"]))
    check(kinds(evs).count("dirty-log-base") > 200, "dirty-log-base: %d" %
          kinds(evs).count("dirty-log-base"))
    base = [e for e in evs if e["kind"] == "dirty-log-base"][0]
    check(base["bytes"] > 0, "dirty-log-base: %s" % base)
    text = vhostctl(ctx, "guest", "events", "evil", json_out=False)
    check(text.startswith("(%d older events dropped)\n" % r["dropped"]), text[:200])
    vd.stop()


def rate_limit(ctx):
    conf = daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)],
                       uplink="net_null0", ctx=ctx)
    conf = conf.replace("[guest vm1]\n", "[guest vm1]\ntx-pps = 1000\n")
    vd = Vhostd(ctx, conf)
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC, fwd="txonly")
    wait_for(lambda: "device-ready" in kinds(events(ctx, "vm1")["events"]), 10, "device-ready")
    check("rate-limited" not in kinds(events(ctx, "vm1")["events"]), "limited before sending")
    for episode in (1, 2):
        tp.cmd("start")
        time.sleep(3.5)         # three samples or more, over the limit all along
        tp.stop_fwd()
        time.sleep(2.5)         # a sample with no new drops ends the episode
        evs = [e for e in events(ctx, "vm1")["events"] if e["kind"] == "rate-limited"]
        print("  episode %d: %s" % (episode, evs))
        check(len(evs) == episode, "after %d episode(s) of drops: %d rate-limited events"
              % (episode, len(evs)))
        check(evs[-1]["drops"] > 0, "rate-limited without drops: %s" % evs[-1])
    limited = vhostctl(ctx, "stats", "guest", "vm1")
    print("  stats: %s" % json.dumps(limited)[:300])
    tp.quit()
    vd.stop()


def restart(ctx):
    conf = daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)],
                       uplink="net_null0", ctx=ctx)
    vd = Vhostd(ctx, conf)
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC)
    wait_for(lambda: "device-ready" in kinds(events(ctx, "vm1")["events"]), 10, "device-ready")
    tp.quit()
    wait_for(lambda: "disconnect" in kinds(events(ctx, "vm1")["events"]), 10, "disconnect")
    old = events(ctx, "vm1")["events"]
    # A guest added at run time (saved) comes back with its record too.
    vhostctl(ctx, "guest", "add", "vm2", "--socket", ctx.sock("vm2"), json_out=False)
    vd.stop()
    saved = os.path.join(ctx.dir, "state", "events", "vm1.json")
    check(os.path.exists(saved), "no %s after a clean stop" % saved)
    vd = Vhostd(ctx, conf, name="vhostd2")
    check(not os.path.exists(saved), "%s is still there once read back" % saved)
    tp = Testpmd(ctx, "vm1b", ctx.sock("vm1"), mac=MAC)
    wait_for(lambda: "device-ready" in kinds(events(ctx, "vm1")["events"])[len(old):], 10,
             "device-ready after the restart")
    evs = events(ctx, "vm1")["events"]
    for e in evs:
        print("  %s %s" % (e["time"], {k: v for k, v in e.items()
                                       if k not in ("time", "ts_ns", "seq")}))
    check(evs[:len(old)] == old, "the events of the first run changed:\n%s\n%s" %
          (old, evs[:len(old)]))
    check(evs[len(old)]["kind"] == "restart", "no restart marker after the old events: %s"
          % evs[len(old)])
    check_monotonic(evs)
    check_ordered(evs[len(old) + 1:], ["connect", "mem-table", "device-ready"])
    check(kinds(events(ctx, "vm2")["events"]) == ["restart"],
          "the runtime guest's record: %s" % events(ctx, "vm2")["events"])
    tp.quit()
    vd.stop()


TESTS = {"events-virtio-user": virtio_user, "events-hostile": hostile,
         "events-rate-limit": rate_limit, "events-restart": restart}

if __name__ == "__main__":
    run(TESTS)
