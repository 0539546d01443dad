# SPDX-License-Identifier: BSD-3-Clause
"""Integration test harness: a real vhostd, real guests (DPDK's virtio-user
driver inside dpdk-testpmd), real ethdev vdevs as uplinks.  No mocks.

Each test is a function taking a Ctx; run(tests) runs the ones named on the
command line and exits non-zero when one fails, with the reason.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

VHOSTD = os.environ.get("VHOSTD", "vhostd")
TESTPMD = os.environ.get("TESTPMD", shutil.which("dpdk-testpmd") or "dpdk-testpmd")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise Fail("timed out after %ss waiting for %s" % (timeout, what))


STATS_LINE = re.compile(r"^(guest|uplink) (\S+) (q\d+|total) (.*)$")
GUEST_LINE = re.compile(r"^guest (\S+) state=(\S+) vid=(\S+) ring=(\S+) pairs=(\d+) "
                        r"connects=(\d+) disconnects=(\d+) kicks=(\d+)$")


def parse_stats(block):
    """{'guest': {name: {'q0': {...}, 'total': {...}, 'state': ...}}, 'uplink': {...}}"""
    out = {"guest": {}, "uplink": {}}
    for line in block.splitlines():
        m = GUEST_LINE.match(line)
        if m:
            g = out["guest"].setdefault(m.group(1), {})
            g.update(state=m.group(2), ring=m.group(4), pairs=int(m.group(5)),
                     connects=int(m.group(6)), disconnects=int(m.group(7)),
                     kicks=int(m.group(8)))
            continue
        m = STATS_LINE.match(line)
        if m:
            kv = dict(f.split("=", 1) for f in m.group(4).split())
            out[m.group(1)].setdefault(m.group(2), {})[m.group(3)] = \
                {k: int(v) for k, v in kv.items()}
    return out


class Vhostd:
    def __init__(self, ctx, conf, name="vhostd", expect_ready=True, prefix=(), env=None):
        """prefix: a command to run vhostd under, e.g. setpriv to drop root;
        env: variables to add to the environment (NOTIFY_SOCKET, ...)."""
        self.ctx = ctx
        self.conf = os.path.join(ctx.dir, name + ".conf")
        self.logpath = os.path.join(ctx.dir, name + ".log")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(list(prefix) + [VHOSTD, "-c", self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **env) if env else None)
        ctx.procs.append(self.proc)
        if expect_ready:
            wait_for(lambda: "ready:" in self.output() or self.proc.poll() is not None,
                     30, "vhostd to start")
            check(self.proc.poll() is None,
                  "vhostd exited at start:\n" + self.output()[-3000:])

    def output(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def stats(self):
        n = self.output().count("vhostd stats end")
        self.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: self.output().count("vhostd stats end") > n, 10, "vhostd stats")
        out = self.output()
        start = out.rindex("vhostd stats:")
        return parse_stats(out[start:out.rindex("vhostd stats end")])

    def guest(self, name):
        return self.stats()["guest"][name]

    def pid(self):
        return self.proc.pid

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        """SIGTERM; must exit 0.  Returns the final counters."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Fail("vhostd did not stop within 30 s of SIGTERM")
        check(rc == 0, "vhostd exited with %d on SIGTERM:\n%s" % (rc, self.output()[-3000:]))
        out = self.output()
        start = out.rindex("vhostd stats:")
        return parse_stats(out[start:])


