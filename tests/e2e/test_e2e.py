#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end scenarios (issue 3): a Linux guest under QEMU talks through
vhostd to a peer in a network namespace.  See e2e.py for the topology.

    test_e2e.py NAME...      e.g. split-1q packed-2q reboot qemu-kill
"""
import functools
import os
import re
import subprocess
import time

from e2e import (BLOB, PEER_IP, Fail, Peer, Qemu, Sniffer, Vhostd, check,
                 daemon_conf, download, guest_features, guest_mapped_kb, log, make_upload,
                 ping, proc_status, run, snmp, upload, wait_for, wait_guest_state, wait_link)

MAC = "52:54:00:e2:e0:01"


def tap_name(ctx):
    return "vhe2e%s" % ctx.tag


def start(ctx, queues=1, mode="server", mtu=0, features=None, name="vhostd", device=None):
    tap = tap_name(ctx)
    conf = daemon_conf(ctx, tap, [dict(name="vm1", socket=ctx.path("vm1.sock"), mac=MAC,
                                       queues=queues, mode=mode, features=features)],
                       mtu=mtu, device=device)
    return Vhostd(ctx, conf, name=name), tap


def guest_tx(vd, name="vm1", key="tx_pkts"):
    st = vd.stats()["guest"][name]
    n = 0
    while "q%d" % n in st:
        n += 1
    return [st["q%d" % q][key] for q in range(n)]


def check_traffic(g, vd, peer, queues, label, name="vm1"):
    """Ping without loss, then 8 MiB down and 8 MiB up with matching digests.
    With 2 pairs this runs once per vCPU, with the ping and the transfers
    pinned to it and the device's interrupt steered to it: Linux's
    virtio_net sends from vCPU i on TX queue i (XPS), and TCP sends from
    where the ACKs are processed.  vhostd's counters must then show each
    pair carrying its phase's frames.  (The guest's RX queues: vhostd maps
    uplink RX queue q to pair q % pairs, and a net_tap uplink has one RX
    queue here, so every frame to the guest arrives on pair 0.)"""
    tries = wait_link(g)
    sha_up = make_upload(g)
    for cpu in range(queues):
        pin = cpu if queues > 1 else None
        where = "%s vCPU %d" % (label, cpu) if queues > 1 else label
        if queues > 1:
            g.run("irq=$(awk '/virtio0/ {sub(\":\", \"\", $1); print $1}' /proc/interrupts)"
                  " && echo %x > /proc/irq/$irq/smp_affinity" % (1 << cpu))
        tx0 = guest_tx(vd, name)
        sent, got, _ = ping(g, count=20, interval=0.1, cpu=pin)
        tx1 = guest_tx(vd, name)
        b1 = guest_tx(vd, name, "tx_bytes")
        log("%s: ping %d/%d received (%.0f %% loss; link up after %d probe(s))" %
            (where, got, sent, 100.0 * (sent - got) / sent, tries))
        check(sent == 20 and got == sent, "%s: ping lost %d of %d" % (where, sent - got, sent))
        check(tx1[cpu] - tx0[cpu] >= 20, "%s: 20 pings sent, vhostd dequeued %d frames on "
              "pair %d" % (where, tx1[cpu] - tx0[cpu], cpu))
        dsha, ddt = download(g, peer, cpu=pin)
        usha, udt = upload(g, peer, sha_up, cpu=pin)
        tx2 = guest_tx(vd, name)
        log("%s: download 8 MiB sha256 %s.. match (%.1f s), upload 8 MiB sha256 %s.. "
            "match (%.1f s)" % (where, dsha[:16], ddt, usha[:16], udt))
        b2 = guest_tx(vd, name, "tx_bytes")
        delta = [b - a for a, b in zip(tx1, tx2)]
        dbytes = [b - a for a, b in zip(b1, b2)]
        log("%s: frames (bytes) vhostd dequeued per pair during the transfers: %s (%s)" %
            (where, delta, dbytes))
        # Bytes, not frames: with TSO the guest hands over 64 KiB frames.
        check(dbytes[cpu] >= BLOB, "%s: pair %d carried only %d bytes of an 8 MiB "
              "upload" % (where, cpu, dbytes[cpu]))
    st = vd.stats()["guest"][name]
    drops = {k: v for k, v in st["total"].items() if k.startswith("drop_") and v}
    log("%s: vhostd guest totals rx %d tx %d frames, drops %s" %
        (label, st["total"]["rx_pkts"], st["total"]["tx_pkts"], drops or "none"))


def traffic(ctx, packed, queues):
    """Scenario 1: split/packed ring, 1 or 2 queue pairs."""
    ring = "packed" if packed else "split"
    vd, tap = start(ctx, queues=queues)
    peer = Peer(ctx, tap)
    g = Qemu(ctx, "vm1", ctx.path("vm1.sock"), MAC, queues=queues, packed=packed)
    log("guest booted in %.1f s" % g.boot_s)
    wait_guest_state(vd, "vm1", "running", pairs=queues)
    st = vd.guest("vm1")
    check(st["ring"] == ring, "vhostd reports a %s ring, expected %s" % (st["ring"], ring))
    check_traffic(g, vd, peer, queues, "%s %dq" % (ring, queues))
    g.close()
    vd.stop()


def reboot(ctx):
    """Scenario 3: traffic works again after the guest reboots."""
    vd, tap = start(ctx, queues=2)
    peer = Peer(ctx, tap)
    g = Qemu(ctx, "vm1", ctx.path("vm1.sock"), MAC, queues=2, packed=True)
    log("guest booted in %.1f s" % g.boot_s)
    wait_guest_state(vd, "vm1", "running", pairs=2)
    check_traffic(g, vd, peer, 2, "before reboot")
    first = g.boot_id
    t = g.reboot()
    check(g.boot_id != first, "the guest did not reboot")
    log("guest rebooted in %.1f s" % t)
    wait_guest_state(vd, "vm1", "running", pairs=2)
    check_traffic(g, vd, peer, 2, "after reboot")
    st = vd.guest("vm1")
    conns = vd.output().count("vhost-user connection (vid")
    log("vhostd: %d vhost-user connection(s), device started %d and stopped %d times" %
        (conns, st["connects"], st["disconnects"]))
    check(st["connects"] == 2 and st["disconnects"] == 1,
          "a guest reboot should stop the device once and start it again: vhostd "
          "counted %d starts and %d stops" % (st["connects"], st["disconnects"]))
    g.close()
    vd.stop()


def qemu_kill(ctx):
    """Scenario 4: QEMU SIGKILLed, then started again on the same socket."""
    vd, tap = start(ctx)
    peer = Peer(ctx, tap)
    pid = vd.pid()

    def sample(what):
        fds, rss, shm, mapped = (vd.fds(), vd.rss_kb(), proc_status(pid, "RssShmem"),
                                 guest_mapped_kb(pid))
        log("vhostd %s: %d fds, RSS %d kB (shared %d kB), guest RAM mapped %d kB" %
            (what, fds, rss, shm, mapped))
        return fds, rss, shm, mapped
    fd0, rss0, shm0, map0 = sample("before any guest")
    g = Qemu(ctx, "vm1", ctx.path("vm1.sock"), MAC)
    wait_guest_state(vd, "vm1", "running")
    check_traffic(g, vd, peer, 1, "first QEMU")
    fd1, rss1, shm1, map1 = sample("with the guest")
    check(map1 >= 256 * 1024, "vhostd maps only %d kB of the 256 MiB guest" % map1)
    g.kill()
    wait_guest_state(vd, "vm1", "waiting")
    wait_for(lambda: vd.fds() == fd0 and guest_mapped_kb(pid) == 0, 10,
             "vhostd to close the dead guest's fds and unmap its memory")
    time.sleep(0.5)
    fd2, rss2, shm2, map2 = sample("after SIGKILL of QEMU")
    check(fd2 == fd0, "vhostd holds %d fds after QEMU died, %d before" % (fd2, fd0))
    check(map2 == 0, "vhostd still maps %d kB of the dead guest's RAM" % map2)
    check(rss2 <= rss0 + 4096, "vhostd RSS %d kB after QEMU died, %d kB before the guest" %
          (rss2, rss0))
    g2 = Qemu(ctx, "vm1b", ctx.path("vm1.sock"), MAC)
    wait_guest_state(vd, "vm1", "running")
    check_traffic(g2, vd, peer, 1, "second QEMU")
    st = vd.guest("vm1")
    check(st["connects"] == 2 and st["disconnects"] == 1,
          "expected 2 device starts and 1 stop, vhostd counted %d/%d" %
          (st["connects"], st["disconnects"]))
    sample("serving the second QEMU")
    g2.close()
    vd.stop()


def gap_of(out):
    """Longest run of missing sequence numbers in busybox ping output."""
    seqs = sorted({int(x) for x in re.findall(r"seq=(\d+)", out)})
    return max([b - a - 1 for a, b in zip(seqs, seqs[1:])] + [0])


def restart_under_ping(ctx, vd, conf, g, peer, how, name, count=100, between=None):
    """Stop vhostd (SIGTERM) or kill it (SIGKILL) while the guest pings the
    peer every 100 ms, start it again at once (after between(), if given);
    print the gap, check the pings resumed and the guest did not reboot.
    Returns the new vhostd."""
    boot = g.boot_id
    n, off = g.send("ping -c %d -i 0.1 -W 2 %s" % (count, PEER_IP))
    time.sleep(3)
    t0 = time.monotonic()
    if how == "SIGTERM":
        vd.stop()
    else:
        vd.proc.kill()
        vd.proc.wait()
    t_stop = time.monotonic() - t0
    if between:
        between()
    vd = Vhostd(ctx, conf, name=name)
    peer.attach()
    t_up = time.monotonic() - t0
    wait_guest_state(vd, "vm1", "running")
    t_dev = time.monotonic() - t0
    m = g._wait_text(r"@@E2E-END %d (\d+)\n" % n, off, count * 0.1 + 60,
                     "the ping across the restart to end")
    out = g.buf[off:m.start()]
    sm = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
    check(sm, "no ping summary:\n" + out[-1500:])
    sent, got = int(sm.group(1)), int(sm.group(2))
    seqs = [int(x) for x in re.findall(r"seq=(\d+)", out)]
    rtt = max([float(x) for x in re.findall(r"time=([\d.]+) ms", out)] + [0])
    log("%s: old vhostd gone after %.2f s, new one ready with its TAP in the peer's "
        "namespace after %.2f s, guest device running after %.2f s" %
        (how, t_stop, t_up, t_dev))
    log("%s: ping every 100 ms across the restart: %d sent, %d received, %d lost; "
        "longest run lost %d; longest round trip %.0f ms" %
        (how, sent, got, sent - got, gap_of(out), rtt))
    check(seqs and max(seqs) >= count - 5,
          "%s: the guest's pings were not answered after the restart (%d/%d, last "
          "answered seq %s)" % (how, got, sent, max(seqs) if seqs else None))
    check(g.boot_id == boot and "@@E2E-READY" not in out, "the guest rebooted")
    return vd


def vhostd_restart(ctx, mode="client", packed=False, queues=1):
    """Scenario 5: vhostd restarted under a running guest whose socket is in
    client mode (QEMU listens): once stopped cleanly (SIGTERM), once killed
    (SIGKILL), each time started again at once.  A ping every 100 ms runs
    across each restart; the guest is never rebooted.

    mode="server": vhostd listens and QEMU redials it (chardev reconnect=1)."""
    vd, tap = start(ctx, mode=mode, queues=queues)
    conf = vd_conf_text(vd)
    peer = Peer(ctx, tap)
    g = Qemu(ctx, "vm1", ctx.path("vm1.sock"), MAC, vhostd_client=mode == "client",
             reconnect=1 if mode == "server" else 0, packed=packed, queues=queues)
    wait_guest_state(vd, "vm1", "running", pairs=queues)
    check_traffic(g, vd, peer, queues, "first vhostd")
    for i, how in enumerate(("SIGTERM", "SIGKILL")):
        vd = restart_under_ping(ctx, vd, conf, g, peer, how, "vhostd%d" % (i + 2))
        check_traffic(g, vd, peer, queues, "after %s" % how)
    g.close()
    vd.stop()


GUEST_TSO4 = 1 << 7


def restart_removing(ctx, pin=True):
    """Issue 15 item 3: vhostd restarted with features = -guest-tso4 under a
    running guest (client mode) that negotiated guest-tso4.  QEMU remembers
    what its guest acked and refuses a backend that no longer offers it
    ("vhost lacks feature mask"); vhostd keeps offering it to that guest
    (its saved negotiation, STATE_DIR/features/vm1.json), says so in its
    log, and the guest's ping and an 8 MiB download resume; again after the
    restarted vhostd is killed (SIGKILL) and started once more.

    pin=False (diagnostic, not in meson.build): the saved negotiation is
    removed before the restart, so nothing is pinned; this checks that
    QEMU then refuses vhostd and the guest's traffic does not resume."""
    vd, tap = start(ctx, mode="client")
    conf = vd_conf_text(vd)
    peer = Peer(ctx, tap)
    g = Qemu(ctx, "vm1", ctx.path("vm1.sock"), MAC, vhostd_client=True)
    wait_guest_state(vd, "vm1", "running")
    check(guest_features(g) & GUEST_TSO4, "the guest did not negotiate guest-tso4")
    wait_link(g)
    new = re.sub(r"(mode = client\n)", r"\1features = -guest-tso4\n", conf)
    check(new != conf, "no client-mode guest in the configuration")
    record = ctx.path("vhostd-state/features/vm1.json")
    check(os.path.exists(record), "vhostd saved no negotiation in " + record)
    if pin:
        # Then killed: the record is written at device start, not at stop,
        # and the same QEMU still needs guest-tso4.
        for i, how in enumerate(("SIGTERM", "SIGKILL")):
            vd = restart_under_ping(ctx, vd, new, g, peer, how, "vhostd%d" % (i + 2))
            kept = [x for x in vd.output().splitlines() if "keeping" in x]
            check(kept and "guest vm1: keeping guest-tso4 offered although the configuration "
                  "removes it" in kept[0], "%s: vhostd's log does not say what it kept:\n%s" %
                  (how, vd.output()[-2000:]))
            log("after %s: %s" % (how, kept[0].strip()))
            check(guest_features(g) & GUEST_TSO4, "the guest lost guest-tso4")
            dsha, ddt = download(g, peer)
            log("after %s: download 8 MiB sha256 %s.. match (%.1f s)" % (how, dsha[:16], ddt))
        g.close()
        vd.stop()
        return
    vd.stop()
    os.unlink(record)
    vd = Vhostd(ctx, new, name="vhostd2")
    peer.attach()
    t0 = time.monotonic()
    _, out = g.run("ping -c 20 -i 0.5 -W 1 %s" % PEER_IP, timeout=60, ok=False)
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
    st = vd.guest("vm1")
    refusals = g.output().count("vhost lacks feature mask")
    log("without pinning: ping %s/%s in %.0f s after the restart; vhostd guest state %s, "
        "%d device start(s); QEMU refused vhostd %d time(s): %s" %
        (m and m.group(2), m and m.group(1), time.monotonic() - t0, st["state"],
         st["connects"], refusals,
         ([x for x in g.output().splitlines() if "lacks feature" in x] or ["-"])[0]))
    check(refusals > 0 and st["state"] != "running" and m and m.group(2) == "0",
          "without pinning the guest was expected to lose its network")
    g.close()
    vd.stop()


