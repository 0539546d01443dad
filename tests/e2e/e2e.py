#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end harness: a real Linux guest (Debian's kernel, a busybox
initramfs built by mkguest.py) under QEMU with TCG, its virtio-net device on
a vhost-user socket served by the built vhostd, whose uplink is a TAP
interface (net_tap) moved into a network namespace the test creates.  The
peer in that namespace is busybox httpd (downloads) and a python3 HTTP
server that digests uploads.

    guest eth0 --virtio--> QEMU --vhost-user--> vhostd --net_tap--> TAP in NS
    192.0.2.2                                                        192.0.2.1

The guest's /init (mkguest.py) runs shell commands sent over its second
serial port, a unix socket here, and answers with their output and status.

Every wait has a timeout and says what it waited for; every process and
namespace a test starts is stopped at the end, pass or fail.
"""
import base64
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import Fail, Vhostd, check, parse_stats, wait_for  # noqa: E402,F401

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
GUEST_DIR = os.environ.get("E2E_GUEST_DIR",
                           os.path.join(tempfile.gettempdir(), "vhostd-e2e-guest"))
# Guest RAM: "memfd" (memory-backend-memfd) or "hugepages" (memory-backend-file
# on HUGE_DIR, 2 MiB pages); both shared with vhostd (share=on).
MEMORY = os.environ.get("E2E_MEMORY", "memfd")
HUGE_DIR = os.environ.get("E2E_HUGE_DIR", "/dev/hugepages")
BOOT_TIMEOUT = 150      # TCG on a shared 2-CPU machine: normally 10 to 30 s

PEER_IP = "192.0.2.1"
GUEST_IP = "192.0.2.2"
PREFIX = 24
HTTP_PORT = 8080        # busybox httpd: downloads
UPLOAD_PORT = 8081      # python3: digests POST bodies
BLOB = 8 << 20          # bytes each way

UPLOAD_SERVER = r"""
import hashlib, http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        h, got = hashlib.sha256(), 0
        while got < n:
            b = self.rfile.read(min(1 << 16, n - got))
            if not b:
                break
            h.update(b)
            got += len(b)
        body = ("%s %d\n" % (h.hexdigest(), got)).encode()
        with open(sys.argv[2], "a") as f:
            f.write(body.decode())
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
"""


class Skip(Exception):
    """The scenario cannot run on this host (meson counts exit status 77 as skipped)."""


def log(msg):
    print("  " + msg, flush=True)


class Ctx(harness.Ctx):
    """One scenario's temporary directory, processes and namespaces, and
    its QEMUs, links, process groups and finalizers."""

    DIR_PREFIX = "vhostd-e2e-"

    def __init__(self, name):
        super().__init__(name)
        self.qemus = []
        self.links = []     # interfaces the test made in our namespace
        self.groups = []    # process groups to kill whole (servers that fork)
        self.finalizers = []  # callables, run last first once the guests are closed
        self.tag = "%d" % (os.getpid() % 100000)

    def path(self, name):
        return os.path.join(self.dir, name)

    def netns_name(self, name):
        return "vhe2e-%s-%s" % (name, self.tag)

    def add_netns(self, name):
        ns = super().add_netns(name)
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        return ns

    def cleanup(self, keep):
        for q in self.qemus:
            q.close()
        while self.finalizers:
            try:
                self.finalizers.pop()()
            except Exception:
                traceback.print_exc()
        for pgid in self.groups:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        super().cleanup(keep)   # processes, namespaces, the directory
        for link in self.links:
            subprocess.run(["ip", "link", "del", link], stderr=subprocess.DEVNULL)


def guest_image():
    """(kernel, initrd), built or reused by mkguest.py."""
    out = subprocess.run([sys.executable, os.path.join(HERE, "mkguest.py"), GUEST_DIR],
                         capture_output=True, text=True)
    check(out.returncode == 0, "mkguest.py failed:\n" + out.stderr[-3000:])
    kernel, initrd = out.stdout.split()
    return kernel, initrd


def daemon_conf(ctx, tap, guests, uplink_queues=1, mtu=0, name="vhostd", device=None):
    """A vhostd config with one net_tap uplink creating TAP `tap` (or the
    given uplink device).  guests: dicts with name, socket, mac, and
    optional mode, queues, features, socket-group, socket-mode."""
    lines = ["[daemon]", "cores = 1", "hugepages = no", "memory = 256",
             "log-level = info", "control-socket = %s" % ctx.path(name + "-control.sock"),
             "state-dir = %s" % ctx.path(name + "-state"), "",
             "[uplink up0]", "device = %s" % (device or "net_tap0,iface=%s" % tap),
             "queues = %d" % uplink_queues]
    if mtu:
        lines.append("mtu = %d" % mtu)
    lines.append("")
    for g in guests:
        lines += ["[guest %s]" % g["name"], "socket = %s" % g["socket"], "uplink = up0",
                  "mode = %s" % g.get("mode", "server"), "mac = %s" % g["mac"],
                  "queues = %d" % g.get("queues", 1)]
        if g.get("features"):
            lines.append("features = %s" % g["features"])
        for key in ("socket-group", "socket-mode"):
            if g.get(key):
                lines.append("%s = %s" % (key, g[key]))
        lines.append("")
    return "\n".join(lines)


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def guest_mapped_kb(pid):
    """kB of QEMU guest RAM (memfd or hugepage file) mapped into process pid."""
    total = 0
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            if "memfd:memory-backend-memfd" in line or "/qemu_back_mem." in line:
                a, b = line.split()[0].split("-")
                total += (int(b, 16) - int(a, 16)) >> 10
    return total


class Peer:
    """The far end: vhostd's TAP in a namespace, with two HTTP servers.  With
    several TAPs (one per vhostd), they are ports of a bridge that holds the
    peer's address."""

    def __init__(self, ctx, tap, mtu=0, more_taps=()):
        self.ctx = ctx
        self.tap = tap
        self.mtu = mtu
        self.ns = ctx.add_netns("peer")
        self.bridge = None
        if more_taps:
            self.bridge = "br0"
            self._ip("link", "add", self.bridge, "type", "bridge")
            self._ip("addr", "add", "%s/%d" % (PEER_IP, PREFIX), "dev", self.bridge)
            self._ip("link", "set", self.bridge, "up")
        self.www = ctx.path("www")
        os.makedirs(self.www)
        with open(os.path.join(self.www, "blob"), "wb") as f:
            f.write(os.urandom(BLOB))
        with open(os.path.join(self.www, "blob"), "rb") as f:
            self.blob_sha = hashlib.sha256(f.read()).hexdigest()
        self.uploads = ctx.path("uploads.txt")
        open(self.uploads, "w").close()
        for t in (tap,) + tuple(more_taps):
            self.attach(t)
        self.httpd = self._start("httpd", ["busybox", "httpd", "-f", "-p",
                                           "0.0.0.0:%d" % HTTP_PORT, "-h", self.www])
        self.upload = self._start("upload", ["python3", "-c", UPLOAD_SERVER,
                                             str(UPLOAD_PORT), self.uploads])
        wait_for(lambda: self._listening(HTTP_PORT) and self._listening(UPLOAD_PORT), 20,
                 "the peer's HTTP servers to listen")

    def _ip(self, *args):
        subprocess.run(["ip", "-n", self.ns] + list(args), check=True)

    def attach(self, tap=None, timeout=20):
        """Move a vhostd's TAP (made in our namespace) into the peer's.  Again
        after each vhostd start: the TAP lives as long as the process."""
        tap = tap or self.tap
        wait_for(lambda: os.path.exists("/sys/class/net/%s" % tap), timeout,
                 "vhostd's TAP %s to appear" % tap)
        subprocess.run(["ip", "link", "set", tap, "netns", self.ns], check=True)
        if self.mtu:
            self._ip("link", "set", tap, "mtu", str(self.mtu))
        if self.bridge:
            self._ip("link", "set", tap, "master", self.bridge)
        else:
            self._ip("addr", "add", "%s/%d" % (PEER_IP, PREFIX), "dev", tap)
        self._ip("link", "set", tap, "up")

    def _start(self, name, cmd):
        logf = open(self.ctx.path("peer-%s.log" % name), "w")
        # busybox httpd serves each connection in a child: a stalled one
        # outlives the parent, so the whole group is killed at the end.
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + cmd, stdout=logf,
                             stderr=subprocess.STDOUT, start_new_session=True)
        self.ctx.procs.append(p)
        self.ctx.groups.append(p.pid)
        return p

    def _listening(self, port):
        out = subprocess.run(["ip", "netns", "exec", self.ns, "cat", "/proc/net/tcp",
                              "/proc/net/tcp6"],
                             capture_output=True, text=True).stdout
        return re.search(r":%04X [0-9A-F:]+ 0A " % port, out) is not None

    def last_upload(self):
        with open(self.uploads) as f:
            lines = f.read().split()
        return (lines[-2], int(lines[-1])) if len(lines) >= 2 else (None, 0)


