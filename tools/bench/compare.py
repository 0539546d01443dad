#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Side-by-side throughput of vhostd, dpdk-testpmd's vhost PMD (io
forwarding) and OVS-DPDK, with vhost-bench (DPDK virtio-user) as the guest.
Run through tools/bench/compare.sh, which prepares the host first.

Every measurement starts its backend and its guest afresh, warms up, then
counts over a fixed window.  Repetitions are interleaved (for each
repetition, every scenario, every system: A B C A B C ...) so that slow
changes in the machine's load hit all systems alike; the summary takes
medians.  Per run it records:

  mpps         the guest's own count over the window (TX for guest->uplink,
               RX for uplink->guest), wall-clock
  mpps_cpu     the same packets per second of CPU time the backend's
               forwarding thread actually got (/proc/PID/task/TID/schedstat):
               per-core throughput, unaffected by time the thread spent
               preempted on a shared machine
  cyc_self     cycles per packet as the backend reports it (vhostd's worker
               line on SIGUSR1, testpmd --record-core-cycles, OVS
               pmd-stats-show): busy TSC cycles / packets received
  cyc_cpu      on-CPU time of the forwarding thread in TSC cycles / packets
               the backend received (includes idle polls)
  cpu_frac     share of the window the forwarding thread was on its CPU
  wait_frac    share of the window it was runnable but not running

Search scenarios (only when named with --scenarios; tools/bench/scenarios.py
says what each does): ndr- (loopback through a net_ring uplink), v2v- (two
guests switched by the backend), lat- (latency at 10/50/90 % of the NDR)
and 2w4g- (four guests, two forwarding cores) run vhost-bench's NDR search
(or PDR with --pdr) instead of a fixed window: mpps is the rate found, the
search's JSON (every trial; for vhostd, where the frames were lost by its
drop counters) is kept in RESULTS/ndr/, and each scenario gets
RESULTS/SCENARIO.json and RESULTS/SCENARIO.png.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from summary import (FIELDS, METRICS, SEARCH_METRICS, fmt, is_quiet, load_runs, log, ratio,
                     write_outputs)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The integration harness's Fail and wait_for (profile.py and scenarios.py
# use them as compare.Fail, compare.wait_for).
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from harness import Fail, wait_for  # noqa: E402,F401
import scenarios as search  # noqa: E402  (the search scenarios: NDR, v2v, lat, 2w4g)
OVS_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


# DPDK file prefixes: this campaign's own, so that another one (or
# tools/bench/profile.py) running at the same time does not collide.
PREFIX = "vb%d" % os.getpid()
DPDK_RUNDIR = "/var/run/dpdk"


def remove_runtime_dirs():
    """EAL leaves PREFIX-* runtime directories behind; they are ours."""
    if os.path.isdir(DPDK_RUNDIR):
        for d in os.listdir(DPDK_RUNDIR):
            if d.startswith(PREFIX + "-"):
                shutil.rmtree(os.path.join(DPDK_RUNDIR, d), ignore_errors=True)


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# ---- scenarios -----------------------------------------------------------

# Directions measured by vhost-bench's NDR search rather than a fixed
# window (tools/bench/scenarios.py): ndr (loopback through a net_ring
# uplink), v2v (guest to guest), lat (loopback NDR, then latency at shares
# of it), 2w4g (loopback NDR of four guests on two forwarding cores).
SEARCHES = ("ndr", "v2v", "lat", "2w4g")


class Scenario:
    def __init__(self, direction, ring, pktlen, guests=1, workers=1):
        self.direction = direction      # g2u: guest -> uplink; u2g: uplink -> guest; SEARCHES
        self.ring = ring
        self.pktlen = pktlen
        self.guests = guests
        self.workers = workers
        self.name = "%s%s-%s-%d" % ("2g-" if guests > 1 and direction == "g2u" else "",
                                    direction, ring, pktlen)

    def uplink_devargs(self, index=0):
        # net_ring: what is sent on it comes back (the NDR loopback).
        if self.direction in ("ndr", "lat", "2w4g"):
            return "net_ring%d" % index
        # VM-to-VM: nothing should reach the uplink; a sink if it does.
        if self.direction == "v2v":
            return "net_null%d,no-rx=1" % index
        # net_null: no-rx=1 is a sink; otherwise an endless source of
        # pktlen-byte frames, as fast as it is polled.
        if self.direction == "g2u":
            return "net_null%d,no-rx=1" % index
        return "net_null%d,size=%d" % (index, self.pktlen)

    def search(self):
        return self.direction in SEARCHES

    def mode(self):
        return "txonly" if self.direction == "g2u" else "rxonly"