def vd_conf_text(vd):
    with open(vd.conf) as f:
        return f.read()


# What a Linux guest takes by default and the issue wants on (scenario 2).
# host-tso6 is offered only when the uplink segments TCP/IPv6 in hardware
# (librte_gso 22.11 has no TCP/IPv6), so it is reported, not required.
OFFLOADS = ("csum", "guest-csum", "host-tso4", "guest-tso4", "guest-tso6", "mrg-rxbuf")
NO_OFFLOADS = "-csum -guest-csum -host-tso4 -host-tso6 -guest-tso4 -guest-tso6"
FEATURE_NAMES = {0: "csum", 1: "guest-csum", 3: "mtu", 7: "guest-tso4", 8: "guest-tso6",
                 11: "host-tso4", 12: "host-tso6", 15: "mrg-rxbuf"}


# net_af_packet ring at MTU 9000 (see docs/qemu.md): a 9014-byte frame sits
# 66 bytes into a ring frame, so framesz >= 9080; blocksz a multiple of
# framesz (DPDK 22.11 addresses frame i at i * framesz) and of the page size.
AFPACKET_9000 = "framesz=9216,blocksz=36864,framecnt=512"


# What the peer's veth cannot have on under net_af_packet (see offload()).
PEER_OFF = ("tso", "gso")


