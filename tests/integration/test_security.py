#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Isolation and limits (docs/security.md, "Threat model"): the owner, group
and mode of guest sockets, checked with stat(2) and with connect(2) as users
inside and outside the group; the max-guests and max-queue-pairs caps, over
which guest.add changes nothing; and vhostd running as an unprivileged user
(hugetlbfs mount of its own, net_null uplink) serving a root virtio-user
guest, with vhostctl used by a member of the control group."""
import grp
import json
import os
import pwd
import re
import stat
import subprocess

from harness import VHOSTD, Fail, Testpmd, Vhostd, check, run, wait_for

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
USER = "vhostd-test"            # vhostd's own user in the non-root test
GROUP = "vhostd-test-ctl"       # control group; the group of guest sockets
OUTSIDER = ("nobody", "nogroup")
MAC = "52:54:00:00:07:01"
NO_USER = "nosuchuser-vhostd"


def ensure_accounts():
    """The test's system user and group, created once on this host."""
    if subprocess.run(["getent", "group", GROUP], capture_output=True).returncode != 0:
        subprocess.run(["groupadd", "--system", GROUP], check=True)
    if subprocess.run(["getent", "passwd", USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", USER], check=True)
    if USER not in grp.getgrnam(GROUP).gr_mem:
        subprocess.run(["usermod", "-a", "-G", GROUP, USER], check=True)
    return pwd.getpwnam(USER), grp.getgrnam(GROUP)


def conf(ctx, guests, extra="", rundir=None, huge=None):
    """guests: (name, [extra guest lines]); a net_null uplink."""
    rundir = rundir or ctx.dir
    lines = ["[daemon]", "cores = 1", "log-level = info",
             "control-socket = %s/control.sock" % rundir, "state-dir = %s/state" % rundir]
    if huge:
        lines += ["hugepages = yes", "huge-dir = %s" % huge, "memory = 128"]
    else:
        lines += ["hugepages = no", "memory = 256"]
    lines += [extra, "", "[uplink up0]", "device = net_null0", ""]
    for name, keys in guests:
        lines += ["[guest %s]" % name, "socket = %s/%s.sock" % (rundir, name)] + keys + [""]
    return "\n".join(lines)


def ctl(sock, *args, expect=0, user=None, groups=()):
    """vhostctl, as root or as user (name, group) with extra groups."""
    kw = {}
    if user:
        kw = dict(user=user[0], group=user[1], extra_groups=list(groups))
    r = subprocess.run([VHOSTCTL, "-s", sock] + list(args), capture_output=True, text=True,
                       timeout=30, **kw)
    if expect is not None:
        check(r.returncode == expect, "vhostctl %s: exit %d, expected %d\nstdout: %s\n"
              "stderr: %s" % (" ".join(args), r.returncode, expect, r.stdout[-2000:],
                              r.stderr[-2000:]))
    return r


CONNECT = ("import socket, sys\n"
           "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
           "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(3)\n")


def can_connect(path, user, groups=()):
    """connect(2) to path as user (name, group) with extra groups: True,
    False on EACCES; anything else fails the test."""
    # The system python: an interpreter under /root is out of other users' reach.
    r = subprocess.run(["/usr/bin/python3", "-c", CONNECT, path], user=user[0], group=user[1],
                       extra_groups=list(groups), capture_output=True, text=True, timeout=10)
    check(r.returncode in (0, 3), "connect %s as %s: %s" % (path, user, r.stderr))
    return r.returncode == 0


def perms(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def check_perms(path, uid, gid, mode):
    got = perms(path)
    check(got == (uid, gid, mode), "%s: uid %d gid %d mode %04o, expected uid %d gid %d mode "
          "%04o" % ((path,) + got + (uid, gid, mode)))
    print("  %-40s uid %d gid %d mode %04o" % ((os.path.basename(path),) + got))


def vhostd_check(path):
    return subprocess.run([VHOSTD, "-n", "-c", path], capture_output=True, text=True)


def socket_perms(ctx):
    """socket-owner/-group/-mode from the file and from guest.add, kept over a restart."""
    user, group = ensure_accounts()
    os.chmod(ctx.dir, 0o711)     # others may reach the sockets, permissions decide
    sock = ctx.sock("control")

    # vhostd -n names an unknown user and the line it is on.
    bad = os.path.join(ctx.dir, "bad.conf")
    with open(bad, "w") as f:
        f.write(conf(ctx, [("vm1", ["socket-owner = " + NO_USER])]))
    r = vhostd_check(bad)
    want = ("vhostd: %s:15: [guest vm1] socket-owner: no user '%s' on this host (expected a "
            "name that `getent passwd %s` finds, e.g. libvirt-qemu)\n" % (bad, NO_USER, NO_USER))
    check(r.returncode == 2 and r.stderr == want,
          "vhostd -n: exit %d, stderr %r, expected 2, %r" % (r.returncode, r.stderr, want))

    vd = Vhostd(ctx, conf(ctx, [
        ("vm1", ["socket-owner = " + USER, "socket-group = " + GROUP]),
        ("vm2", ["socket-mode = 0600"]),
        ("vm3", [])]))
    check_perms(ctx.sock("vm1"), user.pw_uid, group.gr_gid, 0o660)   # 0660 by default
    check_perms(ctx.sock("vm2"), 0, 0, 0o600)
    check(perms(ctx.sock("vm3"))[:2] == (0, 0), "vm3's socket changed owner")
    check("guest vm1: socket %s owner %s, group %s, mode 0660" % (ctx.sock("vm1"), USER, GROUP)
          in vd.output(), "no log line for vm1's socket permissions")

    # What the permissions mean: who may connect.
    check(can_connect(ctx.sock("vm1"), (USER, USER)), "the socket-owner cannot connect")
    check(can_connect(ctx.sock("vm1"), OUTSIDER, [GROUP]), "a socket-group member cannot connect")
    check(not can_connect(ctx.sock("vm1"), OUTSIDER), "a user outside the group can connect")
    check(not can_connect(ctx.sock("vm2"), OUTSIDER, [GROUP]), "mode 0600 lets others connect")

    # guest.add: the same keys, saved in the state directory.
    ctl(sock, "guest", "add", "vm4", "--socket", ctx.sock("vm4"), "--socket-owner", USER,
        "--socket-group", GROUP, "--socket-mode", "0640")
    check_perms(ctx.sock("vm4"), user.pw_uid, group.gr_gid, 0o640)
    with open(os.path.join(ctx.dir, "state", "guests", "vm4.json")) as f:
        saved = json.load(f)
    check(saved.get("socket_owner") == USER and saved.get("socket_group") == GROUP and
          saved.get("socket_mode") == "0640", "saved vm4: %s" % saved)
    # Refused: nothing created, nothing saved.
    for args, status, msg in [
            (["--socket-owner", NO_USER], 1,
             "[guest vm5] socket-owner: no user '%s' on this host" % NO_USER),
            (["--socket-mode", "0660", "--mode", "client"], 1,
             "[guest vm5] socket-mode: only for mode = server"),
            (["--socket-mode", "4755"], 1,
             "[guest vm5] socket-mode: '4755' is not a socket mode")]:
        r = ctl(sock, "guest", "add", "vm5", "--socket", ctx.sock("vm5"), *args, expect=status)
        check(msg in r.stderr, "guest add %s: %r, expected %r" % (args, r.stderr, msg))
    check(not os.path.exists(ctx.sock("vm5")), "a refused guest.add created its socket")
    check(sorted(os.listdir(os.path.join(ctx.dir, "state", "guests"))) == ["vm4.json"],
          "state files after refused requests")
    vd.stop()

    # Replayed from the state directory with the same permissions.
    vd = Vhostd(ctx, open(vd.conf).read(), name="vhostd2")
    check_perms(ctx.sock("vm4"), user.pw_uid, group.gr_gid, 0o640)
    check_perms(ctx.sock("vm1"), user.pw_uid, group.gr_gid, 0o660)
    vd.stop()


def caps(ctx):
    """max-guests and max-queue-pairs: guest.add over a cap changes nothing;
    a driver that sets up more pairs than allowed is refused, one with the
    allowed pairs is served on all of them."""
    sock = ctx.sock("control")
    extra = "max-guests = 2\nmax-queue-pairs = 2"
    bad = os.path.join(ctx.dir, "bad.conf")
    with open(bad, "w") as f:
        f.write(conf(ctx, [("vm1", []), ("vm2", []), ("vm3", [])], extra=extra))
    r = vhostd_check(bad)
    want = ("vhostd: %s:20: [guest vm3]: more [guest] sections than [daemon] max-guests = 2 "
            "(expected at most 2, or a larger max-guests)\n" % bad)
    check(r.returncode == 2 and r.stderr == want,
          "vhostd -n: exit %d, stderr %r, expected 2, %r" % (r.returncode, r.stderr, want))

    vd = Vhostd(ctx, conf(ctx, [("vm1", ["queues = 2", "mac = " + MAC])], extra=extra))
    sdir = os.path.join(ctx.dir, "state", "guests")

    def state():
        names = [g["name"] for g in json.loads(ctl(sock, "-j", "guest", "list").stdout)["guests"]]
        files = sorted(os.listdir(sdir)) if os.path.isdir(sdir) else []
        socks = sorted(n for n in os.listdir(ctx.dir) if n.startswith("vm"))
        return names, files, socks

    ctl(sock, "guest", "add", "vm2", "--socket", ctx.sock("vm2"))
    before = state()
    check(before == (["vm1", "vm2"], ["vm2.json"], ["vm1.sock", "vm2.sock"]),
          "before the cap: %s" % (before,))
    r = ctl(sock, "guest", "add", "vm3", "--socket", ctx.sock("vm3"), expect=6)   # ENOSPC
    check(r.stderr == "vhostctl: [guest vm3]: no room for another guest ([daemon] "
          "max-guests = 2)\n", "over max-guests: %r" % r.stderr)
    check(state() == before, "guest.add over max-guests changed %s to %s" % (before, state()))

    ctl(sock, "guest", "del", "vm2")
    before = state()
    r = ctl(sock, "guest", "add", "vm3", "--socket", ctx.sock("vm3"), "--queues", "4", expect=1)
    check(r.stderr == "vhostctl: [guest vm3] queues: 4 is more than [daemon] "
          "max-queue-pairs = 2\n", "over max-queue-pairs: %r" % r.stderr)
    check(state() == before, "guest.add over max-queue-pairs changed %s to %s" %
          (before, state()))

    # A driver with 4 pairs on a guest allowed 2: the first message for a
    # vring past pair 1 and the control queue (index 4) is refused, the
    # driver cannot start, and nothing was allocated for vrings 5 to 7.
    try:
        Testpmd(ctx, "vm1-4q", ctx.sock("vm1"), queues=4, mac=MAC)
        check(False, "a driver with 4 queue pairs started on a guest allowed 2")
    except Fail as e:
        check("testpmd vm1-4q exited" in str(e), str(e))
    shown = json.loads(ctl(sock, "-j", "guest", "show", "vm1").stdout)
    check(shown["refused_messages"] >= 1 and shown["state"] == "waiting",
          "vm1 after a 4-pair driver: %s" % shown)
    check(re.search(r"guest vm1: refused vhost-user request \d+ \(vring beyond the guest's "
                    r"queues and control queue\)", vd.output()),
          "no warning naming vm1 and the vring over the cap:\n" + vd.output()[-2000:])
    # A driver with the 2 pairs the guest has: both carry traffic.
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), queues=2, mac=MAC)
    wait_for(lambda: json.loads(ctl(sock, "-j", "guest", "show", "vm1").stdout)["pairs"] == 2,
             30, "vm1 to be served 2 pairs")
    per_q, (_, tx) = tp.run_fwd("txonly", 1)
    g = json.loads(ctl(sock, "-j", "stats", "guest", "vm1").stdout)["guests"]["vm1"]
    got = {q["queue"]: q["tx_pkts"] for q in g["queues"]}
    print("  driver sent per queue %s; vhostd dequeued %s" %
          ({q: v[1] for q, v in per_q.items()}, got))
    check(sorted(got) == [0, 1], "counters for queues %s, expected [0, 1]" % sorted(got))
    for q in (0, 1):
        check(got[q] > 0 and got[q] == per_q[q][1],
              "queue %d: driver sent %d, vhostd dequeued %d" % (q, per_q[q][1], got[q]))
    tp.quit()
    vd.stop()


def non_root(ctx):
    """vhostd as vhostd-test: hugepages from its own hugetlbfs mount, a
    net_null uplink, a root virtio-user guest on a group socket, vhostctl
    for members of control-group only."""
    user, group = ensure_accounts()
    os.chmod(ctx.dir, 0o711)
    rundir = os.path.join(ctx.dir, "run")       # like /run/vhostd: vhostd's, group ctl
    os.mkdir(rundir, 0o750)
    os.chown(rundir, user.pw_uid, group.gr_gid)
    huge = os.path.join(ctx.dir, "huge")
    os.mkdir(huge)
    subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M,mode=0700,uid=%d,gid=%d" %
                    (user.pw_uid, user.pw_gid), "nodev", huge], check=True)
    try:
        _non_root(ctx, user, group, rundir, huge)
    finally:
        for p in ctx.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["umount", huge])


