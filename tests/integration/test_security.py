#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Isolation and limits (docs/security.md, "Threat model"): the owner, group
and mode of guest sockets, checked with stat(2) and with connect(2) as users
inside and outside the group; the max-guests and max-queue-pairs caps, over
which guest.add changes nothing; vhostd running as an unprivileged user
(hugetlbfs mount of its own, net_null uplink) serving a root virtio-user
guest, with vhostctl used by a member of the control group; and least
privilege: the systemd unit's exposure score, vhostd run with exactly the
unit's capabilities (and with each opt-in drop-in's) on real uplinks.

Every case leaves the host as it found it: the system accounts, mounts and
DPDK runtime directories it creates carry this process's pid in their names
and are removed at the end, pass or fail; leftovers of a run that was killed
(a pid that no longer runs) are removed before a case starts."""
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time

from harness import VHOSTD, Fail, Testpmd, Vhostd, check, run, wait_for
from test_switching import ns_counter, ns_send

VHOSTCTL = os.environ.get("VHOSTCTL", "vhostctl")
PID = os.getpid()
USER = "vhd-u%d" % PID          # vhostd's own user in the non-root test
GROUP = "vhd-g%d" % PID         # control group; the group of guest sockets
ACCOUNT = r"^vhd-[ug](\d+)$"
MOUNT = r"/vhostd-it-[^/]+/huge-(\d+)$"
# Where DPDK puts its runtime directories: root's, and non-root fallbacks.
RUNTIME_BASES = ["/var/run/dpdk", "/tmp/dpdk"] + (
    [os.path.join(os.environ["XDG_RUNTIME_DIR"], "dpdk")] if os.environ.get("XDG_RUNTIME_DIR")
    else [])
PREFIX = "vhd-sec-%d" % PID     # DPDK file prefix of every vhostd started here
OUTSIDER = ("nobody", "nogroup")
MAC = "52:54:00:00:07:01"
NO_USER = "nosuchuser-vhostd"
# The unit under test (VHOSTD_UNIT: another one, e.g. an older version's).
SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
UNIT = os.environ.get("VHOSTD_UNIT", os.path.join(SRC, "tools", "systemd", "vhostd.service"))
DROPINS = os.path.join(os.path.dirname(UNIT), "vhostd.service.d")

created = {"users": [], "groups": [], "mounts": []}


def stale(pattern, name):
    """name carries the pid of an earlier run of this file (pattern's
    group 1) that no longer runs."""
    m = re.search(pattern, name)
    if not m or int(m.group(1)) == PID:
        return False
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


def sweep_leftovers():
    """What an earlier run of this file left when it was killed before its
    cleanup: hugetlbfs mounts, DPDK runtime directories, accounts."""
    with open("/proc/self/mounts") as f:
        for path in [line.split()[1] for line in f]:
            if stale(MOUNT, path):
                subprocess.run(["umount", path], stderr=subprocess.DEVNULL)
    for base in RUNTIME_BASES:
        for d in glob.glob(os.path.join(base, "vhd-sec-*")):
            if stale(r"/vhd-sec-(\d+)$", d):
                shutil.rmtree(d, ignore_errors=True)
    for kind, db in (("users", "/etc/passwd"), ("groups", "/etc/group")):
        with open(db) as f:
            names = [line.split(":", 1)[0] for line in f]
        for name in names:
            if stale(ACCOUNT, name):
                remove_account(kind, name)


def remove_account(kind, name):
    if kind == "users":
        subprocess.run(["userdel", name], stderr=subprocess.DEVNULL)
    # useradd --user-group made a group of the same name; userdel removes it
    # unless it has members, so check.
    if subprocess.run(["getent", "group", name], capture_output=True).returncode == 0:
        subprocess.run(["groupdel", name], stderr=subprocess.DEVNULL)


def cleanup():
    """What this run created: mounts, accounts, DPDK runtime directories."""
    for path in reversed(created["mounts"]):
        subprocess.run(["umount", path], stderr=subprocess.DEVNULL)
    for kind in ("users", "groups"):
        for name in created[kind]:
            remove_account(kind, name)
        created[kind].clear()
    created["mounts"].clear()
    for base in RUNTIME_BASES:
        for d in glob.glob(os.path.join(base, PREFIX)) + \
                glob.glob(os.path.join(base, "tp-*-%d" % PID)):
            shutil.rmtree(d, ignore_errors=True)


def cleaned(case):
    """Run case with the host put back afterwards, pass or fail."""
    def wrapper(ctx):
        sweep_leftovers()
        try:
            case(ctx)
        finally:
            for p in ctx.procs:             # before umount: they hold the mounts
                if p.poll() is None:
                    p.kill()
                    p.wait()
            cleanup()
    wrapper.__name__ = case.__name__
    return wrapper


def ensure_accounts():
    """The test's system user and group, removed by cleanup()."""
    if USER not in created["users"]:
        subprocess.run(["groupadd", "--system", GROUP], check=True)
        created["groups"].append(GROUP)
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", "--groups", GROUP, USER], check=True)
        created["users"].append(USER)
    return pwd.getpwnam(USER), grp.getgrnam(GROUP)