def veth_offloads(ns, dev):
    """The offloads that decide what a packet socket on the other end sees."""
    out = subprocess.run(["ip", "netns", "exec", ns, "ethtool", "-k", dev],
                         capture_output=True, text=True, check=True).stdout
    want = ("tx-checksumming", "tcp-segmentation-offload", "generic-segmentation-offload")
    return {k: v.split()[0] for k, v in (line.split(":", 1) for line in out.splitlines()
                                         if ":" in line) if k.strip() in want}


def offload(ctx, mtu, features=None, require=OFFLOADS, uplink_mtu=None, afpacket=False,
            peer_off=PEER_OFF):
    """Scenario 2: the guest's offloads on (vhostd's default offer: csum,
    TSO, mrg-rxbuf; the Linux driver takes them), the peer's offloads on (a
    TAP's defaults), bulk TCP both ways at MTU 1500 or 9000 (host_mtu).
    Frames reaching the peer's TAP are inspected: none may be larger than
    the MTU or carry a TCP checksum that does not verify; at 9000, jumbo
    frames must have carried the data both ways.  Every step runs; the
    failures are reported together.  features: a policy instead of the
    default offer (diagnostics); require: features the guest must have.

    afpacket: the uplink is net_af_packet on a veth pair instead of net_tap
    (net_tap 22.11 sends no frame over 1522 bytes), with AFPACKET_9000's
    ring at MTU 9000.  The peer's veth keeps TX checksumming on, so vhostd
    receives frames with unfinished checksums (offload.h), and has the
    peer_off offloads off: by default TSO and GSO, whose 64 KiB frames a
    packet socket's ring cuts (docs/qemu.md)."""
    uplink_mtu = mtu if uplink_mtu is None else uplink_mtu
    device = None
    if afpacket:
        mine, theirs = tap_name(ctx) + "a", tap_name(ctx) + "p"
        subprocess.run(["ip", "link", "add", mine, "mtu", str(mtu), "type", "veth", "peer",
                        "name", theirs, "mtu", str(mtu)], check=True)
        ctx.links.append(mine)
        subprocess.run(["ip", "link", "set", mine, "up"], check=True)
        device = "net_af_packet0,iface=%s" % mine
        if mtu > 1500:
            device += "," + AFPACKET_9000
    vd, tap = start(ctx, mtu=uplink_mtu if uplink_mtu != 1500 else 0, features=features,
                    device=device)
    if afpacket:
        tap = theirs
    peer = Peer(ctx, tap, mtu=mtu)
    if afpacket:
        if peer_off:
            subprocess.run(["ip", "netns", "exec", peer.ns, "ethtool", "-K", tap] +
                           [a for f in peer_off for a in (f, "off")],
                           check=True, stdout=subprocess.DEVNULL)
        offs = veth_offloads(peer.ns, tap)
        log("peer's veth offloads: %s" % ", ".join("%s %s" % kv for kv in offs.items()))
        check("tx" in peer_off or offs.get("tx-checksumming") == "on",
              "the peer's veth should keep TX checksumming on: %s" % offs)
    g = Qemu(ctx, "vm1", ctx.path("vm1.sock"), MAC, mtu=mtu)
    wait_guest_state(vd, "vm1", "running")
    f = guest_features(g)
    on = [n for b, n in sorted(FEATURE_NAMES.items()) if f & (1 << b)]
    log("MTU %d: the guest negotiated %s" % (mtu, " ".join(on)))
    log("guest eth0 MTU %s" % g.run("cat /sys/class/net/eth0/mtu")[1].strip())
    problems = []
    missing = [n for n in require if n not in on]
    if missing:
        problems.append("the guest did not negotiate " + " ".join(missing))
    wait_link(g)
    sniff = Sniffer(ctx, peer, mtu)
    p0, g0, vd0 = snmp(ns=peer.ns), snmp(guest=g), vd.stats()
    sent, got, _ = ping(g, count=10, interval=0.1)
    log("ping: %d/%d" % (got, sent))
    if got != sent:
        problems.append("ping lost %d of %d" % (sent - got, sent))
    if mtu > 1500:
        rc, out = g.run("ping -c 3 -s %d %s" % (mtu - 28, PEER_IP), ok=False)
        m = re.search(r"(\d+) packets received", out)
        log("ping with %d-byte frames: %s received of 3" % (mtu + 14, m and m.group(1)))
        if rc != 0:
            problems.append("no reply to %d-byte pings" % (mtu + 14))
    sha_up = make_upload(g)
    for what, fn in (("download", lambda: download(g, peer, limit=45)),
                     ("upload", lambda: upload(g, peer, sha_up, limit=45))):
        u0 = vd.stats()["uplink"]["up0"]["total"]
        try:
            sha, dt = fn()
            log("%s 8 MiB: sha256 %s.. match (%.1f s)" % (what, sha[:16], dt))
        except Fail as e:
            log("%s 8 MiB: FAILED: %s" % (what, str(e).splitlines()[0]))
            problems.append("%s: %s" % (what, str(e).splitlines()[0]))
        if what == "download":
            u1 = vd.stats()["uplink"]["up0"]["total"]
            n = u1["rx_pkts"] - u0["rx_pkts"]
            avg = (u1["rx_bytes"] - u0["rx_bytes"]) / max(n, 1)
            log("download: %d frames from the peer, %.0f bytes on average" % (n, avg))
            if mtu > 1500 and avg <= 1514:
                problems.append("no jumbo frames from the peer (%.0f bytes on average)" % avg)
    wire = sniff.result()
    p1, g1, vd1 = snmp(ns=peer.ns), snmp(guest=g), vd.stats()
    log("frames from vhostd on the peer's TAP: %d, largest %d bytes, %d larger than "
        "MTU+14, %d TCP of which %d with a bad checksum" %
        (wire["frames"], wire["max_len"], wire["over_mtu"], wire["tcp"],
         wire["tcp_bad_csum"]))
    csum_peer = p1["Tcp"]["InCsumErrors"] - p0["Tcp"]["InCsumErrors"]
    csum_guest = g1["Tcp"]["InCsumErrors"] - g0["Tcp"]["InCsumErrors"]
    log("TCP checksum errors counted by the peer's kernel: %d, by the guest's: %d" %
        (csum_peer, csum_guest))

    def delta(kind, name, key):
        return vd1[kind][name]["total"][key] - vd0[kind][name]["total"][key]
    drops = {k: delta("guest", "vm1", k) for k in vd1["guest"]["vm1"]["total"]
             if k.startswith("drop_") and delta("guest", "vm1", k)}
    drops.update({"uplink " + k: delta("uplink", "up0", k) for k in vd1["uplink"]["up0"]["total"]
                  if k.startswith("drop_") and delta("uplink", "up0", k)})
    log("vhostd: guest sent %d frames / %d bytes, received %d frames; drops %s" %
        (delta("guest", "vm1", "tx_pkts"), delta("guest", "vm1", "tx_bytes"),
         delta("guest", "vm1", "rx_pkts"), drops or "none"))
    if wire["over_mtu"]:
        problems.append("%d frames larger than the MTU (up to %d bytes) left on the "
                        "uplink" % (wire["over_mtu"], wire["max_len"]))
    if wire["tcp_bad_csum"]:
        problems.append("%d TCP segments with an unfinished checksum left on the uplink" %
                        wire["tcp_bad_csum"])
    if mtu > 1500 and wire["max_len"] <= 1514:
        problems.append("no jumbo frame reached the peer (largest %d bytes)" % wire["max_len"])
    if csum_guest or csum_peer:
        problems.append("TCP checksum errors: %d in the guest, %d at the peer" %
                        (csum_guest, csum_peer))
    check(not problems, "MTU %d, features %s: %s" % (mtu, features or "default",
                                                     "; ".join(problems)))
    g.close()
    vd.stop()