def _non_root(ctx, user, group, rundir, huge):
    sock = os.path.join(rundir, "control.sock")
    vm1 = os.path.join(rundir, "vm1.sock")
    member = (OUTSIDER[0], OUTSIDER[1], [GROUP])
    vd = Vhostd(ctx, conf(ctx, [("vm1", ["mac = " + MAC, "socket-group = " + GROUP,
                                         "socket-mode = 0660"])],
                          extra="control-group = " + GROUP, rundir=rundir, huge=huge),
                prefix=["setpriv", "--reuid=" + USER, "--regid=" + USER, "--groups=" + GROUP])
    with open("/proc/%d/status" % vd.pid()) as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    check(status["Uid"].split() == [str(user.pw_uid)] * 4, "vhostd's uids: %s" % status["Uid"])
    check(int(status["CapEff"], 16) == 0, "vhostd has capabilities: %s" % status["CapEff"])
    pages = [n for n in os.listdir(huge)]
    check(pages and all(os.stat(os.path.join(huge, n)).st_uid == user.pw_uid for n in pages),
          "no hugepage files of vhostd's in its hugetlbfs mount: %s" % pages[:4])
    print("  vhostd uid %d, CapEff 0, %d hugepage files" % (user.pw_uid, len(pages)))
    check_perms(sock, user.pw_uid, group.gr_gid, 0o660)
    check_perms(vm1, user.pw_uid, group.gr_gid, 0o660)

    # The control socket: group members yes, anyone else no.
    r = ctl(sock, "-j", "guest", "list", user=member[:2], groups=member[2])
    check([g["name"] for g in json.loads(r.stdout)["guests"]] == ["vm1"], "guest list: %s" %
          r.stdout)
    r = ctl(sock, "version", expect=3, user=OUTSIDER)
    check("Permission denied" in r.stderr, "outsider's vhostctl: %r" % r.stderr)

    # A root guest passes traffic both ways.
    tp = Testpmd(ctx, "vm1", vm1, mac=MAC)
    wait_for(lambda: json.loads(ctl(sock, "-j", "guest", "show", "vm1").stdout)["state"] ==
             "running", 10, "vm1 to run")
    tp.run_fwd("rxonly", 1)
    rx, _ = tp.port_stats()
    _, (_, tx) = tp.run_fwd("txonly", 1)
    g = json.loads(ctl(sock, "-j", "stats", "guest", "vm1", user=member[:2],
                       groups=member[2]).stdout)["guests"]["vm1"]["total"]
    print("  guest received %d, sent %d; vhostd dequeued %d" % (rx, tx, g["tx_pkts"]))
    check(rx > 1000, "the guest received only %d frames in 1 s" % rx)
    check(tx > 1000 and g["tx_pkts"] == tx, "guest sent %d, vhostd dequeued %d" %
          (tx, g["tx_pkts"]))

    # guest.add by a group member: the socket and the state file are vhostd's.
    ctl(sock, "guest", "add", "vm2", "--socket", os.path.join(rundir, "vm2.sock"),
        "--socket-mode", "0600", user=member[:2], groups=member[2])
    check_perms(os.path.join(rundir, "vm2.sock"), user.pw_uid, user.pw_gid, 0o600)
    saved = os.path.join(rundir, "state", "guests", "vm2.json")
    check(os.stat(saved).st_uid == user.pw_uid, "state file not vhostd's")
    # Without CAP_CHOWN a socket cannot be given to another user: refused,
    # nothing left behind, the other guests unaffected.
    r = ctl(sock, "guest", "add", "vm3", "--socket", os.path.join(rundir, "vm3.sock"),
            "--socket-owner", "root", expect=None, user=member[:2], groups=member[2])
    want = "vhostctl: [guest vm3]: cannot start its socket %s/vm3.sock: Operation not " \
        "permitted\n" % rundir
    check(r.returncode != 0 and r.stderr == want, "socket-owner without CAP_CHOWN: exit %d, "
          "%r, expected %r" % (r.returncode, r.stderr, want))
    check("guest vm3: cannot give socket %s/vm3.sock to user 'root'" % rundir in vd.output(),
          "no log line saying why vm3 failed")
    check(not os.path.exists(os.path.join(rundir, "vm3.sock")) and
          sorted(os.listdir(os.path.join(rundir, "state", "guests"))) == ["vm2.json"],
          "a refused guest left its socket or state file")
    check(json.loads(ctl(sock, "-j", "guest", "show", "vm1").stdout)["state"] == "running",
          "vm1 is no longer running")
    tp.quit()
    vd.stop()


if __name__ == "__main__":
    run({"socket-perms": socket_perms, "caps": caps, "non-root": non_root})