def all_scenarios():
    out = []
    for direction in ("g2u", "u2g"):
        for ring in ("split", "packed"):
            for pktlen in (64, 1518):
                out.append(Scenario(direction, ring, pktlen))
    # Two guests sending to one uplink.  (Not uplink -> two guests: net_null's
    # frames carry no guest's MAC, so a switch would rightly drop them.)
    out.append(Scenario("g2u", "split", 64, guests=2))
    return out


def ndr_scenarios():
    """Not part of "all": a search takes many trials."""
    out = [Scenario("ndr", ring, pktlen) for ring in ("split", "packed") for pktlen in (64, 1518)]
    out += [Scenario("v2v", ring, pktlen, guests=2) for ring in ("split", "packed")
            for pktlen in (64, 1518)]
    out += [Scenario("lat", ring, 64) for ring in ("split", "packed")]
    out += [Scenario("2w4g", ring, 64, guests=4, workers=2) for ring in ("split", "packed")]
    return out


def backend_cpus(args, sc):
    """The CPUs the backend forwards on: one, or the guest's CPU too."""
    return [args.backend_cpu] if sc.workers == 1 else sorted({args.guest_cpu, args.backend_cpu})


def mac_of(i):
    return "52:54:00:00:00:%02x" % (i + 1)


# ---- threads' CPU time ----------------------------------------------------

def find_thread(pid, pattern):
    """tid of the first thread of pid whose name matches pattern."""
    try:
        for tid in sorted(os.listdir("/proc/%d/task" % pid), key=int):
            if re.match(pattern, read_text("/proc/%d/task/%s/comm" % (pid, tid)).strip()):
                return int(tid)
    except OSError:
        pass
    return None


def schedstat(pid, tid):
    """(ns on CPU, ns runnable but waiting) of one thread."""
    f = read_text("/proc/%d/task/%d/schedstat" % (pid, tid)).split()
    if len(f) < 2:
        raise Fail("no schedstat for thread %d of %d" % (tid, pid))
    return int(f[0]), int(f[1])


# ---- processes --------------------------------------------------------------

class Proc:
    """A child with stdout+stderr in a log file and optionally stdin piped."""

    def __init__(self, cmd, logpath, stdin=False, env=None, stdout_pipe=False):
        self.logpath = logpath
        self.log = open(logpath, "w")
        self.log.write("$ %s\n" % " ".join(cmd))
        self.log.flush()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE if stdout_pipe else self.log,
                                     stderr=self.log, text=True, env=env)
        self.lines = queue.Queue()
        if stdout_pipe:
            threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def output(self):
        return read_text(self.logpath)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


# ---- backends ---------------------------------------------------------------

