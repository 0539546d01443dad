# SPDX-License-Identifier: BSD-3-Clause
"""A minimal, well-behaved vhost-user frontend in Python, for tests that
need many guest connections and no traffic: it negotiates features, shares
a memfd as guest memory, sets up one queue pair (split or packed, rings
left empty) and disconnects.  librte_vhost sees a ready device (vhostd's
new_device runs, the guest goes "running"), which is all a
connect/disconnect cycle needs, at a fraction of a testpmd start.

Messages and layouts: the vhost-user specification (QEMU
docs/interop/vhost-user.rst), "Message types" and "Ring addresses".
"""
import os
import socket
import struct

VERSION = 0x1
REPLY = 0x4

GET_FEATURES = 1
SET_FEATURES = 2
SET_OWNER = 3
SET_MEM_TABLE = 5
SET_VRING_NUM = 8
SET_VRING_ADDR = 9
SET_VRING_BASE = 10
SET_VRING_KICK = 12
SET_VRING_CALL = 13

F_VERSION_1 = 1 << 32
F_RING_PACKED = 1 << 34

MEM_SIZE = 2 << 20          # one region; the rings use the first 64 KiB
GUEST_PHYS = 0x100000       # where the region is in "guest physical" space
FRONTEND_VA = 0x7f0000000000  # and in the frontend's address space (never mapped here)
RING_SIZE = 256


class Frontend:
    def __init__(self, path, timeout=5):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.fds = []

    def send(self, req, payload=b"", fds=()):
        msg = struct.pack("<III", req, VERSION, len(payload)) + payload
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("%di" % len(fds), *fds))] \
            if fds else []
        self.sock.sendmsg([msg], anc)

    def recv_u64(self, req):
        hdr = self._recv_exact(12)
        r, flags, size = struct.unpack("<III", hdr)
        if r != req or not flags & REPLY or size != 8:
            raise RuntimeError("vhost-user: unexpected reply %d flags %#x size %d to %d" %
                               (r, flags, size, req))
        return struct.unpack("<Q", self._recv_exact(8))[0]

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError("vhost-user: backend closed the connection")
            buf += chunk
        return buf

    def start(self, packed=False):
        """Negotiate and set up vrings 0 and 1; the backend then has a
        ready device.  Returns the negotiated features."""
        self.send(GET_FEATURES)
        offered = self.recv_u64(GET_FEATURES)
        want = F_VERSION_1 | (F_RING_PACKED if packed else 0)
        if want & ~offered:
            raise RuntimeError("vhost-user: backend does not offer %#x (offers %#x)" %
                               (want, offered))
        self.send(SET_OWNER)
        self.send(SET_FEATURES, struct.pack("<Q", want))

        mem = os.memfd_create("vhost-user-test", os.MFD_CLOEXEC)
        self.fds.append(mem)
        os.ftruncate(mem, MEM_SIZE)
        self.send(SET_MEM_TABLE, struct.pack("<II", 1, 0) +
                  struct.pack("<QQQQ", GUEST_PHYS, MEM_SIZE, FRONTEND_VA, 0), [mem])

        for vring in (0, 1):
            # Split: descriptor table, then available ring, then used ring
            # (4-byte aligned).  Packed: descriptor ring, then the driver and
            # device event suppression areas.  Zeroed memory is an empty ring
            # in both layouts.
            base = FRONTEND_VA + vring * 0x8000
            desc, avail, used = base, base + 16 * RING_SIZE, base + 0x4000
            self.send(SET_VRING_NUM, struct.pack("<II", vring, RING_SIZE))
            self.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", vring, 0, desc, used, avail, 0))
            self.send(SET_VRING_BASE, struct.pack("<II", vring, 0))
            for req in (SET_VRING_CALL, SET_VRING_KICK):
                efd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
                self.fds.append(efd)
                self.send(req, struct.pack("<Q", vring), [efd])
        return want

    def close(self):
        self.sock.close()
        for fd in self.fds:
            os.close(fd)
        self.fds = []
