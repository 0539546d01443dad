#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The control socket through vhostctl (docs/control-protocol.md): a guest
added at run time carries traffic from a virtio-user guest, shows its
negotiated features and suppressed kicks, is captured to a pcapng file
tcpdump reads, and goes away with its socket;
persisted guests come back after a restart; bad requests change nothing;
`vhostctl metrics` is valid Prometheus text."""
import json
import os
import re
import socket
import subprocess

from harness import Testpmd, Vhostd, check, daemon_conf, run, wait_for

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
MAC = "52:54:00:00:05:01"


def control_conf(ctx, guests=()):
    """One net_null uplink; daemon_conf puts the control socket (control.sock)
    and the state directory (state) in the test's directory."""
    return daemon_conf(list(guests), uplink="net_null0", ctx=ctx)


def ctl(ctx, *args, expect=0, cwd=None):
    """Run vhostctl against the test's vhostd; check its exit status."""
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock")] + list(args),
                       capture_output=True, text=True, timeout=30, cwd=cwd)
    if expect is not None:
        check(r.returncode == expect, "vhostctl %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
              % (" ".join(args), r.returncode, expect, r.stdout[-2000:], r.stderr[-2000:]))
    return r


def ctl_json(ctx, *args):
    return json.loads(ctl(ctx, "-j", *args).stdout)


def raw(ctx, line):
    """Send one raw line on the control socket; the decoded answer (None if closed)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(os.path.join(ctx.dir, "control.sock"))
    s.sendall(line if isinstance(line, bytes) else line.encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf) if buf else None


def guest_names(ctx):
    return [g["name"] for g in ctl_json(ctx, "guest", "list")["guests"]]


def state_file(ctx, name):
    return os.path.join(ctx.dir, "state", "guests", name + ".json")


PROM_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_prometheus(text):
    """Strict reader of the text exposition format (0.0.4): HELP and TYPE once
    per family and before its samples, samples of a family together, labels
    quoted and escaped, counters named *_total.  {(name, labels): value}."""
    samples, types, done = {}, {}, set()
    family = None
    check(text.endswith("\n"), "metrics do not end with a newline")
    for n, line in enumerate(text.splitlines(), 1):
        where = "metrics line %d: %r" % (n, line)
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            check(name not in done and name not in types, where + ": family repeated")
            if family:
                done.add(family)
            family = name
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            check(name == family and name not in types, where + ": TYPE without HELP")
            check(kind in ("counter", "gauge"), where + ": type " + kind)
            check(kind != "counter" or name.endswith("_total"), where + ": counter not *_total")
            types[name] = kind
        else:
            m = PROM_SAMPLE.match(line)
            check(m is not None, where + ": not a sample")
            check(m.group(1) == family and family in types, where + ": outside its family")
            labels, rest = [], m.group(3) or ""
            while rest:
                lm = PROM_LABEL.match(rest)
                check(lm is not None, where + ": bad labels")
                labels.append((lm.group(1), lm.group(2)))
                rest = rest[lm.end():]
            float(m.group(4))
            key = (m.group(1), tuple(sorted(labels)))
            check(key not in samples, where + ": sample repeated")
            samples[key] = float(m.group(4))
    try:    # the reference parser too, where Debian's python3-prometheus-client is installed
        from prometheus_client.parser import text_string_to_metric_families
        list(text_string_to_metric_families(text))
    except ImportError:
        pass
    return samples


def metric(samples, name, **labels):
    key = (name, tuple(sorted(labels.items())))
    check(key in samples, "no metric %s%s" % (name, labels))
    return samples[key]


def restart(ctx, conf, n):
    """A new vhostd on the same configuration file; the last one's log is kept aside."""
    log = os.path.join(ctx.dir, "vhostd.log")
    os.rename(log, "%s.%d" % (log, n))
    return Vhostd(ctx, conf)


def wait_running(ctx, name, pairs=1):
    return wait_for(lambda: (lambda g: g if g["state"] == "running" and g["pairs"] == pairs
                             else None)(ctl_json(ctx, "guest", "show", name)),
                    15, "guest %s to run with %d pair(s)" % (name, pairs))