class Vhostd:
    name = "vhostd"
    thread = r"rte-worker-"

    def __init__(self, args, rundir, daemon_extra=()):
        self.args = args
        self.dir = rundir
        self.daemon_extra = ["%s = %s" % tuple(kv.split("=", 1)) for kv in daemon_extra]

    def start(self, sc):
        socks = [os.path.join(self.dir, "vm%d.sock" % i) for i in range(sc.guests)]
        wrap = getattr(self.args, "wrapper", [])
        lines = ["[daemon]", "cores = %s" % ",".join(map(str, backend_cpus(self.args, sc))),
                 "hugepages = %s" % ("no" if wrap else "yes"),
                 "memory = 256", "log-level = info", "file-prefix = %s-vhostd" % PREFIX,
                 "control-socket = %s" % os.path.join(self.dir, "vhostd-control.sock"),
                 "state-dir = %s" % os.path.join(self.dir, "vhostd-state")]
        lines += (getattr(self.args, "vhostd_daemon", None) or []) + self.daemon_extra
        # net_ring returns TX queue i on RX queue i, and each worker sends
        # on its own TX queue: poll as many RX queues as there are workers.
        # (A NIC's TX queues all reach the wire; a ring's do not.)
        nq = sc.workers if sc.uplink_devargs().startswith("net_ring") else 1
        lines += ["",
                 "[uplink up0]", "device = %s" % sc.uplink_devargs(), "queues = %d" % nq, ""]
        for i, s in enumerate(socks):
            lines += ["[guest vm%d]" % i, "socket = %s" % s, "uplink = up0",
                      "mac = %s" % mac_of(i), "queues = 1", ""]
        conf = os.path.join(self.dir, "vhostd.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines))
        self.p = Proc(wrap + [self.args.vhostd, "-c", conf], os.path.join(self.dir, "vhostd.log"))
        wait_for(lambda: "ready:" in self.p.output() or not self.p.alive(),
                 300 if wrap else 30, "vhostd")
        if not self.p.alive():
            raise Fail("vhostd exited at start:\n" + self.p.output()[-2000:])
        return socks

    def pid(self):
        return self.p.proc.pid

    def ctl_socket(self):
        return os.path.join(self.dir, "vhostd-control.sock")

    def _counters(self):
        n = self.p.output().count("vhostd stats end")
        self.p.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: self.p.output().count("vhostd stats end") > n, 60, "vhostd stats")
        out = self.p.output()
        block = out[out.rindex("vhostd stats:"):]
        m = re.search(r"^worker 0 .*busy_cycles=(\d+) idle_cycles=(\d+) pkts=(\d+)", block, re.M)
        if not m:
            raise Fail("no worker line with cycles in vhostd's stats (rebuild vhostd?)")
        return int(m.group(1)), int(m.group(3))

    def window_begin(self):
        self.c0 = self._counters()

    def window_end(self):
        c1 = self._counters()
        cycles, pkts = c1[0] - self.c0[0], c1[1] - self.c0[1]
        return dict(be_pkts=pkts, cyc_self=cycles / pkts if pkts else 0.0)

    def stop(self):
        rc = self.p.stop()
        if rc != 0:
            raise Fail("vhostd exited with %s" % rc)


class Testpmd:
    name = "testpmd"
    thread = r"rte-worker-"

    def __init__(self, args, rundir):
        self.args = args
        self.dir = rundir

    def start(self, sc):
        socks = [os.path.join(self.dir, "vhost%d.sock" % i) for i in range(sc.guests)]
        wrap = getattr(self.args, "wrapper", [])
        cmd = ["stdbuf", "-oL"] + wrap + [self.args.testpmd]
        # Forwarding lcores 1.. on the backend's CPUs; the main one sleeps.
        cmd += ["--lcores", ",".join(["0@%d" % self.args.guest_cpu] + [
                    "%d@%d" % (i + 1, c) for i, c in enumerate(backend_cpus(self.args, sc))]),
                "--file-prefix", PREFIX + "-testpmd", "-m", "256", "--no-pci", "--no-telemetry",
                "--log-level=5"] + (["--no-huge"] if wrap else [])
        # vhost, null, vhost, null...: io forwarding pairs ports (0,1), (2,3).
        # VM-to-VM: vhost, vhost: the two guests' ports are the pair.
        for i, s in enumerate(socks):
            cmd += ["--vdev", "net_vhost%d,iface=%s,queues=1" % (i, s)]
            if sc.direction != "v2v":
                cmd += ["--vdev", sc.uplink_devargs(i)]
        cmd += ["--", "-i", "--nb-cores=%d" % sc.workers, "--forward-mode=io",
                "--record-core-cycles",
                "--total-num-mbufs=16384", "--rxq=1", "--txq=1"]
        self.p = Proc(cmd, os.path.join(self.dir, "testpmd.log"), stdin=True)
        self.prompts = 0
        self._prompt(300 if wrap else 60)
        self.cmd("start")
        wait_for(lambda: all(os.path.exists(s) for s in socks), 10, "testpmd's sockets")
        return socks

    def _prompt(self, timeout):
        want = self.prompts + 1
        wait_for(lambda: self.p.output().count("testpmd> ") >= want or not self.p.alive(),
                 timeout, "testpmd prompt")
        if not self.p.alive():
            raise Fail("testpmd exited:\n" + self.p.output()[-2000:])
        self.prompts = self.p.output().count("testpmd> ")

    def cmd(self, line, timeout=60):
        before = len(self.p.output())
        self.p.send(line)
        self._prompt(timeout)
        return self.p.output()[before:]

    def pid(self):
        # stdbuf execs testpmd: same pid.
        return self.p.proc.pid

    def window_begin(self):
        self.cmd("clear fwd stats all")

    def window_end(self):
        out = self.cmd("show fwd stats all")
        m = re.search(r"CPU cycles/packet=([\d.]+) \(total cycles=(\d+) / total \w+ "
                      r"packets=(\d+)\)", out)
        if not m:
            raise Fail("no CPU cycles/packet in testpmd's output:\n" + out[-1500:])
        return dict(be_pkts=int(m.group(3)), cyc_self=float(m.group(1)))

    def stop(self):
        try:
            self.cmd("stop")
            self.p.send("quit")
            self.p.proc.wait(20)
        except (Fail, subprocess.TimeoutExpired, BrokenPipeError, OSError):
            pass
        self.p.stop()


