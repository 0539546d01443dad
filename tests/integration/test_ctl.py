#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The control socket spoken directly (docs/control-protocol.md): guests
added and removed at run time with a virtio-user guest passing traffic, the
introspection a user reads, bad requests that change nothing, persistence
across a restart, and the same data through DPDK telemetry."""
import json
import os
import re
import socket
import subprocess

from harness import Testpmd, Vhostd, check, daemon_conf, run, wait_for

MAC = "52:54:00:00:03:01"


class Control:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.f = self.s.makefile("rw")

    def raw(self, line):
        self.f.write(line + "\n")
        self.f.flush()
        return json.loads(self.f.readline())

    def call(self, cmd, **args):
        return self.raw(json.dumps({"cmd": cmd, "args": args}))

    def ok(self, cmd, **args):
        a = self.call(cmd, **args)
        check(a["ok"], "%s %s failed: %s" % (cmd, args, a))
        return a["result"]


def control(ctx):
    conf = daemon_conf([], ctx=ctx, uplink="net_null0")
    vd = Vhostd(ctx, conf)
    c = Control(os.path.join(ctx.dir, "control.sock"))
    check(c.ok("guest.list")["guests"] == [], "guests before any add")
    g = c.ok("guest.add", name="vm1", socket=ctx.sock("vm1"), mac=MAC, queues=2)
    check(g["state"] == "waiting" and g["source"] == "runtime" and g["persistent"],
          "guest.add answered %s" % g)
    check(os.path.exists(ctx.sock("vm1")), "no socket after guest.add")

    # Bad requests: an error each, and nothing changes.
    before = c.ok("guest.list")
    bad = [
        ("not json", "EINVAL"),
        ('{"cmd": "guest.add", "args": {"name": "vm2"}}', "EINVAL"),
        ('{"cmd": "guest.add", "args": {"name": "vm2", "socket": "%s", "mac": "zz"}}'
         % ctx.sock("vm2"), "EINVAL"),
        ('{"cmd": "guest.add", "args": {"name": "vm2", "socket": "%s"}}' % ctx.sock("vm1"),
         "EEXIST"),
        ('{"cmd": "guest.del", "args": {"name": "nope"}}', "ENOENT"),
        ('{"cmd": "self-destruct"}', "EINVAL"),
        ('{"cmd": "guest.show", "args": {"name": 3}}', "EINVAL"),
        ("{" * 70000, "E2BIG"),
    ]
    for line, code in bad:
        a = c.raw(line) if len(line) < 65536 else None
        if a is None:      # oversize: answered, then the connection is dropped
            c.f.write(line + "\n")
            c.f.flush()
            a = json.loads(c.f.readline())
            c = Control(os.path.join(ctx.dir, "control.sock"))
        check(not a["ok"] and a["error"]["code"] == code,
              "%r: expected %s, got %s" % (line[:60], code, a))
    check(c.ok("guest.list") == before, "a rejected request changed the guest list")
    check(not os.path.exists(ctx.sock("vm2")), "a rejected guest.add left a socket")

    # Traffic through the runtime guest, and what guest.show says about it.
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), queues=2, mac=MAC)
    wait_for(lambda: c.ok("guest.show", name="vm1")["pairs"] == 2, 10, "2 pairs served")
    tp.run_fwd("rxonly", 1)
    show = c.ok("guest.show", name="vm1")
    print("  guest.show: state %s, ring %s, %d vrings, negotiated %s" %
          (show["state"], show["ring"], len(show["vrings"]),
           " ".join(show["features"]["negotiated_names"])))
    check(show["state"] == "running" and show["ring"] == "split", "state/ring: %s" % show)
    check("VIRTIO_F_VERSION_1" in show["features"]["negotiated_names"], "features not decoded")
    check(len(show["vrings"]) == 4, "expected 4 vrings, got %d" % len(show["vrings"]))
    for v in show["vrings"]:
        check(v["enabled"] and v["size"] == 1024, "vring %s" % v)
        check(v["kicks_suppressed"], "vring %d: guest kicks not suppressed" % v["index"])
    check(show["vrings"][1]["worker"] == 0, "guest TX vring 1 should be polled by worker 0")
    rx0 = show["vrings"][0]["stats"]
    check(rx0 is not None and rx0.get("good_packets", 0) > 0 and "guest_notifications" in rx0,
          "vring 0 stats (librte_vhost, vring-stats on): %s" % rx0)
    print("  vring 0: %d packets delivered, %d interrupts raised toward the guest" %
          (rx0["good_packets"], rx0["guest_notifications"]))
    check(show["counters"]["total"]["rx_pkts"] > 0, "no packets counted for the guest")
    workers = c.ok("workers")["workers"]
    check(any(q["kind"] == "guest" and q["name"] == "vm1" for q in workers[0]["queues"]),
          "worker 0 does not list the guest's queues: %s" % workers)
    # A capture a user can read with tcpdump, stopping by itself at count.
    pcap = os.path.join(ctx.dir, "vm1.pcapng")
    # One capture per guest: an unlimited one (it cannot end by itself
    # before the second request, as a short counted one could).
    c.ok("capture.start", name="vm1", file=pcap + "0")
    a = c.call("capture.start", name="vm1", file=pcap + "2")
    check(not a["ok"] and a["error"]["code"] == "EBUSY", "second capture: %s" % a)
    c.ok("capture.stop", name="vm1")
    c.ok("capture.start", name="vm1", file=pcap, count=100)
    tp.cmd("start")
    wait_for(lambda: c.ok("guest.show", name="vm1")["capture"] is None, 10, "capture to end")
    read = subprocess.run(["tcpdump", "-nn", "-r", pcap], capture_output=True, text=True)
    frames = [l for l in read.stdout.splitlines() if l.strip()]
    print("  capture: tcpdump read %d frames from %s" % (len(frames), pcap))
    check(read.returncode == 0 and len(frames) == 100,
          "tcpdump -r %s: rc %d, %d frames: %s" % (pcap, read.returncode, len(frames),
                                                   read.stderr[-300:]))
    a = c.call("capture.start", name="vm1", file=pcap)
    check(not a["ok"] and a["error"]["code"] == "EEXIST", "capture over an existing file: %s" % a)
    # The same through vhostctl, in the form: waits until done.
    vhostctl = os.environ.get("VHOSTCTL")
    if vhostctl:
        pcap2 = os.path.join(ctx.dir, "vm1-cli.pcapng")
        r = subprocess.run([vhostctl, "-s", os.path.join(ctx.dir, "control.sock"), "capture",
                            "vm1", "-w", pcap2, "-c", "30"], capture_output=True, text=True,
                           timeout=30)
        n = len([l for l in subprocess.run(["tcpdump", "-nn", "-r", pcap2], capture_output=True,
                                           text=True).stdout.splitlines() if l.strip()])
        print("  vhostctl capture vm1 -w FILE -c 30: rc %d, %d frames in the file" %
              (r.returncode, n))
        check(r.returncode == 0 and n == 30, "vhostctl capture: rc %d, %d frames: %s" %
              (r.returncode, n, r.stderr))
    stats = c.ok("stats", kind="guest", name="vm1", reset=True)
    check(stats["guests"]["vm1"]["total"]["rx_pkts"] > 0, "stats before reset")
    tp.cmd("stop")
    after = c.ok("stats", kind="guest", name="vm1")["guests"]["vm1"]["total"]["rx_pkts"]
    check(after < stats["guests"]["vm1"]["total"]["rx_pkts"], "reset did not reset")

    # Telemetry sees the same guest.
    prefix = re.search(r"file prefix (\S+) ", vd.output()).group(1)
    tel = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="/vhostd/guest,vm1\n",
                         capture_output=True, text=True, timeout=20).stdout
    check('"state": "running"' in tel and '"features_negotiated"' in tel,
          "telemetry /vhostd/guest,vm1 answered: %s" % tel[:500])

    # Removal: the connection closes, the socket goes, the queues stop.
    tp.quit()
    r = c.ok("guest.del", name="vm1")
    check(r["removed"], "guest.del: %s" % r)
    check(not os.path.exists(ctx.sock("vm1")), "socket still there after guest.del")
    check(c.ok("guest.list")["guests"] == [], "guest still listed after guest.del")
    check(not any(q["kind"] == "guest" for w in c.ok("workers")["workers"] for q in w["queues"]),
          "a worker still polls the removed guest")

    # Persistence: added again, back after a restart.
    c.ok("guest.add", name="vm9", socket=ctx.sock("vm9"), mac=MAC)
    c.ok("guest.add", name="tmp", socket=ctx.sock("tmp"), persist=False)
    vd.stop()
    vd = Vhostd(ctx, conf, name="again")
    c = Control(os.path.join(ctx.dir, "control.sock"))
    names = [g["name"] for g in c.ok("guest.list")["guests"]]
    check(names == ["vm9"], "after a restart expected the persistent vm9 only, got %s" % names)
    tp = Testpmd(ctx, "vm9", ctx.sock("vm9"), mac=MAC)
    wait_for(lambda: c.ok("guest.show", name="vm9")["state"] == "running", 10, "vm9 running")
    tp.quit()
    vd.stop()


if __name__ == "__main__":
    run({"control-socket": control})