class Testpmd:
    """A guest: dpdk-testpmd driving a virtio-user port (interactive)."""

    def __init__(self, ctx, name, path, queues=1, packed=False, mac=None, server=False,
                 fwd="rxonly", txpkts=64, peer="02:00:00:00:00:99", mrg_rxbuf=True):
        self.ctx = ctx
        self.name = name
        self.logpath = os.path.join(ctx.dir, "testpmd-%s.log" % name)
        vdev = "net_virtio_user0,path=%s,queues=%d,packed_vq=%d,mrg_rxbuf=%d,queue_size=1024" % (
            path, queues, 1 if packed else 0, 1 if mrg_rxbuf else 0)
        if mac:
            vdev += ",mac=" + mac
        if server:
            vdev += ",server=1"
        cmd = ["stdbuf", "-oL", TESTPMD, "--lcores", "0@0,1@0", "--no-huge", "-m", "512", "--no-pci",
               "--file-prefix", "tp-%s-%d" % (name, os.getpid()), "--log-level=4",
               "--vdev", vdev, "--",
               "-i", "--rxq=%d" % queues, "--txq=%d" % queues, "--nb-cores=1",
               "--total-num-mbufs=16384", "--forward-mode=" + fwd,
               "--txpkts=%d" % txpkts, "--eth-peer=0," + peer]
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.log,
                                     stderr=subprocess.STDOUT, text=True)
        ctx.procs.append(self.proc)
        self.prompts = 0
        self._wait_prompt(60 if server else 30)

    def output(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def _wait_prompt(self, timeout):
        want = self.prompts + 1
        wait_for(lambda: self.output().count("testpmd> ") >= want or
                 self.proc.poll() is not None, timeout, "testpmd %s prompt" % self.name)
        check(self.proc.poll() is None,
              "testpmd %s exited:\n%s" % (self.name, self.output()[-3000:]))
        self.prompts = self.output().count("testpmd> ")

    def cmd(self, line, timeout=20):
        before = len(self.output())
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        self._wait_prompt(timeout)
        return self.output()[before:]

    def port_stats(self):
        out = self.cmd("show port stats 0")
        rx = re.search(r"RX-packets:\s+(\d+)", out)
        tx = re.search(r"TX-packets:\s+(\d+)", out)
        check(rx and tx, "cannot parse testpmd port stats:\n" + out)
        return int(rx.group(1)), int(tx.group(1))

    def stop_fwd(self):
        """Stop forwarding; returns ({queue: (rx, tx)}, (rx_total, tx_total))."""
        out = self.cmd("stop")
        per_q = {}
        for m in re.finditer(r"RX Port= 0/Queue=\s*(\d+) -> TX Port= 0/Queue=\s*\d+ -+\s*\n"
                             r"\s*RX-packets:\s+(\d+)\s+TX-packets:\s+(\d+)", out):
            per_q[int(m.group(1))] = (int(m.group(2)), int(m.group(3)))
        tot = re.search(r"Forward statistics for port 0\s+-+\s*\n\s*RX-packets:\s+(\d+).*\n"
                        r"\s*TX-packets:\s+(\d+)", out)
        check(tot, "cannot parse testpmd forward stats:\n" + out)
        total = (int(tot.group(1)), int(tot.group(2)))
        if not per_q:
            per_q[0] = total
        return per_q, total

    def run_fwd(self, mode, seconds):
        self.cmd("stop")        # testpmd refuses "set fwd" while forwarding
        self.cmd("set fwd " + mode)
        self.cmd("clear port stats 0")
        self.cmd("start")
        time.sleep(seconds)
        return self.stop_fwd()

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        self.proc.kill()
        self.proc.wait()


class Control:
    """One connection to the control socket (docs/control-protocol.md), kept
    open: answers come at once (unlike SIGUSR1 stats) and its fd is counted
    once."""

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

    def close(self):
        self.f.close()
        self.s.close()


class Ctx:
    """One test's temporary directory, processes and network namespaces
    (tests/e2e's Ctx adds its own)."""

    DIR_PREFIX = "vhostd-it-"

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="%s%s-" % (self.DIR_PREFIX, name))
        self.procs = []
        self.netns = []

    def sock(self, name):
        return os.path.join(self.dir, name + ".sock")

    def netns_name(self, name):
        return "vhd-%s-%d" % (name, os.getpid())

    def add_netns(self, name):
        ns = self.netns_name(name)
        subprocess.run(["ip", "netns", "add", ns], check=True)
        self.netns.append(ns)
        # No IPv6 in the test namespace: the kernel would send router
        # solicitations and MLD reports that make counts inexact.
        for k in ("all", "default"):
            subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                            "net.ipv6.conf.%s.disable_ipv6=1" % k], check=True)
        return ns

    def cleanup(self, keep):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for ns in self.netns:
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def daemon_conf(guests, uplink="net_null0", uplink_queues=1, cores="1", extra="", ctx=None):
    """A vhostd config: guests is a list of dicts with name, socket, and
    optional mode, mac, queues, features, mac_check, notify.  The control socket
    and state directory go in the test's directory (ctx, or the one of the
    first guest's socket)."""
    where = ctx.dir if ctx is not None else (
        os.path.dirname(guests[0]["socket"]) if guests else tempfile.mkdtemp(prefix="vhostd-it-"))
    lines = ["[daemon]", "cores = %s" % cores, "hugepages = no", "memory = 256",
             "log-level = info", "control-socket = %s/control.sock" % where,
             "state-dir = %s/state" % where, extra, "",
             "[uplink up0]", "device = %s" % uplink, "queues = %d" % uplink_queues, ""]
    for g in guests:
        lines += ["[guest %s]" % g["name"], "socket = %s" % g["socket"], "uplink = up0",
                  "mode = %s" % g.get("mode", "server"), "queues = %d" % g.get("queues", 1)]
        if g.get("mac"):
            lines.append("mac = %s" % g["mac"])
        if "mac_check" in g:
            lines.append("mac-check = %s" % ("yes" if g["mac_check"] else "no"))
        if g.get("features"):
            lines.append("features = %s" % g["features"])
        if g.get("notify"):
            lines.append("notify = %s" % g["notify"])
        lines.append("")
    return "\n".join(lines)


def run(tests, ctx_class=None, skip=(), announce=False):
    """Run the tests named in argv (all when none); print one line per test.
    ctx_class: the Ctx each test gets (Ctx).  skip: exception class(es) that
    mean the test cannot run on this host; when every test named raised
    one, the exit status is 77 (meson's skipped).  announce: print "== NAME"
    before each test (long ones that log as they go)."""
    names = sys.argv[1:] or list(tests)
    failed = skipped = 0
    for name in names:
        ctx = (ctx_class or Ctx)(name)
        t0 = time.monotonic()
        ok = False
        if announce:
            print("== %s" % name, flush=True)
        try:
            tests[name](ctx)
            ok = True
            print("PASS %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
        except skip as e:
            ok = True
            skipped += 1
            print("SKIP %s: %s" % (name, e), flush=True)
        except Fail as e:
            print("FAIL %s (%.1fs): %s\n  logs kept in %s" %
                  (name, time.monotonic() - t0, e, ctx.dir), flush=True)
        except Exception:
            print("FAIL %s: unexpected error\n%s  logs kept in %s" %
                  (name, traceback.format_exc(), ctx.dir), flush=True)
        finally:
            ctx.cleanup(keep=not ok)
        failed += not ok
    sys.exit(1 if failed else 77 if skipped and skipped == len(names) else 0)