SNIFFER = r"""
import array, json, signal, socket, struct, sys
iface, out, mtu = sys.argv[1], sys.argv[2], int(sys.argv[3])
st = dict(frames=0, max_len=0, over_mtu=0, tcp=0, tcp_bad_csum=0)
def ones(b):
    if len(b) % 2:
        b += b"\0"
    x = sum(array.array("H", b))
    while x >> 16:
        x = (x & 0xffff) + (x >> 16)
    return x
def done(*a):
    with open(out, "w") as f:
        json.dump(st, f)
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((iface, 0))
while True:
    data, addr = s.recvfrom(1 << 17)
    if addr[2] == socket.PACKET_OUTGOING:
        continue                    # only what arrives from vhostd
    st["frames"] += 1
    st["max_len"] = max(st["max_len"], len(data))
    if len(data) > mtu + 14:
        st["over_mtu"] += 1
    if data[12:14] != b"\x08\x00" or data[23] != 6:
        continue
    ihl = (data[14] & 15) * 4
    tot = struct.unpack("!H", data[16:18])[0]
    seg = data[14 + ihl:14 + tot]
    st["tcp"] += 1
    pseudo = data[26:34] + struct.pack("!BBH", 0, 6, len(seg))
    if ones(pseudo + seg) != 0xffff:
        st["tcp_bad_csum"] += 1
"""