def runtime_guest(ctx):
    """Add a guest at run time, pass traffic, inspect it, delete it."""
    vd = Vhostd(ctx, control_conf(ctx))
    check(guest_names(ctx) == [], "guests before any was added")
    sock = ctx.sock("vm1")
    out = ctl(ctx, "guest", "add", "vm1", "--socket", sock, "--mode", "server",
              "--uplink", "up0", "--mac", MAC).stdout
    print("  " + out.strip())
    check(os.path.exists(sock), "no socket file after guest add")
    g = ctl_json(ctx, "guest", "show", "vm1")
    check(g["state"] == "waiting" and g["source"] == "runtime",
          "new guest: state %s, source %s" % (g["state"], g["source"]))

    tp = Testpmd(ctx, "vm1", sock, mac=MAC)
    wait_running(ctx, "vm1")
    tp.run_fwd("rxonly", 1)
    rx, _ = tp.port_stats()
    _, (_, tx) = tp.run_fwd("txonly", 1)
    check(rx > 0 and tx > 0, "guest received %d, sent %d" % (rx, tx))

    g = ctl_json(ctx, "guest", "show", "vm1")
    names = g["features"]["negotiated_names"]
    print("  negotiated: " + " ".join(names))
    check("VIRTIO_F_VERSION_1" in names, "VIRTIO_F_VERSION_1 not negotiated")
    check(g["ring"] == "split", "ring %s, expected split" % g["ring"])
    enabled = [v for v in g["vrings"] if v["enabled"]]
    check(len(enabled) == 2, "expected 2 enabled vrings: %s" % g["vrings"])
    for v in enabled:
        print("  vring %d (%s): kicks_suppressed=%s guest_suppresses_interrupts=%s worker=%s" %
              (v["index"], v["direction"], v["kicks_suppressed"],
               v["guest_suppresses_interrupts"], v["worker"]))
        check(v["kicks_suppressed"] is True, "vring %d: kicks not suppressed" % v["index"])
    human = ctl(ctx, "guest", "show", "vm1").stdout
    check("running" in human and "VIRTIO_F_VERSION_1\n" in human and "KICKS_SUPPRESSED" in human,
          "guest show text:\n" + human)

    st = ctl_json(ctx, "stats", "guest", "vm1")["guests"]["vm1"]["total"]
    check(st["rx_pkts"] > 0 and st["tx_pkts"] > 0, "guest counters: %s" % st)
    check(st["tx_pkts"] == tx, "guest sent %d, vhostd counted %d" % (tx, st["tx_pkts"]))
    ctl(ctx, "stats")
    workers = ctl_json(ctx, "workers")["workers"]
    check(any(q["kind"] == "guest" and q["name"] == "vm1" for w in workers for q in w["queues"]),
          "no worker polls vm1: %s" % workers)
    m = parse_prometheus(ctl(ctx, "metrics").stdout)
    check(metric(m, "vhostd_guest_rx_packets_total", guest="vm1", queue="0") > 0,
          "metrics: vm1 received nothing")
    check(metric(m, "vhostd_guest_up", guest="vm1") == 1, "metrics: vm1 not up")

    # A capture of 50 frames, to a file named relative to vhostctl's directory.
    pcap = os.path.join(ctx.dir, "vm1.pcapng")
    print("  " + ctl(ctx, "capture", "start", "vm1", "-w", "vm1.pcapng", "-c", "50",
                     cwd=ctx.dir).stdout.strip())
    tp.run_fwd("rxonly", 0.5)
    wait_for(lambda: ctl_json(ctx, "guest", "show", "vm1")["capture"] is None, 10,
             "the capture to stop at 50 frames")
    r = subprocess.run(["tcpdump", "-nn", "-r", pcap], capture_output=True, text=True)
    frames = [l for l in r.stdout.splitlines() if l.strip()]
    check(r.returncode == 0 and len(frames) == 50,
          "tcpdump -r: rc %d, %d frames: %s" % (r.returncode, len(frames), r.stderr[-300:]))
    ctl(ctx, "capture", "stop", "vm1", expect=4)             # none running
    ctl(ctx, "capture", "start", "vm1", "-w", pcap, expect=5)  # never over a file

    out = ctl(ctx, "guest", "del", "vm1").stdout
    print("  " + out.strip())
    check(not os.path.exists(sock), "socket file left after guest del")
    check("vm1" not in guest_names(ctx), "vm1 still listed after guest del")
    workers = ctl_json(ctx, "workers")["workers"]
    check(not any(q["name"] == "vm1" for w in workers for q in w["queues"]),
          "a worker still polls vm1 after guest del: %s" % workers)
    check(not os.path.exists(state_file(ctx, "vm1")), "state file left after guest del")
    ctl(ctx, "guest", "show", "vm1", expect=4)
    ctl(ctx, "guest", "del", "vm1", expect=4)
    tp.quit()
    vd.stop()