class Ovs:
    name = "ovs"
    thread = r"pmd"

    def __init__(self, args, rundir):
        self.args = args
        self.dir = os.path.join(rundir, "ovs")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir,
                        OVS_DBDIR=self.dir, OVS_SYSCONFDIR=self.dir)
        self.db = "unix:%s/db.sock" % self.dir
        self.ctl = os.path.join(self.dir, "ovs-vswitchd.ctl")

    def run(self, *cmd):
        r = subprocess.run(list(cmd), capture_output=True, text=True, env=self.env, timeout=60)
        if r.returncode != 0:
            raise Fail("%s: %s" % (" ".join(cmd), r.stderr.strip()))
        return r.stdout

    def vsctl(self, *a):
        return self.run("ovs-vsctl", "--db=" + self.db, "--timeout=30", *a)

    def start(self, sc):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.run("ovsdb-tool", "create", os.path.join(self.dir, "conf.db"), OVS_SCHEMA)
        self.run("ovsdb-server", os.path.join(self.dir, "conf.db"),
                 "--remote=punix:%s/db.sock" % self.dir,
                 "--pidfile=%s/ovsdb-server.pid" % self.dir, "--detach",
                 "--log-file=%s/ovsdb-server.log" % self.dir,
                 "--unixctl=%s/ovsdb-server.ctl" % self.dir)
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   "other_config:dpdk-socket-mem=1024", "other_config:dpdk-socket-limit=1024",
                   "other_config:dpdk-lcore-mask=0x%x" % (1 << self.args.guest_cpu),
                   "other_config:pmd-cpu-mask=0x%x" % sum(1 << c for c in
                                                          backend_cpus(self.args, sc)),
                   "other_config:dpdk-extra=--file-prefix=%s-ovs --no-pci --no-telemetry" % PREFIX)
        # No --mlockall (Debian's service adds it): it would pin all of
        # ovs-vswitchd's memory on a shared test machine.
        self.run(OVS_VSWITCHD, self.db, "--pidfile=%s/ovs-vswitchd.pid" % self.dir, "--detach",
                 "--log-file=%s/ovs-vswitchd.log" % self.dir, "--unixctl=" + self.ctl)
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev")
        socks = []
        if sc.direction != "v2v":
            # net_ring: TX queue i comes back on RX queue i, and OVS sends on
            # one TX queue per PMD thread plus one for the main thread (the
            # PMD's is not 0): poll as many RX queues as that.
            nrxq = ["options:n_rxq=%d" % (sc.workers + 1)] if sc.uplink_devargs().startswith(
                "net_ring") else []
            self.vsctl("add-port", "br0", "up0", "--", "set", "Interface", "up0", "type=dpdk",
                       "options:dpdk-devargs=%s" % sc.uplink_devargs(), *nrxq)
        flows = []
        for i in range(sc.guests):
            self.vsctl("add-port", "br0", "vh%d" % i, "--", "set", "Interface", "vh%d" % i,
                       "type=dpdkvhostuser")
            socks.append(os.path.join(self.dir, "vh%d" % i))
            if sc.direction == "v2v":   # guest i -> the next guest, port to port
                flows.append("in_port=vh%d,actions=output:vh%d" % (i, (i + 1) % sc.guests))
            else:
                flows.append("in_port=vh%d,actions=output:up0" % i)
            if sc.direction == "2w4g":  # back from the loopback uplink: by MAC
                flows.append("in_port=up0,dl_dst=%s,actions=output:vh%d" % (mac_of(i), i))
        # Uplink -> the (first) guest: port to port, as in the field notes.
        if sc.direction not in ("v2v", "2w4g"):
            flows.append("in_port=up0,actions=output:vh0")
        mgmt = "unix:%s/br0.mgmt" % self.dir
        self.run("ovs-ofctl", "del-flows", mgmt)
        for fl in flows:
            self.run("ovs-ofctl", "add-flow", mgmt, fl)
        wait_for(lambda: all(os.path.exists(s) for s in socks), 20, "OVS vhost sockets")
        self._pid = int(read_text(os.path.join(self.dir, "ovs-vswitchd.pid")).strip())
        return socks

    def pid(self):
        return self._pid

    def appctl(self, *a):
        return self.run("ovs-appctl", "-t", self.ctl, *a)

    def window_begin(self):
        self.appctl("dpif-netdev/pmd-stats-clear")

    def window_end(self):
        out = self.appctl("dpif-netdev/pmd-stats-show")
        pmd = out.split("main thread:")[0]
        rx = re.search(r"packets received: (\d+)", pmd)
        cyc = re.search(r"processing cycles: (\d+)", pmd)
        if not rx or not cyc:
            raise Fail("cannot parse pmd-stats-show:\n" + out)
        pkts = int(rx.group(1))
        return dict(be_pkts=pkts, cyc_self=int(cyc.group(1)) / pkts if pkts else 0.0)

    def stop(self):
        for what, ctl in (("ovs-vswitchd", self.ctl),
                          ("ovsdb-server", os.path.join(self.dir, "ovsdb-server.ctl"))):
            pidfile = os.path.join(self.dir, what + ".pid")
            pid = read_text(pidfile).strip()
            subprocess.run(["ovs-appctl", "-t", ctl, "exit"], capture_output=True,
                           env=self.env, timeout=30)
            if pid:
                try:
                    wait_for(lambda: not os.path.exists("/proc/" + pid), 15, what + " to exit")
                except Fail:
                    os.kill(int(pid), signal.SIGKILL)