def migrate(ctx, two_daemons=False):
    """Scenario 6: live migration on one host to a second QEMU started with
    -incoming, on a second vhostd socket of the same uplink with the same
    MAC, while the guest pings the peer every 100 ms.

    two_daemons: the destination socket belongs to a second vhostd with its
    own TAP, both TAPs bridged in the peer's namespace.  The guests then
    never share an uplink: this checks QEMU and librte_vhost's side of the
    migration (dirty logging, device stop and start) without the MAC move."""
    src_sock, dst_sock = ctx.path("src.sock"), ctx.path("dst.sock")
    tap = tap_name(ctx)
    if two_daemons:
        tap2 = tap + "b"
        vd = Vhostd(ctx, daemon_conf(ctx, tap, [dict(name="src", socket=src_sock, mac=MAC)]))
        vd2 = Vhostd(ctx, daemon_conf(ctx, tap2, [dict(name="dst", socket=dst_sock, mac=MAC)],
                                      name="vhostd2"), name="vhostd2")
        peer = Peer(ctx, tap, more_taps=(tap2,))
    else:
        vd = vd2 = Vhostd(ctx, daemon_conf(ctx, tap, [
            dict(name="src", socket=src_sock, mac=MAC),
            dict(name="dst", socket=dst_sock, mac=MAC)]))
        peer = Peer(ctx, tap)
    port = 20000 + int(ctx.tag) % 20000
    g = Qemu(ctx, "src", src_sock, MAC)
    wait_guest_state(vd, "src", "running")
    wait_link(g)
    dst = Qemu(ctx, "dst", dst_sock, MAC, incoming="tcp:127.0.0.1:%d" % port, boot=False)
    count = 150
    n, off = g.send("ping -c %d -i 0.1 -W 2 %s" % (count, PEER_IP))
    time.sleep(3)
    out = g.monitor("migrate -d tcp:127.0.0.1:%d" % port)
    check(out == "", "migrate: %s" % out)
    t0 = time.monotonic()

    def done():
        info = g.monitor("info migrate")
        check("Migration status: failed" not in info, "migration failed:\n" + info)
        return "Migration status: completed" in info and info
    info = wait_for(done, 120, "the migration to complete")
    log("migration completed %.1f s after the command" % (time.monotonic() - t0))
    for line in info.splitlines():
        if line.startswith(("total time", "downtime", "transferred ram")):
            log("QEMU: " + line.strip())
    # The guest runs in dst now: its serial port, and the rest of the ping's
    # output, come out of dst's command channel.
    g.close()
    dst.boot_id = g.boot_id
    m = dst._wait_text(r"@@E2E-END %d (\d+)\n" % n, 0, count * 0.1 + 60,
                       "the ping to finish in the migrated guest")
    tail = dst.buf[:m.start()]
    sm = re.search(r"(\d+) packets transmitted, (\d+) packets received", tail)
    check(sm, "no ping summary after the migration:\n" + tail[-1500:])
    sent, got = int(sm.group(1)), int(sm.group(2))
    seqs = [int(x) for x in re.findall(r"seq=(\d+)", g.buf[off:] + tail)]
    rtt = max([float(x) for x in re.findall(r"time=([\d.]+) ms", g.buf[off:] + tail)] + [0])
    log("ping every 100 ms across the migration: %d sent, %d received, %d lost; longest "
        "run lost %d; longest round trip %.0f ms" %
        (sent, got, sent - got, gap_of(g.buf[off:] + tail), rtt))
    check(seqs and max(seqs) >= count - 5, "the migrated guest's pings were not answered "
          "(%d/%d, last seq %s)" % (got, sent, max(seqs) if seqs else None))
    wait_guest_state(vd2, "dst", "running")
    wait_guest_state(vd, "src", "waiting")
    if not two_daemons:
        # The source's device stops before the destination's starts, so dst
        # owns the MAC as the only running guest; an announcement (RARP,
        # gratuitous ARP) matters only while both run.  Printed, not required.
        for line in vd.output().splitlines():
            if "shares its MAC" in line or "announced" in line:
                log(line)
    dst.seq = n
    check_traffic(dst, vd2, peer, 1, "after migration", name="dst")
    dst.close()
    vd.stop()
    if vd2 is not vd:
        vd2.stop()