class Sniffer:
    """Frames arriving on the peer's TAP from vhostd: count, largest, larger
    than the MTU, TCP segments with a checksum that does not verify."""

    def __init__(self, ctx, peer, mtu):
        self.out = ctx.path("sniffer.json")
        self.proc = subprocess.Popen(["ip", "netns", "exec", peer.ns, "python3", "-c",
                                      SNIFFER, peer.tap, self.out, str(mtu)])
        ctx.procs.append(self.proc)
        time.sleep(0.5)

    def result(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        with open(self.out) as f:
            return json.load(f)


def snmp(ns=None, guest=None):
    """{'Tcp': {...}, 'Ip': {...}, ...} from /proc/net/snmp of a namespace or guest."""
    if guest is not None:
        text = guest.run("cat /proc/net/snmp")[1]
    else:
        text = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"],
                              capture_output=True, text=True, check=True).stdout
    out = {}
    lines = text.splitlines()
    for head, vals in zip(lines[::2], lines[1::2]):
        proto = head.split(":")[0]
        out[proto] = dict(zip(head.split()[1:], (int(v) for v in vals.split()[1:])))
    return out


class Qemu:
    """A QEMU process with the test guest, and the guest's command channel."""

    def __init__(self, ctx, name, sock, mac, queues=1, packed=False, vhostd_client=False,
                 mtu=0, mem=256, incoming=None, boot=True, reconnect=0):
        self.ctx = ctx
        self.name = name
        self.console = ctx.path("console-%s.log" % name)
        self.ctl_path = ctx.path("ctl-%s.sock" % name)
        self.mon_path = ctx.path("mon-%s.sock" % name)
        self.chan_log = open(ctx.path("ctl-%s.log" % name), "w")
        for p in (self.ctl_path, self.mon_path):
            if os.path.exists(p):
                os.unlink(p)
        kernel, initrd = guest_image()
        append = "console=ttyS0 loglevel=4 panic=0 ipv6.disable=1 e2e.ip=%s/%d" % (
            GUEST_IP, PREFIX)
        if mtu:
            append += " e2e.mtu=%d" % mtu
        chardev = "socket,id=c0,path=%s" % sock
        if vhostd_client:
            chardev += ",server=on"    # QEMU listens, waits for vhostd
        elif reconnect:
            chardev += ",reconnect=%d" % reconnect   # QEMU redials a restarted vhostd
        if MEMORY == "hugepages":
            backend = "memory-backend-file,id=mem,size=%dM,mem-path=%s,share=on" % (
                mem, HUGE_DIR)
        else:
            backend = "memory-backend-memfd,id=mem,size=%dM,share=on" % mem
        dev = "virtio-net-pci,netdev=n0,mac=%s,vectors=0" % mac
        if packed:
            dev += ",packed=on"
        if queues > 1:
            dev += ",mq=on"
        if mtu:
            dev += ",host_mtu=%d" % mtu
        self.cmd = [
            QEMU, "-accel", "tcg,thread=multi", "-nodefaults", "-no-user-config",
            "-nographic", "-m", str(mem), "-smp", str(max(queues, 1)),
            "-object", backend,
            "-numa", "node,memdev=mem",
            "-kernel", kernel, "-initrd", initrd, "-append", append,
            "-chardev", chardev,
            "-netdev", "vhost-user,id=n0,chardev=c0,queues=%d" % queues,
            "-device", dev,
            "-serial", "file:" + self.console,
            "-chardev", "socket,id=ctl,path=%s,server=on,wait=off" % self.ctl_path,
            "-serial", "chardev:ctl",
            "-monitor", "unix:%s,server=on,wait=off" % self.mon_path,
        ]
        if incoming:
            self.cmd += ["-incoming", incoming]
        self.log = open(ctx.path("qemu-%s.log" % name), "w")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT)
        ctx.procs.append(self.proc)
        ctx.qemus.append(self)
        self.buf = ""
        self.seq = 0
        self.boot_id = None
        self.sock = None
        wait_for(lambda: os.path.exists(self.ctl_path) or self.proc.poll() is not None,
                 60, "QEMU %s to open its serial socket" % name)
        self._check_alive()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.ctl_path)
        if boot:
            self.wait_boot()

    # -- process -------------------------------------------------------
    def _check_alive(self):
        if self.proc.poll() is not None:
            raise Fail("QEMU %s exited with %s:\n%s\nconsole:\n%s" % (
                self.name, self.proc.returncode, self.output()[-2000:],
                self.console_text()[-2000:]))

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def console_text(self):
        try:
            with open(self.console, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def kill(self):
        """SIGKILL, as a crash or the OOM killer would."""
        self.proc.kill()
        self.proc.wait()
        self.close()

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def monitor(self, line, timeout=10):
        """One HMP command on the monitor socket; returns its output."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.mon_path)
        out = b""
        end = time.monotonic() + timeout
        while b"(qemu) " not in out and time.monotonic() < end:
            out += s.recv(4096)
        s.sendall(line.encode() + b"\n")
        out = b""
        while out.count(b"(qemu) ") < 1 and time.monotonic() < end:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
        s.close()
        text = out.decode(errors="replace")
        # The monitor echoes the line with terminal escapes; keep the answer.
        return text.split("\r\n", 1)[-1].replace("(qemu) ", "").strip()

    # -- command channel -----------------------------------------------
    def _pump(self, timeout):
        self.sock.settimeout(max(timeout, 0.01))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        if not data:
            self._check_alive()
            raise Fail("guest %s: command channel closed" % self.name)
        text = data.decode(errors="replace").replace("\r", "")
        self.chan_log.write(text)
        self.chan_log.flush()
        self.buf += text

    def _wait_text(self, pattern, start, timeout, what):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf, start)
            if m:
                return m
            if time.monotonic() >= end:
                self._check_alive()
                raise Fail("guest %s: timed out after %ss waiting for %s\n"
                           "console tail:\n%s" % (self.name, timeout, what,
                                                  self.console_text()[-1500:]))
            if self.proc.poll() is not None:
                self._check_alive()
            self._pump(min(0.5, end - time.monotonic()))

    def wait_boot(self, timeout=BOOT_TIMEOUT, start=0):
        """Wait for /init's READY line (a new boot id when start > 0)."""
        t0 = time.monotonic()
        m = self._wait_text(r"@@E2E-READY (\S+)\n", start, timeout, "the guest to boot")
        check(m.group(1) != self.boot_id, "guest %s: same boot id after reboot" % self.name)
        self.boot_id = m.group(1)
        err = re.search(r"@@E2E-ERROR (.*)", self.console_text())
        check(err is None, "guest %s: %s" % (self.name, err and err.group(1)))
        self.boot_s = time.monotonic() - t0
        return self.boot_s

    def send(self, cmd):
        """Send a command without waiting; returns (id, buffer offset)."""
        self.seq += 1
        start = len(self.buf)
        line = "%d %s\n" % (self.seq, base64.b64encode(cmd.encode()).decode())
        self.sock.sendall(line.encode())
        return self.seq, start

    def run(self, cmd, timeout=60, ok=True):
        """Run a shell command in the guest: (status, output)."""
        n, start = self.send(cmd)
        m = self._wait_text(r"@@E2E-END %d (\d+)\n" % n, start, timeout,
                            "the guest to run: %s" % cmd)
        out = self.buf[start:m.start()]
        rc = int(m.group(1))
        if ok:
            check(rc == 0, "guest %s: '%s' exited %d:\n%s" % (self.name, cmd, rc, out[-2000:]))
        return rc, out

    def reboot(self):
        """reboot -f inside the guest; QEMU resets it (its default) and the
        same kernel and initramfs boot again."""
        _, start = self.send("reboot -f")
        return self.wait_boot(start=start)


# -- checks a user would make ----------------------------------------------

PING_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) packets received")