SYSTEMS = {"vhostd": Vhostd, "testpmd": Testpmd, "ovs": Ovs}


def backend(args, system, rundir):
    """The backend a --systems name stands for.  "vhostd+KEY=VALUE[+...]"
    is vhostd with those [daemon] keys: a setting measured against the
    defaults side by side, in one run."""
    base, *keys = system.split("+")
    return SYSTEMS[base](args, rundir, keys) if keys else SYSTEMS[base](args, rundir)


# ---- the guest ----------------------------------------------------------------

class Guest:
    def __init__(self, args, rundir, sc, socks, extra=()):
        cmd = [args.vhost_bench, "-c", str(args.guest_cpu), "--main-cpu", str(args.guest_cpu),
               "-m", "256", "--file-prefix", PREFIX + "-guest", "--json", "--link-timeout", "30",
               "-f", "-"] + list(extra)
        if sc.ring == "packed":
            cmd.append("--packed")
        if getattr(args, "guest_queue_size", None):
            cmd += ["--queue-size", str(args.guest_queue_size)]
        for i, s in enumerate(socks):
            cmd += ["-s", s, "--mac", mac_of(i)]
        self.p = Proc(cmd, os.path.join(rundir, "vhost-bench.log"), stdin=True, stdout_pipe=True)
        wait_for(lambda: "guest(s) up" in self.p.output() or not self.p.alive(), 40,
                 "vhost-bench to connect")
        if not self.p.alive():
            raise Fail("vhost-bench exited:\n" + self.p.output()[-2000:])

    def pid(self):
        return self.p.proc.pid

    def report(self, timeout=20):
        self.p.send("show stats")
        return self.wait_for_type("stats", timeout)

    def wait_for_type(self, kind, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.p.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            obj = json.loads(line)
            if obj.get("type") == kind:
                return obj
        raise Fail("no %s report from vhost-bench:\n%s" % (kind, self.p.output()[-2000:]))

    def quit(self):
        try:
            self.p.send("stop")
            self.p.send("quit")
            self.p.proc.wait(20)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            pass
        self.p.stop()


# ---- machine load ------------------------------------------------------------------

def cpu_times(cpus):
    """{cpu: (idle, total)} jiffies from /proc/stat."""
    out = {}
    for line in read_text("/proc/stat").splitlines():
        f = line.split()
        if f and f[0].startswith("cpu") and f[0][3:].isdigit() and int(f[0][3:]) in cpus:
            v = [int(x) for x in f[1:]]
            out[int(f[0][3:])] = (v[3] + v[4], sum(v[:8]))
    return out


def idle_fraction(cpus, seconds=1.0):
    """Lowest idle share among cpus over the next `seconds`."""
    a = cpu_times(cpus)
    time.sleep(seconds)
    b = cpu_times(cpus)
    return min((b[c][0] - a[c][0]) / max(1, b[c][1] - a[c][1]) for c in cpus)


def wait_idle(args):
    """Wait (at most args.wait_idle s) for the measured CPUs to be idle:
    other tenants' pollers would take turns with ours."""
    cpus = {args.backend_cpu, args.guest_cpu}
    end = time.monotonic() + args.wait_idle
    idle = idle_fraction(cpus)
    while idle < 0.9 and time.monotonic() < end:
        idle = idle_fraction(cpus)
    return idle


# ---- one measurement ------------------------------------------------------------

def measure(args, system, sc, rundir):
    os.makedirs(rundir, exist_ok=True)
    idle = wait_idle(args)
    be = backend(args, system, rundir)
    guest = None
    try:
        socks = be.start(sc)
        if sc.search():
            return search.measure(args, system, sc, rundir, be, socks, idle, Guest)
        guest = Guest(args, rundir, sc, socks)
        be_tid = wait_for(lambda: find_thread(be.pid(), be.thread), 10, "backend thread")
        g_tid = wait_for(lambda: find_thread(guest.pid(), r"rte-worker-"), 10, "guest thread")
        if sc.direction == "g2u":
            guest.p.send("set pktlen %d" % sc.pktlen)
        guest.p.send("start " + sc.mode())
        time.sleep(args.warmup)

        guest.p.send("clear stats")
        be.window_begin()
        s0, g0, t0 = schedstat(be.pid(), be_tid), schedstat(guest.pid(), g_tid), time.monotonic()
        load = os.getloadavg()[0]
        time.sleep(args.duration)
        st = guest.report()
        s1, g1, t1 = schedstat(be.pid(), be_tid), schedstat(guest.pid(), g_tid), time.monotonic()
        bes = be.window_end()
    finally:
        if guest is not None:
            guest.quit()
        be.stop()

    tot = st["total"]
    hz = st["tsc_hz"]
    window_ns = (t1 - t0) * 1e9
    run_ns, wait_ns = s1[0] - s0[0], s1[1] - s0[1]
    pkts = tot["tx_pkts"] if sc.direction == "g2u" else tot["rx_pkts"]
    mpps = tot["tx_mpps"] if sc.direction == "g2u" else tot["rx_mpps"]
    r = dict(system=system, scenario=sc.name, mpps=mpps, pkts=pkts,
             mpps_cpu=pkts / (run_ns / 1e9) / 1e6 if run_ns else 0.0,
             cyc_self=bes["cyc_self"],
             cyc_cpu=run_ns * hz / 1e9 / bes["be_pkts"] if bes["be_pkts"] else 0.0,
             be_pkts=bes["be_pkts"],
             cpu_frac=run_ns / window_ns, wait_frac=wait_ns / window_ns,
             guest_cpu_frac=(g1[0] - g0[0]) / window_ns,
             tx_full_pct=tot["tx_full_pct"], rx_empty_pct=tot["rx_empty_pct"],
             loadavg=load, idle_before=idle, elapsed_s=st["elapsed_s"])
    r["quiet"] = is_quiet(r)
    if pkts == 0:
        raise Fail("no packets counted")
    return r


def environment(args):
    def sh(cmd):
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
        return r.stdout.strip()
    return dict(
        date=datetime.datetime.now().isoformat(timespec="seconds"),
        host=platform.node(), kernel=platform.release(),
        cpu=sh("lscpu | sed -n 's/^Model name: *//p'"),
        cpus=os.cpu_count(),
        lscpu=sh("lscpu | grep -E '^(Architecture|CPU\\(s\\)|Model name|Thread|Core|Socket|"
                 "Hypervisor|L1d|L2|L3|NUMA node\\(s\\)|Flags)' | sed 's/^Flags:.*/Flags: (omitted)/'"),
        dpdk=sh("pkg-config --modversion libdpdk"),
        ovs=sh(OVS_VSWITCHD + " --version 2>/dev/null | head -1") if os.path.exists(OVS_VSWITCHD)
        else None,
        vhostd_git=sh("cd %s && git describe --always --dirty 2>/dev/null" % TOP),
        hugepages=sh("grep -E 'HugePages_(Total|Free)' /proc/meminfo | tr -s ' ' | tr '\\n' ' '"),
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5, help="repetitions per scenario and system")
    ap.add_argument("--duration", type=float, default=5.0, help="measurement window, seconds")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds before the window")
    ap.add_argument("--systems", default="vhostd,testpmd,ovs",
                    help="comma-separated subset of vhostd,testpmd,ovs; vhostd+KEY=VALUE "
                    "(+KEY=VALUE...) is vhostd with those [daemon] keys")
    ap.add_argument("--scenarios", default="all",
                    help="comma-separated scenario names (see --list), or all")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--results", default=None,
                    help="results directory (default /tmp/vhost-bench-results/DATE)")
    ap.add_argument("--build", default=os.path.join(TOP, "build"), help="meson build directory")
    ap.add_argument("--backend-cpu", type=int, default=1)
    ap.add_argument("--guest-cpu", type=int, default=0)
    ap.add_argument("--vhostd-daemon", action="append", metavar="'KEY = VALUE'",
                    help="extra [daemon] line for vhostd's config (repeatable)")
    ap.add_argument("--wait-idle", type=float, default=30.0,
                    help="before each run, wait up to this long for the two CPUs to be idle")
    ap.add_argument("--ndr-trial", type=float, default=1.0, help="NDR scenarios: seconds per trial")
    ap.add_argument("--ndr-resolution", type=float, default=0.05,
                    help="NDR scenarios: Mpps the search stops within")
    ap.add_argument("--ndr-max", type=float, default=0.0,
                    help="NDR scenarios: upper bound in Mpps (0: the generator's top rate)")
    ap.add_argument("--lat-duration", type=float, default=2.0,
                    help="lat scenarios: seconds counted at each share of the NDR")
    ap.add_argument("--pdr", type=float, default=0.0, metavar="LOSS%",
                    help="NDR scenarios: search a PDR at this loss (percent) instead")
    ap.add_argument("--summarize", metavar="DIR",
                    help="only recompute the summary, table and plot of an earlier run")
    args = ap.parse_args()

    scenarios = all_scenarios()
    if args.summarize:
        with open(os.path.join(args.summarize, "meta.json")) as f:
            meta = json.load(f)
        by_name = {sc.name: sc for sc in scenarios + ndr_scenarios()}
        write_outputs(os.path.abspath(args.summarize), load_runs(args.summarize),
                      [by_name[n] for n in meta["scenarios"]], meta["systems"], meta,
                      more=search.write_outputs)
        return 0
    if args.list:
        for sc in scenarios + ndr_scenarios():
            print(sc.name)
        return 0
    if args.scenarios != "all":
        want = args.scenarios.split(",")
        known = scenarios + ndr_scenarios()
        unknown = set(want) - {sc.name for sc in known}
        if unknown:
            ap.error("unknown scenario(s): %s (see --list)" % ", ".join(sorted(unknown)))
        scenarios = [sc for sc in known if sc.name in want]
    systems = [s for s in args.systems.split(",") if s]
    for s in systems:
        base, *keys = s.split("+")
        if base not in SYSTEMS or (keys and base != "vhostd") or \
                not all("=" in k for k in keys):
            ap.error("unknown system %s (vhostd, testpmd, ovs, vhostd+KEY=VALUE)" % s)
    if "ovs" in systems and not os.path.exists(OVS_VSWITCHD):
        log("compare: %s is not installed (compare.sh --install-ovs): OVS skipped" % OVS_VSWITCHD)
        systems.remove("ovs")

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    resdir = os.path.abspath(args.results or os.path.join("/tmp/vhost-bench-results", stamp))
    os.makedirs(resdir, exist_ok=True)
    args.results_dir = resdir
    # Snapshot the binaries: a rebuild in the shared tree during the run
    # must not change what is measured.
    bindir = os.path.join(resdir, "bin")
    os.makedirs(bindir, exist_ok=True)
    for name, path in (("vhostd", os.path.join(args.build, "src", "vhostd")),
                       ("vhost-bench", os.path.join(args.build, "tools", "vhost-bench",
                                                    "vhost-bench"))):
        if not os.path.exists(path):
            log("compare: %s not found (build first: ninja -C %s)" % (path, args.build))
            return 1
        shutil.copy2(path, os.path.join(bindir, name))
    args.vhostd = os.path.join(bindir, "vhostd")
    args.vhost_bench = os.path.join(bindir, "vhost-bench")
    args.testpmd = shutil.which("dpdk-testpmd") or "dpdk-testpmd"

    env = environment(args)
    meta = dict(reps=args.reps, duration=args.duration, warmup=args.warmup,
                backend_cpu=args.backend_cpu, guest_cpu=args.guest_cpu,
                systems=systems, scenarios=[sc.name for sc in scenarios], env=env)
    with open(os.path.join(resdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    total = args.reps * len(scenarios) * len(systems)
    log("compare: %d runs (%d reps x %d scenarios x %s) into %s" %
        (total, args.reps, len(scenarios), "/".join(systems), resdir))

    runs = []
    csvf = open(os.path.join(resdir, "runs.csv"), "w", newline="")
    w = csv.DictWriter(csvf, fieldnames=FIELDS, extrasaction="ignore")
    w.writeheader()
    done = 0
    stopping = []
    signal.signal(signal.SIGINT, lambda *a: stopping.append(1))
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
    for rep in range(args.reps):
        for sc in scenarios:
            # Rotate the order each repetition: no system always runs first.
            order = systems[rep % len(systems):] + systems[:rep % len(systems)]
            for sy in order:
                if stopping:
                    break
                done += 1
                # No "=" or "," in socket paths: virtio-user's devargs.
                rundir = os.path.join(resdir, "runs", "%s-%s-%d" % (
                    sc.name, re.sub(r"[^\w.+-]", "_", sy), rep))
                t0 = time.monotonic()
                try:
                    r = measure(args, sy, sc, rundir)
                    shutil.rmtree(rundir, ignore_errors=True)   # logs kept on failure only
                    log("[%3d/%d] %-20s %-8s %7.3f Mpps  %7s Mpps/CPU  %6s cyc/pkt  "
                        "on-CPU %s  (%.0f s)" % (done, total, sc.name, sy, r["mpps"],
                                                fmt(r["mpps_cpu"]), fmt(r["cyc_self"], "%.0f"),
                                                fmt(r["cpu_frac"], "%.2f"),
                                                time.monotonic() - t0))
                except Exception as e:     # one bad run must not end the campaign
                    r = dict(system=sy, scenario=sc.name, error=str(e).splitlines()[0][:200])
                    log("[%3d/%d] %-20s %-8s FAILED: %s (logs in %s)" %
                        (done, total, sc.name, sy, r["error"], rundir))
                r["rep"] = rep
                runs.append(r)
                w.writerow(r)
                csvf.flush()
    csvf.close()
    remove_runtime_dirs()

    write_outputs(resdir, runs, scenarios, systems, meta, more=search.write_outputs)
    return 130 if stopping else 0


if __name__ == "__main__":
    sys.exit(main())
