#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A hostile vhost-user frontend, spoken from Python on a guest socket,
while a well-behaved guest (DPDK virtio-user) passes traffic on another
socket of the same vhostd.  vhostd must stay up, the other guest must not
notice, and open fds and RSS must stay flat."""
import json
import os
import socket
import struct
import time

from harness import Testpmd, Vhostd, check, daemon_conf, run

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


if __name__ == "__main__":
    run({"inflight-flood": inflight_flood})