def ping(g, count=20, interval=0.2, cpu=None, timeout=None):
    """Ping the peer from the guest: (sent, received, output)."""
    pin = "taskset %d " % (1 << cpu) if cpu is not None else ""
    _, out = g.run("%sping -c %d -i %s -W 2 %s" % (pin, count, interval, PEER_IP),
                   timeout=timeout or count * interval + 30, ok=False)
    m = PING_SUMMARY.search(out)
    check(m, "guest %s: no ping summary:\n%s" % (g.name, out[-1500:]))
    return int(m.group(1)), int(m.group(2)), out


def wait_link(g, timeout=60):
    """Until one ping gets through: the path is up (ARP, rings, poll lists)."""
    end = time.monotonic() + timeout
    tries = 0
    while time.monotonic() < end:
        tries += 1
        rc, _ = g.run("ping -c 1 -W 1 %s" % PEER_IP, timeout=30, ok=False)
        if rc == 0:
            return tries
    raise Fail("guest %s cannot ping the peer %s after %d tries in %ss" %
               (g.name, PEER_IP, tries, timeout))


def download(g, peer, cpu=None, limit=200):
    """8 MiB from the peer's httpd; the guest's sha256 must be the file's.
    busybox `timeout` bounds wget: busybox 1.35's own `wget -T` segfaults."""
    pin = "taskset %d " % (1 << cpu) if cpu is not None else ""
    t0 = time.monotonic()
    _, out = g.run("%stimeout %d wget -q -O - http://%s:%d/blob | sha256sum" %
                   (pin, limit, PEER_IP, HTTP_PORT), timeout=limit + 40)
    dt = time.monotonic() - t0
    got = out.split()[0] if out.split() else ""
    check(got == peer.blob_sha, "download: guest digest %s, file %s" % (got, peer.blob_sha))
    return got, dt