def mount_huge(ctx, opts):
    """A hugetlbfs mount of the test's own, unmounted by cleanup()."""
    path = os.path.join(ctx.dir, "huge-%d" % PID)
    os.mkdir(path)
    subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M," + opts, "nodev", path],
                   check=True)
    created["mounts"].append(path)
    return path


def conf(ctx, guests, extra="", rundir=None, huge=None, uplink="net_null0"):
    """guests: (name, [extra guest lines]), the socket in rundir unless a
    line names one; a net_null uplink by default."""
    rundir = rundir or ctx.dir
    lines = ["[daemon]", "cores = 1", "log-level = info", "file-prefix = " + PREFIX,
             "control-socket = %s/control.sock" % rundir, "state-dir = %s/state" % rundir]
    if huge:
        lines += ["hugepages = yes", "huge-dir = %s" % huge, "memory = 128"]
    else:
        lines += ["hugepages = no", "memory = 256"]
    lines += [extra, "", "[uplink up0]", "device = " + uplink, ""]
    for name, keys in guests:
        if not any(k.startswith("socket =") for k in keys):
            keys = ["socket = %s/%s.sock" % (rundir, name)] + keys
        lines += ["[guest %s]" % name] + keys + [""]
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
    want = ("vhostd: %s:16: [guest vm1] socket-owner: no user '%s' on this host (expected a "
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
    want = ("vhostd: %s:21: [guest vm3]: more [guest] sections than [daemon] max-guests = 2 "
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
    """vhostd as the test's own user: hugepages from its own hugetlbfs mount, a
    net_null uplink, a root virtio-user guest on a group socket, vhostctl
    for members of control-group only."""
    user, group = ensure_accounts()
    os.chmod(ctx.dir, 0o711)
    rundir = os.path.join(ctx.dir, "run")       # like /run/vhostd: vhostd's, group ctl
    os.mkdir(rundir, 0o750)
    os.chown(rundir, user.pw_uid, group.gr_gid)
    huge = mount_huge(ctx, "mode=0700,uid=%d,gid=%d" % (user.pw_uid, user.pw_gid))
    # DPDK's runtime directory: $XDG_RUNTIME_DIR/dpdk, else /tmp/dpdk, which
    # would be shared with every other non-root DPDK process on the host
    # (and belong to whichever user made it first).
    xdg = os.path.join(ctx.dir, "xdg")
    os.mkdir(xdg, 0o700)
    os.chown(xdg, user.pw_uid, user.pw_gid)
    sock = os.path.join(rundir, "control.sock")
    vm1 = os.path.join(rundir, "vm1.sock")
    member = (OUTSIDER[0], OUTSIDER[1], [GROUP])
    vd = Vhostd(ctx, conf(ctx, [("vm1", ["mac = " + MAC, "socket-group = " + GROUP,
                                         "socket-mode = 0660"])],
                          extra="control-group = " + GROUP, rundir=rundir, huge=huge),
                prefix=["env", "XDG_RUNTIME_DIR=" + xdg, "setpriv", "--reuid=" + USER,
                        "--regid=" + USER, "--groups=" + GROUP])
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

# --- Least privilege: the systemd unit (tools/systemd/vhostd.service).

# Measured with systemd 252: `systemd-analyze security --offline=yes
# tools/systemd/vhostd.service`; 3.3 before the unit was cut down.
MAX_EXPOSURE = 2.1
# Each capability the unit grants, and what vhostd cannot do without it (a
# case below checks it): a capability with no entry here is not needed.
NEEDED = {"CAP_NET_ADMIN": ("tun_alloc(): Unable to set TUNSETIFF for %(tap)s: Operation not "
                            "permitted", "net_tap needs CAP_NET_ADMIN")}
# What the unit granted before and leaves to the opt-in drop-ins
# (vhostd.service.d/) now; CAP_IPC_LOCK to LimitMEMLOCK=infinity.
OPT_IN = {"CAP_SYS_ADMIN", "CAP_SYS_RAWIO", "CAP_DAC_OVERRIDE", "CAP_CHOWN", "CAP_NET_RAW",
          "CAP_IPC_LOCK"}


def unit_settings(*paths):
    """[Service] settings of a unit and its drop-ins, in order: {key: [values]}."""
    out, section = {}, None
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line[0] in "#;":
                    continue
                if line.startswith("["):
                    section = line
                elif section == "[Service]" and "=" in line:
                    key, value = line.split("=", 1)
                    out.setdefault(key.strip(), []).append(value.strip())
    return out


def cap_set(settings, key):
    """A capability list as systemd reads it: assignments add up, an empty
    one resets."""
    caps = set()
    for value in settings.get(key, []):
        check(not value.startswith("~"), "%s=%s: the test reads allow lists only" % (key, value))
        caps = caps | set(value.split()) if value else set()
    return caps


def cap_names(mask):
    """The capability names in a /proc/PID/status mask (capsh --decode)."""
    out = subprocess.run(["capsh", "--decode=" + mask], capture_output=True, text=True,
                         check=True).stdout.strip()
    names = out.split("=", 1)[1] if "=" in out else ""
    return {n.upper() for n in names.split(",") if n}


def under_unit(settings):
    """A command prefix that starts vhostd as systemd would under settings:
    root with exactly the unit's bounding set (so permitted and effective
    too), its ambient set, NoNewPrivileges=, UMask= and SupplementaryGroups=.
    (LimitMEMLOCK= cannot be raised here without CAP_SYS_RESOURCE, and only
    VFIO's DMA pinning needs it.)"""
    check("User" not in settings and "DynamicUser" not in settings,
          "the test runs units that run as root only")
    amb = cap_set(settings, "AmbientCapabilities")

    def caps(cs):
        return ",".join(["-all"] + ["+" + c[4:].lower() for c in sorted(cs)])
    prefix = ["setpriv", "--bounding-set=" + caps(cap_set(settings, "CapabilityBoundingSet")),
              "--inh-caps=" + caps(amb), "--ambient-caps=" + caps(amb)]
    if settings.get("NoNewPrivileges", ["no"])[-1] == "yes":
        prefix.append("--no-new-privs")
    groups = " ".join(settings.get("SupplementaryGroups", [])).split()
    prefix += ["--groups=" + ",".join(groups)] if groups else ["--clear-groups"]
    return prefix + ["--", "/bin/sh", "-c", 'umask %s && exec "$0" "$@"' %
                     settings.get("UMask", ["0022"])[-1]]


def check_process(pid, settings):
    """vhostd's capabilities, umask and no_new_privs are the unit's."""
    with open("/proc/%d/status" % pid) as f:
        st = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    want = cap_set(settings, "CapabilityBoundingSet")
    for k in ("CapBnd", "CapPrm", "CapEff"):
        check(cap_names(st[k]) == want, "vhostd's %s: %s, the unit's set is %s" %
              (k, sorted(cap_names(st[k])), sorted(want)))
    check(cap_names(st["CapAmb"]) == cap_set(settings, "AmbientCapabilities"),
          "vhostd's ambient set: %s" % st["CapAmb"])
    check(st["NoNewPrivs"] == "1" and st["Umask"] == settings.get("UMask", ["0022"])[-1],
          "vhostd's NoNewPrivs %s, Umask %s" % (st["NoNewPrivs"], st["Umask"]))
    print("  vhostd pid %d: CapEff %s (%s), umask %s, no_new_privs" %
          (pid, st["CapEff"], " ".join(sorted(want)) or "none", st["Umask"]))


def guest_state(sock, name):
    return json.loads(ctl(sock, "-j", "guest", "show", name).stdout)["state"]


def uplink_total(sock):
    return json.loads(ctl(sock, "-j", "stats", "uplink", "up0").stdout)["uplinks"]["up0"]["total"]


def exposure(ctx, name, dropins=()):
    """systemd-analyze's exposure score of the unit with dropins (systemd
    reads NAME.service.d/ next to the unit file, so each set gets a copy)."""
    where = os.path.join(ctx.dir, name)
    os.makedirs(os.path.join(where, "vhostd.service.d"))
    shutil.copy(UNIT, where)
    for d in dropins:
        shutil.copy(d, os.path.join(where, "vhostd.service.d"))
    unit = os.path.join(where, "vhostd.service")
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", unit],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
    check(m, "systemd-analyze security %s: exit %d\n%s%s" % (unit, r.returncode,
                                                             r.stdout[-2000:], r.stderr))
    return float(m.group(1))


def unit_exposure(ctx):
    """The unit as shipped: its exposure score, no capability or system call
    group that only an opt-in drop-in should grant, UMask= and PrivateIPC=;
    the drop-ins together give back what the unit left out."""
    score = exposure(ctx, "unit")
    settings = unit_settings(UNIT)
    caps = cap_set(settings, "CapabilityBoundingSet")
    print("  %s: exposure %.1f (at most %.1f), CapabilityBoundingSet=%s" %
          (UNIT, score, MAX_EXPOSURE, " ".join(sorted(caps))))
    back = sorted(caps & OPT_IN)
    check(not back, "the unit grants %s, which only opt-in drop-ins should" % back)
    check(set(caps) <= set(NEEDED), "the unit grants %s, which nothing needs" %
          sorted(set(caps) - set(NEEDED)))
    filt = " ".join(settings.get("SystemCallFilter", [])).split()
    check("@raw-io" not in filt, "SystemCallFilter= allows @raw-io: %s" % filt)
    families = " ".join(settings.get("RestrictAddressFamilies", [])).split()
    check("AF_PACKET" not in families, "RestrictAddressFamilies= allows AF_PACKET")
    for key, want in (("UMask", "0077"), ("PrivateIPC", "yes"), ("LimitMEMLOCK", "infinity"),
                      ("NoNewPrivileges", "yes")):
        got = settings.get(key, ["(unset)"])[-1]
        check(got == want, "%s=%s, expected %s" % (key, got, want))
    check(score <= MAX_EXPOSURE, "exposure %.1f, more than %.1f" % (score, MAX_EXPOSURE))

    # Each drop-in on top of the unit: its score, and what it adds.
    offered = set(caps)
    for d in sorted(glob.glob(os.path.join(DROPINS, "*.conf"))):
        added = cap_set(unit_settings(UNIT, d), "CapabilityBoundingSet") - caps
        offered |= added
        print("  + %-20s exposure %.1f, adds %s" % (os.path.basename(d), exposure(
            ctx, os.path.basename(d), [d]), " ".join(sorted(added))))
    # CAP_IPC_LOCK is replaced by LimitMEMLOCK=infinity (checked above).
    lost = sorted(OPT_IN - {"CAP_IPC_LOCK"} - offered)
    check(not lost, "no drop-in in %s gives back %s" % (DROPINS, lost))


def least_privilege(ctx):
    """vhostd started as the unit starts it, with exactly its capabilities,
    and socket-group and control-group through SupplementaryGroups= (the
    site's own drop-in, as docs/operations.md says): hugepages, a net_tap
    uplink moved into a namespace of the test, a virtio-user guest passing
    traffic both ways, vhostctl for the control group.  Then once without
    each capability the unit grants: what it is needed for fails."""
    user, group = ensure_accounts()
    os.chmod(ctx.dir, 0o711)
    site = os.path.join(ctx.dir, "site.conf")
    with open(site, "w") as f:
        f.write("[Service]\nSupplementaryGroups=%s\n" % GROUP)
    settings = unit_settings(UNIT, site)
    unit_caps = cap_set(settings, "CapabilityBoundingSet")
    tap = "vhlp%d" % (PID % 100000)
    huge = mount_huge(ctx, "mode=0755")     # root's, as /dev/hugepages
    text = conf(ctx, [("vm1", ["mac = " + MAC, "socket-group = " + GROUP])],
                extra="control-group = " + GROUP, huge=huge, uplink="net_tap0,iface=" + tap)
    vd = Vhostd(ctx, text, prefix=under_unit(settings))
    check_process(vd.pid(), settings)
    sock = ctx.sock("control")
    check_perms(sock, 0, group.gr_gid, 0o660)
    check_perms(ctx.sock("vm1"), 0, group.gr_gid, 0o660)
    check([n for n in os.listdir(huge) if n.startswith(PREFIX)],
          "no hugepage files of vhostd's in %s" % huge)

    ns = ctx.add_netns("lp")
    subprocess.run(["ip", "link", "set", tap, "netns", ns], check=True)
    subprocess.run(["ip", "-n", ns, "link", "set", tap, "up"], check=True)
    tp = Testpmd(ctx, "vm1", ctx.sock("vm1"), mac=MAC)
    wait_for(lambda: guest_state(sock, "vm1") == "running", 10, "vm1 to run")
    # From the wire to the guest.
    tp.cmd("start")
    ns_send(ns, tap, MAC + "/200")
    wait_for(lambda: tp.port_stats()[0] >= 200, 10, "200 frames at the guest")
    time.sleep(0.2)
    rx = tp.port_stats()[0]
    # From the guest to the wire.
    wire0, up0 = ns_counter(ns, tap, "rx_packets"), uplink_total(sock)["tx_pkts"]
    _, (_, tx) = tp.run_fwd("txonly", 1)
    time.sleep(0.3)
    sent = uplink_total(sock)["tx_pkts"] - up0
    wire = ns_counter(ns, tap, "rx_packets") - wire0
    print("  guest received %d of 200 from the wire; sent %d, vhostd sent %d to the TAP, the "
          "namespace got %d" % (rx, tx, sent, wire))
    check(rx == 200, "the guest received %d frames, 200 were sent to it" % rx)
    check(tx > 1000 and sent > 1000 and wire == sent,
          "guest sent %d, vhostd sent %d on the uplink, %d reached the namespace" %
          (tx, sent, wire))

    # The control socket, for members of control-group only; guests added
    # at run time get their socket-group without CAP_CHOWN, a socket-owner
    # is refused (that is socket-owner.conf's job) and changes nothing.
    r = ctl(sock, "-j", "guest", "list", user=OUTSIDER, groups=[GROUP])
    check([g["name"] for g in json.loads(r.stdout)["guests"]] == ["vm1"], "guest list: %s" %
          r.stdout)
    r = ctl(sock, "version", expect=3, user=OUTSIDER)
    check("Permission denied" in r.stderr, "outsider's vhostctl: %r" % r.stderr)
    ctl(sock, "guest", "add", "vm2", "--socket", ctx.sock("vm2"), "--socket-group", GROUP,
        "--no-persist", user=OUTSIDER, groups=[GROUP])
    check_perms(ctx.sock("vm2"), 0, group.gr_gid, 0o660)
    r = ctl(sock, "guest", "add", "vm3", "--socket", ctx.sock("vm3"), "--socket-owner", USER,
            "--no-persist", expect=None)
    check(r.returncode != 0 and "Operation not permitted" in r.stderr and
          not os.path.exists(ctx.sock("vm3")), "socket-owner without CAP_CHOWN: exit %d, %r" %
          (r.returncode, r.stderr))
    check(guest_state(sock, "vm1") == "running", "vm1 is no longer running")
    tp.quit()
    vd.stop()

    # Each capability the unit grants is needed: without it, this fails.
    for cap in sorted(unit_caps):
        check(cap in NEEDED, "the unit grants %s, which vhostd did not need above" % cap)
        less = dict(settings, CapabilityBoundingSet=[" ".join(sorted(unit_caps - {cap}))])
        vd = Vhostd(ctx, text, name="without-" + cap.lower(), prefix=under_unit(less),
                    expect_ready=False)
        wait_for(lambda: vd.proc.poll() is not None, 30, "vhostd without %s to fail" % cap)
        rc = vd.proc.returncode
        want = [w % dict(tap=tap) for w in NEEDED[cap]]
        check(rc == 1 and all(w in vd.output() for w in want), "without %s: exit %d, expected "
              "1 and %r:\n%s" % (cap, rc, want, vd.output()[-1500:]))
        print("  without %s: exit %d, %s" % (cap, rc, "; ".join(want)))


def unit_dropins(ctx):
    """The opt-in drop-ins do what they are for, on top of the unit's set,
    where the unit alone fails with a message that says why:
    socket-owner.conf (a socket given to another user), af-packet.conf (a
    net_af_packet uplink on a veth into a namespace of the test) and
    client-sockets.conf (a client-mode socket QEMU's user owns).
    no-iommu.conf needs a NIC in VFIO no-IOMMU mode, which this host has
    not."""
    user, group = ensure_accounts()
    os.chmod(ctx.dir, 0o711)
    base = unit_settings(UNIT)

    def with_dropin(name):
        path = os.path.join(DROPINS, name)
        check(os.path.exists(path), "no drop-in %s" % path)
        return unit_settings(UNIT, path)

    def refused(text, name, *want):
        vd = Vhostd(ctx, text, name=name, prefix=under_unit(base), expect_ready=False)
        wait_for(lambda: vd.proc.poll() is not None, 30,
                 "vhostd with %s to fail under the unit alone" % name)
        rc = vd.proc.returncode
        check(rc == 1 and all(w in vd.output() for w in want), "%s under the unit alone: exit "
              "%d, expected 1 and %r:\n%s" % (name, rc, want, vd.output()[-1500:]))
        print("  %s, unit alone: exit %d, %s" % (name, rc, "; ".join(want)))

    # socket-owner.conf
    text = conf(ctx, [("vm1", ["socket-owner = " + USER, "socket-group = " + GROUP])])
    refused(text, "socket-owner", "cannot give socket %s to user '%s' group '%s': cannot "
            "change its owner or group: Operation not permitted" % (ctx.sock("vm1"), USER, GROUP))
    settings = with_dropin("socket-owner.conf")
    vd = Vhostd(ctx, text, name="socket-owner-dropin", prefix=under_unit(settings))
    check_process(vd.pid(), settings)
    check_perms(ctx.sock("vm1"), user.pw_uid, group.gr_gid, 0o660)
    check(can_connect(ctx.sock("vm1"), (USER, USER)), "the socket-owner cannot connect")
    vd.stop()

    # af-packet.conf
    ns = ctx.add_netns("afp")
    veth = "vhap%d" % (PID % 100000)
    subprocess.run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "p0", "netns",
                    ns], check=True)
    for cmd in (["ip", "link", "set", veth, "up"], ["ip", "-n", ns, "link", "set", "p0", "up"]):
        subprocess.run(cmd, check=True)
    text = conf(ctx, [("vm1", ["mac = " + MAC])], uplink="net_af_packet0,iface=" + veth)
    refused(text, "af-packet", "open_packet_iface(): Could not open AF_PACKET socket",
            "net_af_packet needs CAP_NET_RAW: af-packet.conf under systemd")
    settings = with_dropin("af-packet.conf")
    vd = Vhostd(ctx, text, name="af-packet-dropin", prefix=under_unit(settings))
    check_process(vd.pid(), settings)
    sock = ctx.sock("control")
    before = uplink_total(sock)["rx_pkts"]
    ns_send(ns, "p0", MAC + "/100")
    wait_for(lambda: uplink_total(sock)["rx_pkts"] - before >= 100, 10,
             "100 frames from the namespace on the af_packet uplink")
    vd.stop()

    # client-sockets.conf: QEMU (here testpmd, server=1) listens on a socket
    # that its user owns, in a directory only that user may enter.  testpmd
    # shows its prompt only once a backend connected: started aside.
    qdir = os.path.join(ctx.dir, "qemu")
    os.mkdir(qdir, 0o700)
    qsock = os.path.join(qdir, "vm1.sock")
    guest = []
    starter = threading.Thread(target=lambda: guest.append(
        Testpmd(ctx, "vm1", qsock, mac=MAC, server=True)))
    starter.start()
    try:
        wait_for(lambda: os.path.exists(qsock), 30, "testpmd's socket")
        os.chown(qsock, user.pw_uid, user.pw_gid)
        os.chmod(qsock, 0o755)
        os.chown(qdir, user.pw_uid, user.pw_gid)
        text = conf(ctx, [("vm1", ["socket = " + qsock, "mode = client", "mac = " + MAC])])
        vd = Vhostd(ctx, text, name="client-unit", prefix=under_unit(base))
        want = "(%s) failed to connect: Permission denied" % qsock
        wait_for(lambda: want in vd.output(), 10, "vhostd to try " + qsock)
        time.sleep(1)
        state = guest_state(sock, "vm1")
        check(state != "running" and not guest,
              "vm1 connected to a socket root may not write: %s" % state)
        print("  client-sockets, unit alone: vm1 %s, %s" % (state, want))
        vd.stop()
        settings = with_dropin("client-sockets.conf")
        vd = Vhostd(ctx, text, name="client-dropin", prefix=under_unit(settings))
        check_process(vd.pid(), settings)
        wait_for(lambda: guest_state(sock, "vm1") == "running", 15, "vm1 to connect and run")
    finally:
        starter.join()      # testpmd's own timeout bounds it; killed by cleaned()
    check(guest, "testpmd did not start")
    print("  client-sockets.conf: vm1 %s" % guest_state(sock, "vm1"))
    guest[0].quit()
    vd.stop()

if __name__ == "__main__":
    # meson's timeout sends SIGTERM: exit through cleaned()'s cleanup.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    run({name: cleaned(case) for name, case in [
        ("socket-perms", socket_perms), ("caps", caps), ("non-root", non_root),
        ("unit-exposure", unit_exposure), ("least-privilege", least_privilege),
        ("unit-dropins", unit_dropins)]})