def persist(ctx):
    """Persisted runtime guests come back after a restart; --no-persist ones do not."""
    conf = control_conf(ctx)
    vd = Vhostd(ctx, conf)
    ctl(ctx, "guest", "add", "vm2", "--socket", ctx.sock("vm2"), "--mac", MAC, "--queues", "2")
    ctl(ctx, "guest", "add", "vm3", "--socket", ctx.sock("vm3"), "--no-persist")
    check(os.path.exists(state_file(ctx, "vm2")), "no state file for vm2")
    check(not os.path.exists(state_file(ctx, "vm3")), "state file for --no-persist vm3")
    summary = {g["name"]: g for g in ctl_json(ctx, "guest", "list")["guests"]}
    check(summary["vm2"]["persistent"] is True and summary["vm3"]["persistent"] is False,
          "persistent flags: %s" % summary)
    vd.stop()
    check(not os.path.exists(ctx.sock("vm2")), "vm2 socket left after stop")

    vd = restart(ctx, conf, 1)
    check(guest_names(ctx) == ["vm2"], "after restart: guests %s, expected [vm2]" %
          guest_names(ctx))
    g = ctl_json(ctx, "guest", "show", "vm2")
    check(g["source"] == "runtime" and g["persistent"] and g["queues"] == 2 and
          g["mac"] == MAC, "vm2 after restart: %s" % g)
    check(os.path.exists(ctx.sock("vm2")), "vm2 socket not recreated")
    tp = Testpmd(ctx, "vm2", ctx.sock("vm2"), mac=MAC)
    wait_running(ctx, "vm2")
    tp.quit()
    ctl(ctx, "guest", "del", "vm2")
    check(not os.path.exists(state_file(ctx, "vm2")), "state file left after guest del")
    vd.stop()

    vd = restart(ctx, conf, 2)
    check(guest_names(ctx) == [], "deleted guest came back: %s" % guest_names(ctx))
    vd.stop()


def client_mode(ctx):
    """A client-mode guest added before QEMU's socket exists: vhostd keeps
    trying, connects once it appears, and on guest del leaves it in place."""
    vd = Vhostd(ctx, control_conf(ctx))
    sock = ctx.sock("vm4")
    ctl(ctx, "guest", "add", "vm4", "--socket", sock, "--mode", "client", "--mac", MAC,
        "--no-persist")
    g = ctl_json(ctx, "guest", "show", "vm4")
    check(g["state"] == "waiting" and g["mode"] == "client", "before the guest side: %s" % g)
    check("no connection: is QEMU listening on" in ctl(ctx, "guest", "show", "vm4").stdout,
          "guest show gives no hint for a waiting client-mode guest")
    tp = Testpmd(ctx, "vm4", sock, mac=MAC, server=True)
    wait_running(ctx, "vm4")
    tp.run_fwd("rxonly", 0.5)
    rx, _ = tp.port_stats()
    check(rx > 0, "the client-mode guest received nothing")
    ctl(ctx, "guest", "del", "vm4")
    check("vm4" not in guest_names(ctx), "vm4 still listed")
    check(os.path.exists(sock), "guest del removed the guest side's socket")
    tp.quit()
    vd.stop()