if __name__ == "__main__":
    run({
        "split-1q": functools.partial(traffic, packed=False, queues=1),
        "split-2q": functools.partial(traffic, packed=False, queues=2),
        "packed-1q": functools.partial(traffic, packed=True, queues=1),
        "packed-2q": functools.partial(traffic, packed=True, queues=2),
        "reboot": reboot,
        "qemu-kill": qemu_kill,
        "vhostd-restart": vhostd_restart,
        "vhostd-restart-server": functools.partial(vhostd_restart, mode="server"),
        "vhostd-restart-packed": functools.partial(vhostd_restart, packed=True),
        "vhostd-restart-2q": functools.partial(vhostd_restart, queues=2),
        "vhostd-restart-pin": restart_removing,
        "vhostd-restart-nopin": functools.partial(restart_removing, pin=False),
        "offload-1500": functools.partial(offload, mtu=1500),
        "offload-9000": functools.partial(offload, mtu=9000, afpacket=True),
        # MTU 9000 through net_tap: its 22.11 PMD sends nothing over 1522 bytes.
        "offload-9000-tap": functools.partial(offload, mtu=9000),
        # A guest without GUEST_CSUM: vhostd finishes the peer's checksums.
        "offload-9000-no-guest-csum": functools.partial(
            offload, mtu=9000, afpacket=True, features="-guest-csum -guest-tso4 -guest-tso6",
            require=("csum", "host-tso4", "mrg-rxbuf")),
        # The peer's TSO/GSO on: 64 KiB frames, cut by the af_packet ring.
        "offload-9000-peer-tso": functools.partial(offload, mtu=9000, afpacket=True,
                                                   peer_off=()),
        # Diagnostics: the same checks without offloads, to tell the two apart.
        "plain-1500": functools.partial(offload, mtu=1500, features=NO_OFFLOADS, require=()),
        "jumbo-9000": functools.partial(offload, mtu=9000, features=NO_OFFLOADS, require=()),
        "jumbo-9000-uplink-mtu0": functools.partial(offload, mtu=9000, features=NO_OFFLOADS,
                                                    require=(), uplink_mtu=0),
        "offload-1500-afpacket": functools.partial(offload, mtu=1500, afpacket=True),
        "migrate": migrate,
        "migrate-two-daemons": functools.partial(migrate, two_daemons=True),
    })