def make_upload(g):
    """8 MiB of random text in the guest's tmpfs; returns its sha256.  Text,
    because busybox wget sends a --post-file only up to its first NUL byte:
    6 MiB of /dev/urandom in base64 is exactly 8 MiB without one."""
    _, out = g.run("head -c %d /dev/urandom | base64 -w 0 > /tmp/up && "
                   "sha256sum /tmp/up && wc -c < /tmp/up" % (BLOB * 3 // 4), timeout=120)
    sha, size = out.split()[0], int(out.split()[-1])
    check(size == BLOB, "the guest made a %d-byte upload file, not %d" % (size, BLOB))
    return sha


def upload(g, peer, sha, cpu=None, limit=200):
    """POST the guest's file to the peer, which digests what it received."""
    pin = "taskset %d " % (1 << cpu) if cpu is not None else ""
    t0 = time.monotonic()
    _, out = g.run("%stimeout %d wget -q -O - --post-file /tmp/up http://%s:%d/upload" %
                   (pin, limit, PEER_IP, UPLOAD_PORT), timeout=limit + 40)
    dt = time.monotonic() - t0
    got, n = peer.last_upload()
    check(n == BLOB, "upload: the peer received %d bytes of %d" % (n, BLOB))
    check(got == sha, "upload: peer digest %s, guest file %s" % (got, sha))
    check(out.split()[:1] == [sha], "upload: the guest got the answer %r" % out)
    return got, dt


def guest_features(g):
    """The virtio feature bits the guest driver negotiated (sysfs bit string)."""
    _, out = g.run("cat /sys/class/net/eth0/device/features")
    bits = out.strip()
    return sum(1 << i for i, c in enumerate(bits) if c == "1")


def wait_guest_state(vd, name, state, timeout=30, pairs=None):
    def ok():
        g = vd.guest(name)
        return g["state"] == state and (pairs is None or g["pairs"] == pairs)
    wait_for(ok, timeout, "vhostd guest %s to be %s%s" %
             (name, state, "" if pairs is None else " with %d pairs" % pairs))


def run(tests):
    """Run the scenarios named in argv (all when none); one line each."""
    harness.run(tests, ctx_class=Ctx, skip=Skip, announce=True)


def _sigterm(signum, frame):
    # meson's timeout sends SIGTERM: unwind so run() cleans up.
    raise Fail("terminated by signal %d (test timeout?)" % signum)


signal.signal(signal.SIGTERM, _sigterm)