def bad_requests(ctx):
    """Malformed, unknown, incomplete and invalid requests: errors, no change."""
    vd = Vhostd(ctx, control_conf(ctx, [dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)]))
    # What a refused request must not change: the guests and their
    # settings and state.  Their loss counters ("lost", sampled each
    # second while the uplink's frames meet guests that are not ready)
    # move by themselves.
    def guests():
        return [{k: v for k, v in g.items() if k != "lost"}
                for g in ctl_json(ctx, "guest", "list")["guests"]]

    before = guests()

    def refused(answer, code, what):
        check(answer is not None and answer.get("ok") is False and
              answer["error"]["code"] == code,
              "%s: expected %s, got %s" % (what, code, answer))
        print("  %-28s %s: %s" % (what, code, answer["error"]["message"]))

    refused(raw(ctx, '{"cmd": "frobnicate"}\n'), "EINVAL", "unknown command")
    refused(raw(ctx, '{"cmd": "guest.show"}\n'), "EINVAL", "missing parameter")
    refused(raw(ctx, '{"cmd": "guest.show", "args": {"name": 1}}\n'), "EINVAL", "wrong type")
    refused(raw(ctx, '{"cmd": "guest.list", "args": {"x": 1}}\n'), "EINVAL",
            "unknown parameter")
    refused(raw(ctx, '{"cmd": "guest.add", "args": {"name": "vm9", "socket": "%s", '
                     '"queues": "2"}}\n' % ctx.sock("vm9")), "EINVAL", "string for an int")
    refused(raw(ctx, '{"cmd": \n'), "EINVAL", "malformed JSON")
    refused(raw(ctx, b'{"cmd": "version", "pad": "' + b"x" * 70000 + b'"}\n'), "E2BIG",
            "oversize request")

    def refused_cli(args, status, what):
        r = ctl(ctx, *args, expect=status)
        check(r.stderr.startswith("vhostctl: "), "%s: message %r" % (what, r.stderr))
        print("  %-28s exit %d: %s" % (what, status, r.stderr.strip().splitlines()[0]))

    refused_cli(["frobnicate"], 2, "vhostctl unknown command")
    refused_cli(["guest", "add", "vm9", "--mac", MAC], 2, "vhostctl missing --socket")
    refused_cli(["guest", "add", "vm9", "--socket", ctx.sock("vm9"), "--mac", "52:54:00:zz"],
                1, "bad MAC")
    refused_cli(["guest", "add", "vm9", "--socket", ctx.sock("vm9"), "--mac",
                 "01:00:5e:00:00:01"], 1, "multicast MAC")
    # "no such guest/uplink": ENOENT, exit 4, also when guest.add names one.
    refused_cli(["guest", "add", "vm9", "--socket", ctx.sock("vm9"), "--uplink", "up9"],
                4, "unknown uplink")
    refused_cli(["guest", "add", "vm9", "--socket", ctx.sock("vm9"), "--queues", "99"],
                1, "queues out of range")
    refused_cli(["guest", "add", "vm9", "--socket", ctx.sock("vm9"), "--features", "+warp"],
                1, "unknown feature")
    refused_cli(["guest", "add", "vm9", "--socket", "relative.sock"], 1, "relative socket")
    refused_cli(["guest", "add", "vm1", "--socket", ctx.sock("vm9")], 5, "name in use")
    refused_cli(["guest", "add", "vm9", "--socket", ctx.sock("vm1")], 5, "socket in use")
    refused_cli(["guest", "add", "vm9", "--socket", ctx.sock("vm9"), "--mac", "01:00:5e:00:00:01"],
                1, "multicast MAC")
    refused_cli(["guest", "del", "vm9"], 4, "unknown guest")
    refused_cli(["uplink", "show", "up9"], 4, "unknown uplink show")
    refused_cli(["stats", "guest", "vm9"], 4, "stats of unknown guest")
    refused_cli(["log-level", "chatty"], 1, "bad log level")
    r = subprocess.run([VHOSTCTL, "-s", os.path.join(ctx.dir, "nothing.sock"), "version"],
                       capture_output=True, text=True)
    check(r.returncode == 3, "no daemon: exit %d, expected 3" % r.returncode)

    check(guests() == before, "the guest list changed")
    check(not os.path.exists(ctx.sock("vm9")), "a socket was created by a refused request")
    sdir = os.path.join(ctx.dir, "state", "guests")
    saved = os.listdir(sdir) if os.path.isdir(sdir) else []
    check(saved == [], "state files written by refused requests: %s" % saved)
    check(ctl_json(ctx, "version")["version"], "vhostd stopped answering")
    check(vd.proc.poll() is None, "vhostd died")
    vd.stop()


def metrics(ctx):
    """`vhostctl metrics`: strict Prometheus text, every family and label set."""
    vd = Vhostd(ctx, control_conf(ctx, [dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC)]))
    wait_for(lambda: ctl_json(ctx, "stats", "uplink", "up0")["uplinks"]["up0"]["total"]
             ["rx_pkts"] > 0, 10, "the uplink to receive")
    text = ctl(ctx, "metrics").stdout
    m = parse_prometheus(text)
    print("  %d samples in %d families" % (len(m), len({k[0] for k in m})))
    check(metric(m, "vhostd_uplink_rx_packets_total", uplink="up0", queue="0") > 0,
          "uplink received nothing")
    check(metric(m, "vhostd_guest_up", guest="vm1") == 0, "vm1 up without a driver")
    for reason in ("guest_ring_full", "uplink_tx_full", "no_mbuf", "unknown_dst", "spoofed",
                   "not_ready", "runt"):
        metric(m, "vhostd_guest_drops_total", guest="vm1", reason=reason)
        metric(m, "vhostd_uplink_drops_total", uplink="up0", reason=reason)
    check(metric(m, "vhostd_worker_busy_cycles_total", worker="0") +
          metric(m, "vhostd_worker_idle_cycles_total", worker="0") > 0, "no worker cycles")
    metric(m, "vhostd_guest_rx_packets_total", guest="vm1", queue="0")
    # The textfile collector's way: write aside, then rename.
    prom = os.path.join(ctx.dir, "vhostd.prom")
    subprocess.run("%s -s %s metrics > %s.$$ && mv %s.$$ %s" % (
        VHOSTCTL, os.path.join(ctx.dir, "control.sock"), prom, prom, prom),
        shell=True, check=True)
    parse_prometheus(open(prom).read())
    vd.stop()


if __name__ == "__main__":
    run({"control-runtime-guest": runtime_guest, "control-persist": persist,
         "control-client-mode": client_mode, "control-bad-requests": bad_requests,
         "control-metrics": metrics})
