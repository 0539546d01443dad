#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile vhost-user frontends on a guest socket (a few lines of Python for
inflight-flood; tests/hostile, a frontend in C with its own guest memory
and rings, for the hostile-* cases), while a well-behaved guest (DPDK
virtio-user) passes traffic on another socket of the same vhostd.  vhostd
must stay up, the other guest must not lose a frame, and open fds and RSS
must stay flat.  docs/security.md lists the attacks and what vhostd does."""
import functools
import json
import os
import re
import socket
import struct
import subprocess
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run

HOSTILE = os.environ.get("HOSTILE", "hostile")
EVIL_MAC = "52:54:00:00:07:66"     # the source MAC tests/hostile/hostile.c sends from

GOOD_MAC = "52:54:00:00:07:01"
VHOST_USER_VERSION = 0x1
GET_INFLIGHT_FD = 31


def frontend(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(path)
    return s


def closed_by_peer(s):
    """True when vhostd closed the connection (EOF) within 5 s."""
    try:
        return s.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def control(ctx, cmd, **args):
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(ctx.dir, "control.sock"))
    f = s.makefile("rw")
    f.write(json.dumps({"cmd": cmd, "args": args}) + "\n")
    f.flush()
    return json.loads(f.readline())["result"]


def inflight_flood(ctx):
    """GET_INFLIGHT_FD with num_queues = queue_size = 0xffff, never
    negotiated, ten times on fresh connections (FIELD-NOTES: +10 GB of RSS
    and leaked fds on librte_vhost 22.11 unguarded)."""
    vd = Vhostd(ctx, daemon_conf([dict(name="evil", socket=ctx.sock("evil")),
                                  dict(name="good", socket=ctx.sock("good"), mac=GOOD_MAC)],
                                 uplink="net_null0"))
    # The good guest transmits: its count only grows while vhostd dequeues.
    good = Testpmd(ctx, "good", ctx.sock("good"), mac=GOOD_MAC, fwd="txonly")
    good.cmd("start")
    time.sleep(0.5)
    rss0, fds0 = vd.rss_kb(), vd.fds()
    rx0 = good.port_stats()[1]
    closed = 0
    for _ in range(10):
        s = frontend(ctx.sock("evil"))
        payload = struct.pack("<QQHH", 0, 0, 0xffff, 0xffff)
        s.sendall(struct.pack("<III", GET_INFLIGHT_FD, VHOST_USER_VERSION, len(payload)) +
                  payload)
        closed += closed_by_peer(s)
        s.close()
    time.sleep(0.5)
    rss1, fds1 = vd.rss_kb(), vd.fds()
    rx1 = good.port_stats()[1]
    show = control(ctx, "guest.show", name="evil")
    print("  10 GET_INFLIGHT_FD(0xffff x 0xffff): %d connections closed by vhostd, %d refused; "
          "RSS %d -> %d kB, fds %d -> %d; the good guest sent %d frames meanwhile" %
          (closed, show["refused_messages"], rss0, rss1, fds0, fds1, rx1 - rx0))
    check(vd.proc.poll() is None, "vhostd died")
    check(closed == 10, "vhostd kept %d hostile connections open" % (10 - closed))
    check(show["refused_messages"] == 10, "refused %d of 10" % show["refused_messages"])
    check(rss1 - rss0 < 16 * 1024, "RSS grew by %d kB" % (rss1 - rss0))
    check(fds1 == fds0, "fds went from %d to %d" % (fds0, fds1))
    check(rx1 > rx0, "the good guest could not send meanwhile")
    good.quit()
    vd.stop()


def hostile(ctx, case, during=None, guest="evil"):
    """Run tests/hostile once on guest's socket; its parsed last line.  A
    case that prints "holding" keeps its connection until its stdin closes:
    during() runs then."""
    p = subprocess.Popen([HOSTILE, "--case", case, "--socket", ctx.sock(guest)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    out, stderr = "", ""
    try:
        if during is not None:
            for line in p.stdout:
                out += line
                if line == "holding\n":
                    during()
                    break
        stdout, stderr = p.communicate(timeout=150)
        out += stdout
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        with open(os.path.join(ctx.dir, "hostile-%s.log" % case), "a") as f:
            f.write(out + stderr)
    check(p.returncode == 0, "hostile --case %s exited %d:\n%s%s" %
          (case, p.returncode, out[-2000:], stderr[-2000:]))
    m = re.search(r"^result: (\S+)(?: used=(\d+)/(\d+))?$", out, re.M)
    check(m, "hostile --case %s printed no result:\n%s" % (case, out[-2000:]))
    used = (int(m.group(2)), int(m.group(3))) if m.group(2) else None
    return m.group(1), used, out


LATE_MAC = "52:54:00:00:07:02"


def control_answers(ctx, vd):
    """While the hostile connection holds: guest.show (which samples the
    guests' kick counts on the main thread) answers within 5 s."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(os.path.join(ctx.dir, "control.sock"))
    try:
        s.sendall(b'{"cmd": "guest.show", "args": {"name": "evil"}}\n')
        answer = s.makefile("r").readline()
    except socket.timeout:
        answer = ""
    finally:
        s.close()
    check(answer.endswith("\n") and json.loads(answer)["ok"], "guest.show got no answer "
          "within 5 s while the hostile connection held: %r" % answer[:200])
    return 0


def others_still_start(ctx, vd):
    """While the hostile connection holds what it got: guest.add of a new
    guest works, gets a mempool of its own, and a good driver connects to
    it and sends; then the guest goes away again (fds and RSS are compared
    across runs)."""
    n0 = vd.output().count("it shares its")
    r = control(ctx, "guest.add", name="late", socket=ctx.sock("late"), uplink="up0",
                mac=LATE_MAC, persist=False)
    check(r is not None, "guest.add failed while the hostile connection held")
    check(vd.output().count("it shares its") == n0,
          "the new guest got no mempool of its own:\n" + vd.output()[-1500:])
    late = Testpmd(ctx, "late", ctx.sock("late"), mac=LATE_MAC, fwd="txonly")
    try:
        _, (_, sent) = late.run_fwd("txonly", 1)
        st = vd.stats()["guest"]["late"]["total"]
        check(sent > 0 and st["tx_pkts"] == sent, "the new guest sent %d, vhostd dequeued %d"
              % (sent, st["tx_pkts"]))
        print("  while held: guest.add ok, the new guest sent %d frames, all dequeued" % sent)
    finally:
        late.quit()
    control(ctx, "guest.del", name="late")
    return sent


# How often each case runs after the first (warm-up) run, between the two
# fd/RSS measurements.
REPEAT = 3
# RSS may move a little between two measurements of an idle vhostd (DPDK's
# heap, librte_vhost's per-connection structures, glibc arenas, ASan's
# quarantine); growth per attack would show as a multiple of the repeats.
RSS_SLACK_KB = 4096


def drops(block):
    return sum(v for k, v in block.items() if k.startswith("drop_"))


def source_drops(block):
    """A guest's drops as a source (its frames not forwarded); ring full
    and not ready count frames toward it."""
    return sum(v for k, v in block.items() if k.startswith("drop_") and
               k not in ("drop_guest_ring_full", "drop_not_ready"))


def delta(a, b, kind, name):
    return {k: b[kind][name]["total"][k] - a[kind][name]["total"][k]
            for k in b[kind][name]["total"]}


def drained(vd, good):
    """vhostd's counters once it has dequeued everything the stopped good
    guest sent since it connected (frames may sit in its TX vring for a
    while: a worker may be asleep, waiting for a kick); those counters."""
    sent = good.port_stats()[1]
    t0 = time.monotonic()
    st = vd.stats()
    late = sent - st["guest"]["good"]["total"]["tx_pkts"]
    while st["guest"]["good"]["total"]["tx_pkts"] < sent and time.monotonic() < t0 + 10:
        time.sleep(0.1)
        st = vd.stats()
    if late > 0:
        print("  %d frames were still in the stopped good guest's TX vring; dequeued "
              "within %.1f s" % (late, time.monotonic() - t0))
    return st


def attack(ctx, case, expect, features="", used=None, tx=None, refused=0, spoofed=0,
           says=None, flood=False, rx_dropped=False, bad_offload=0, during=None):
    """vhostd with two guests: "evil" (tests/hostile) and "good" (a
    virtio-user testpmd sending all along).  Every run of the case must
    end with the backend's reaction `expect` (closed / alive), `used`
    chains back out of those posted (a (used, posted) pair, or "all"),
    `tx` frames dequeued from the evil guest (`bad_offload` of them dropped
    as drop_bad_offload, counted on it), `refused` messages refused by
    vhostd's filter and `spoofed` frames dropped as such, per run, and the
    client's output must contain `says`.  With flood, the good guest sends
    broadcasts (to the uplink and the hostile guest's RX vring), and with
    rx_dropped some of them must be counted as dropped toward it.  Then
    vhostd must be up, the good guest must have lost nothing, and open fds
    and RSS must be where they were.  during(ctx, vd) runs while a case
    that holds its connection holds it; what it returns is the number of
    frames other guests sent to the uplink meanwhile."""
    vd = Vhostd(ctx, daemon_conf([dict(name="evil", socket=ctx.sock("evil"), mac=EVIL_MAC,
                                       features=features),
                                  dict(name="good", socket=ctx.sock("good"), mac=GOOD_MAC)],
                                 uplink="net_null0,no-rx=1"))
    good = Testpmd(ctx, "good", ctx.sock("good"), mac=GOOD_MAC, fwd="txonly",
                   peer="ff:ff:ff:ff:ff:ff" if flood else "02:00:00:00:00:99")
    # A first run, with the good guest sending, warms up what is touched
    # once (mbuf pool and DPDK heap pages, sanitizer shadow); the measured
    # runs come after it.
    others = []     # frames sent by guests that during() added
    hold = (lambda: others.append(during(ctx, vd))) if during is not None else None
    good.cmd("start")
    hostile(ctx, case, hold)
    good.stop_fwd()
    drained(vd, good)
    fds0, rss0 = vd.fds(), vd.rss_kb()
    before = vd.stats()
    others.clear()
    good.cmd("start")
    results = []
    for _ in range(REPEAT):
        s0, r0 = vd.stats(), control(ctx, "guest.show", name="evil")["refused_messages"]
        res, u, out = hostile(ctx, case, hold)
        time.sleep(0.2)
        s1, r1 = vd.stats(), control(ctx, "guest.show", name="evil")["refused_messages"]
        ev = delta(s0, s1, "guest", "evil")
        results.append((res, u, ev["tx_pkts"], r1 - r0, ev["rx_pkts"], ev["drop_guest_ring_full"]))
        what = "case %s, run %d: " % (case, len(results))
        check(res == expect, what + "the backend's reaction was '%s', expected '%s':\n%s"
              % (res, expect, out[-1500:]))
        bo = ev["drop_bad_offload"]
        check(bo == bad_offload, what + "%d frames dropped as drop_bad_offload, expected %d"
              % (bo, bad_offload))
        if rx_dropped:
            check(ev["drop_guest_ring_full"] > 0, what + "no frame toward the hostile guest "
                  "was counted as dropped (drop_guest_ring_full)")
        if says is not None:
            check(says in out, what + "the client did not say '%s':\n%s" % (says, out[-1500:]))
        if used == "all":
            check(u is not None and u[0] == u[1], what + "chains came back: %s" % (u,))
        elif used is not None:
            check(u == used, what + "chains came back: %s, expected %s" % (u, used))
        if tx is not None:
            check(ev["tx_pkts"] == tx, what + "vhostd dequeued %d frames from the hostile "
                  "guest, expected %d" % (ev["tx_pkts"], tx))
        check(r1 - r0 == refused, what + "%d messages refused, expected %d" % (r1 - r0, refused))
        if spoofed is not None:
            check(ev["drop_spoofed"] == spoofed, what + "%d frames dropped as spoofed, "
                  "expected %d" % (ev["drop_spoofed"], spoofed))
    _, (_, sent) = good.stop_fwd()
    after = drained(vd, good)
    time.sleep(0.5)
    fds1, rss1 = vd.fds(), vd.rss_kb()
    # vhostd is up and its control socket answers.
    check(vd.proc.poll() is None, "vhostd died:\n" + vd.output()[-3000:])
    show = control(ctx, "guest.show", name="good")
    check(show["state"] == "running", "the good guest is %s" % show["state"])
    # The good guest lost nothing: every frame it sent was dequeued and
    # none dropped, and the uplink sent exactly the good frames plus what
    # the hostile guest got through.
    gd = delta(before, after, "guest", "good")
    ev = delta(before, after, "guest", "evil")
    up = delta(before, after, "uplink", "up0")
    print("  %s: %s; good guest sent %d, vhostd took %d, uplink sent %d (evil %d - %d "
          "dropped at the source); fds %d -> %d, RSS %d -> %d kB" %
          (case, results, sent, gd["tx_pkts"],
           up["tx_pkts"], ev["tx_pkts"], source_drops(ev), fds0, fds1, rss0, rss1))
    check(sent > 1000, "the good guest sent only %d frames" % sent)
    check(gd["tx_pkts"] == sent, "the good guest sent %d, vhostd dequeued %d" %
          (sent, gd["tx_pkts"]))
    check(after["guest"]["good"]["total"]["tx_pkts"] == good.port_stats()[1],
          "since it connected, the good guest sent %d, vhostd dequeued %d" %
          (good.port_stats()[1], after["guest"]["good"]["total"]["tx_pkts"]))
    check(drops(gd) == 0, "frames of the good guest dropped: %s" %
          {k: v for k, v in gd.items() if k.startswith("drop_") and v})
    check(up["tx_pkts"] + drops(up) == sent + ev["tx_pkts"] - source_drops(ev) + sum(others),
          "uplink sent %d and dropped %d; expected %d good + %d evil - %d dropped + %d from "
          "guests added meanwhile" % (up["tx_pkts"], drops(up), sent, ev["tx_pkts"],
                                      source_drops(ev), sum(others)))
    check(fds1 == fds0, "vhostd's open fds went from %d to %d" % (fds0, fds1))
    check(rss1 - rss0 < RSS_SLACK_KB, "vhostd's RSS grew by %d kB over %d runs" %
          (rss1 - rss0, REPEAT))
    good.quit()
    vd.stop()
    return results


OFFLOADS = "+csum +host-tso4"
# case: what every run must show (see attack()).  docs/security.md has the
# same list with the reasons.
CASES = {
    # message level
    "truncated-header": dict(expect="closed"),
    "oversize-payload": dict(expect="closed"),
    "unknown-request": dict(expect="closed"),
    "fds-too-many": dict(expect="closed", refused=2),     # SET_INFLIGHT_FD x2
    "fds-too-few": dict(expect="closed", refused=1),      # SET_INFLIGHT_FD
    "repeat-mem-table": dict(expect="alive", says="sent 1000 of 1000"),
    "repeat-vring-kick": dict(expect="alive", says="sent 1000 of 1000"),
    "repeat-log-base": dict(expect="alive", says="sent 1000 of 1000"),
    "repeat-inflight": dict(expect="closed", refused=1000),
    "too-many-regions": dict(expect="closed", refused=2),
    "region-overflow": dict(expect="closed", refused=4),
    "vring-index": dict(expect="closed"),
    "ring-size": dict(expect="closed", refused=3),       # 32769 and up: over the cap
    "wrong-order": dict(expect="alive", says="valid setup after: ok"),
    # datapath level: a valid device, bad chains, then one good frame
    "valid": dict(expect="alive", used="all", tx=1),
    "desc-loop": dict(expect="alive", used=(0, 2), tx=0),
    "desc-loop-packed": dict(expect="alive", used=(1, 2), tx=1, spoofed=1),
    "chain-too-long": dict(expect="alive", used=(0, 2), tx=0),
    "zero-length": dict(expect="alive", used="all", tx=1),
    "unmapped": dict(expect="alive", used=(0, 4), tx=0),
    "unmapped-packed": dict(expect="alive", used="all", tx=1),
    "cross-region": dict(expect="alive", used="all", tx=2),
    "short-chain": dict(expect="alive", used="all", tx=1),
    "short-chain-packed": dict(expect="alive", used="all", tx=1),
    "indirect-bad-len": dict(expect="alive", used=(1, 5), tx=1, features="+indirect-desc"),
    "packed-bad-id": dict(expect="alive", used="all", tx=4),
    "csum-start": dict(expect="alive", used="all", tx=3, features=OFFLOADS),
    "gso-size-zero": dict(expect="alive", used="all", tx=2, features=OFFLOADS),
    "gso-size-tiny": dict(expect="alive", used="all", tx=2, features=OFFLOADS, bad_offload=1),
    "flip-lengths": dict(expect="alive", spoofed=None),
    "flip-lengths-packed": dict(expect="alive", spoofed=None),
    # RX direction: bad buffers on the hostile guest's RX vring while the
    # good guest floods broadcasts
    "rx-bad-buffers": dict(expect="alive", flood=True, rx_dropped=True),
    "rx-bad-buffers-packed": dict(expect="alive", flood=True, rx_dropped=True),
    # dirty logging into a log file shorter than announced (SIGBUS at the
    # first logged write before vhostd refused it), frames flooding in
    "log-base-short": dict(expect="closed", refused=1, flood=True,
                           says="SET_LOG_BASE of 1048576 bytes on an empty file: closed"),
    # dirty logging at a non-zero mmap_offset (librte_vhost 22.11.11 writes
    # the bits that far past its mapping), frames both ways
    "log-base-offset": dict(expect="closed", refused=1, flood=True,
                            says="at offset 1073741824: closed"),
    # notification fds that can block a reader or librte_vhost's writer
    "kick-pipe": dict(expect="closed", refused=2),
    "call-pipe-full": dict(expect="closed", refused=1, flood=True),
    "notify-fd-kinds": dict(expect="closed", refused=4, flood=True),
    "call-eventfd-full": dict(expect="alive", used="all", flood=True),
    "kick-socket-lowat": dict(expect="closed", refused=1, during=control_answers),
    # vrings and ring sizes per connection; a new guest must still start
    # while the connection holds what it got
    "vring-flood": dict(expect="alive", refused=5, during=others_still_start,
                        says="0 of 32768 entries, 3 of 4096; 5 refused; stopped at vring 3"),
    "ring-size-cap": dict(expect="alive", refused=9, says="GET_QUEUE_NUM: 1\n"),
}


# Log bytes vhostd may write while a guest floods bad frames for 3 s: the
# rate-limited lines (10 per 5 s per guest) and the stats blocks, with room.
LOG_BOUND = 16 * 1024


def log_flood(ctx):
    """A guest sends frames librte_vhost logs as bad (an unknown gso_type:
    "unsupported gso type", one WARNING per frame in 22.11) at full rate
    for 3 s, while the good guest sends.  vhostd's log must stay within a
    few KiB, every frame of the good guest must be taken, and the good
    guest's rate must hold against a flood of the same frames without the
    bad request (the control: same work for the worker, nothing to log)."""
    vd = Vhostd(ctx, daemon_conf([dict(name="evil", socket=ctx.sock("evil"), mac=EVIL_MAC,
                                       features=OFFLOADS),
                                  dict(name="good", socket=ctx.sock("good"), mac=GOOD_MAC)],
                                 uplink="net_null0,no-rx=1"))
    good = Testpmd(ctx, "good", ctx.sock("good"), mac=GOOD_MAC, fwd="txonly")
    rates = {}
    for case in ("flood-valid", "flood-gso-type"):
        s0, size0 = vd.stats(), os.path.getsize(vd.logpath)
        good.cmd("clear port stats 0")
        good.cmd("start")
        t0 = time.monotonic()
        _, _, out = hostile(ctx, case)
        _, (_, sent) = good.stop_fwd()
        secs = time.monotonic() - t0
        after = drained(vd, good)
        grew = os.path.getsize(vd.logpath) - size0
        ev, gd = delta(s0, after, "guest", "evil"), delta(s0, after, "guest", "good")
        rates[case] = sent / secs
        print("  %s: the flooder got %d frames through, the good guest sent %d (%.0f/s); "
              "vhostd's log grew by %d bytes" % (case, ev["tx_pkts"], sent, rates[case], grew))
        check("flood: " in out, "the flood did not run:\n" + out[-1500:])
        check(ev["tx_pkts"] > 10000, "only %d frames of the flood reached vhostd" % ev["tx_pkts"])
        check(gd["tx_pkts"] == sent and drops(gd) == 0,
              "the good guest sent %d, vhostd took %d, dropped %s" %
              (sent, gd["tx_pkts"], {k: v for k, v in gd.items() if k.startswith("drop_") and v}))
        check(grew < LOG_BOUND, "vhostd's log grew by %d bytes during %s:\n%s" %
              (grew, case, vd.output()[size0:size0 + 1500]))
    check(rates["flood-gso-type"] >= 0.5 * rates["flood-valid"],
          "the good guest sent %.0f frames/s beside the bad flood, %.0f beside the control" %
          (rates["flood-gso-type"], rates["flood-valid"]))
    check(vd.proc.poll() is None, "vhostd died:\n" + vd.output()[-3000:])
    good.quit()
    vd.stop()


TESTS = {"inflight-flood": inflight_flood, "log-flood": log_flood}
TESTS.update({"hostile-" + case: functools.partial(attack, case=case, **args)
              for case, args in CASES.items()})

if __name__ == "__main__":
    run(TESTS)
