#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Feature pinning across restarts (docs/operations.md, "Upgrades and
restarts"), with DPDK's virtio-user (dpdk-testpmd, server=1) as the guest
driver and vhostd in client mode:

pin-restart   the device starts: STATE_DIR/features/vm1.json holds what
              vhostctl guest show says was negotiated and offered.  The
              configuration then loses mrg-rxbuf: vhostd -n warns, naming
              the guest and the feature (exit 0); a vhostd restarted on it
              keeps offering mrg-rxbuf to that still-listening guest, says
              so in its log, and vhostctl guest show lists it as pinned;
              the guest's driver reconnects and negotiates it.  Then the
              guest quits (its connection closes): the record goes, and the
              next vhostd offers the configuration's set, with nothing
              pinned and no warning from vhostd -n."""
import json
import os
import subprocess
import time

from harness import VHOSTD, Testpmd, Vhostd, check, daemon_conf, run, wait_for

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
MAC = "52:54:00:00:0f:01"
MRG_RXBUF = 1 << 15
IGNORED = (1 << 26) | (1 << 30)     # LOG_ALL, PROTOCOL_FEATURES: never pinned


def vhostctl(ctx, *args):
    cmd = [VHOSTCTL, "-s", os.path.join(ctx.dir, "control.sock"), "-j"] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "%s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr))
    return json.loads(r.stdout)


def show(ctx):
    return vhostctl(ctx, "guest", "show", "vm1")


def wait_running(ctx):
    wait_for(lambda: show(ctx)["state"] == "running", 20, "guest vm1 to run")


def conf(ctx, features=None):
    return daemon_conf([dict(name="vm1", socket=ctx.sock("vm1"), mac=MAC, mode="client",
                             features=features)], uplink="net_null0", ctx=ctx)


def check_n(ctx, name, text):
    path = os.path.join(ctx.dir, name)
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run([VHOSTD, "-n", "-c", path], capture_output=True, text=True)
    check(r.returncode == 0, "vhostd -n exited %d: %s" % (r.returncode, r.stderr))
    return r.stderr


def pin_restart(ctx):
    record = os.path.join(ctx.dir, "state", "features", "vm1.json")
    t0 = int(time.time())
    vd = Vhostd(ctx, conf(ctx))
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC, server=True)
    wait_running(ctx)
    s = show(ctx)
    neg = int(s["features"]["negotiated"], 16)
    check(neg & MRG_RXBUF, "virtio-user did not negotiate mrg-rxbuf: %s" % s["features"])
    wait_for(lambda: os.path.exists(record), 5, record)
    with open(record) as f:
        saved = json.load(f)
    print("  saved: %s" % saved)
    check(int(saved["negotiated"], 16) == neg & ~IGNORED,
          "saved negotiated %s, guest show %s" % (saved["negotiated"], hex(neg)))
    check(saved["offered"] == s["features"]["offered"], "saved offered %s, guest show %s" %
          (saved["offered"], s["features"]["offered"]))
    check(t0 <= saved["time"] <= time.time() and saved["time_iso"].endswith("Z"),
          "saved time %s" % saved["time"])
    check(saved["name"] == "vm1" and "mrg-rxbuf" in saved["negotiated_names"].split(),
          "saved names: %s" % saved["negotiated_names"])
    check(s["features"]["pinned"] == "0x%016x" % 0, "pinned before any restart: %s" %
          s["features"]["pinned"])

    # The configuration loses mrg-rxbuf while the guest stays.
    new = conf(ctx, features="-mrg-rxbuf")
    err = check_n(ctx, "new.conf", new)
    print("  vhostd -n: " + err.strip())
    check("guest vm1" in err and "removes mrg-rxbuf" in err and "warning" in err,
          "vhostd -n does not warn about mrg-rxbuf: %r" % err)
    vd.stop()
    vd = Vhostd(ctx, new, name="vhostd2")
    wait_running(ctx)
    s = show(ctx)
    print("  after the restart: offered %s, pinned %s, negotiated %s" %
          (s["features"]["offered"], s["features"]["pinned_names"],
           s["features"]["negotiated"]))
    check(s["features"]["pinned_names"] == ["VIRTIO_NET_F_MRG_RXBUF"],
          "pinned: %s" % s["features"]["pinned_names"])
    check(int(s["features"]["offered"], 16) & MRG_RXBUF, "mrg-rxbuf not offered")
    check(int(s["features"]["negotiated"], 16) & MRG_RXBUF,
          "the reconnected driver did not get mrg-rxbuf")
    line = [x for x in vd.output().splitlines() if "keeping" in x]
    check(line and "keeping mrg-rxbuf offered although the configuration removes it" in line[0]
          and "guest vm1" in line[0] and "saved " in line[0],
          "no log line says what was kept and why:\n" + vd.output()[-2000:])
    print("  log: " + line[0].strip())
    tp.run_fwd("rxonly", 0.5)
    rx, _ = tp.port_stats()
    check(rx > 0, "no traffic to the reconnected guest")

    # The guest leaves: its next connection is a fresh one.
    tp.quit()
    wait_for(lambda: not os.path.exists(record), 10, "the record to go with the guest")
    check("warning" not in check_n(ctx, "new.conf", new), "vhostd -n still warns")
    vd.stop()
    vd = Vhostd(ctx, new, name="vhostd3")
    if os.path.exists(ctx.sock("vm1")):
        os.unlink(ctx.sock("vm1"))      # as a new QEMU replaces its socket
    tp = Testpmd(ctx, "vm1-fresh", ctx.sock("vm1"), mac=MAC, server=True)
    wait_running(ctx)
    s = show(ctx)
    check(not int(s["features"]["offered"], 16) & MRG_RXBUF and
          not int(s["features"]["negotiated"], 16) & MRG_RXBUF and
          s["features"]["pinned_names"] == [],
          "a fresh guest still gets mrg-rxbuf: %s" % s["features"])
    check("keeping" not in vd.output(), "vhostd3 pinned something:\n" + vd.output()[-2000:])
    tp.quit()
    vd.stop()


if __name__ == "__main__":
    run({"pin-restart": pin_restart})
