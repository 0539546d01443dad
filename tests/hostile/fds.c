/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Notification fds that can block whoever touches them: kick and call fds
 * that are pipes, sockets or files, and an eventfd left blocking with its
 * counter full.  librte_vhost writes a call fd from the worker that fills
 * the guest's RX vring (eventfd_write), so frames toward this guest make a
 * blocking call fd stop that worker.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostile.h"

/* Post RX buffers (frames toward this guest land there; avail->flags 0:
 * "interrupt me") and wait; how many came back. */
static uint16_t
rx_and_wait(struct vu *v, int n, int ms)
{
	for (int i = 0; i < n; i++) {
		struct desc_split d = { .addr = VU_BUF_BASE + (uint64_t)i * VU_BUF_SIZE,
					.len = VU_BUF_SIZE, .flags = D_WRITE };

		vu_split_post(v, 0, &d, 1);
	}
	msleep(ms);
	return vu_used(v, 0);
}

/* A pipe whose write end cannot take another byte: writes to it block. */
static int
full_pipe(int *rd)
{
	int p[2];
	char buf[4096] = { 0 };

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	while (write(p[1], buf, sizeof(buf)) > 0 || errno == EINTR)
		;
	while (write(p[1], buf, 1) > 0)
		;
	if (fcntl(p[1], F_SETFL, 0) != 0)	/* blocking again */
		return -1;
	*rd = p[0];
	return p[1];
}

/*
 * One connection whose vring q gets fd as its kick (or call) fd; then RX
 * buffers while the good guest floods broadcasts.  Prints what happened;
 * returns 1 when the backend closed the connection.
 */
static int
notify_fd(const char *what, int q, bool call, int fd)
{
	struct vu v;
	int ret;

	if (fd < 0 || fresh(&v) != 0)
		return -1;
	if (call)
		v.vq[q].call = fd;
	else
		v.vq[q].kick = fd;
	ret = vu_setup(&v, BASE_FEATURES, false, QSIZE);
	if (ret == 0)
		printf("%s: accepted, RX buffers used: %u of 64\n", what, rx_and_wait(&v, 64, 1000));
	const char *o = outcome(&v);

	printf("%s as %s fd of vring %d: %s\n", what, call ? "call" : "kick", q, o);
	vu_close(&v);
	return strcmp(o, "closed") == 0;
}

static int
sock_end(void)
{
	int s[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) != 0)
		return -1;
	close(s[1]);	/* reads see EOF, writes EPIPE: never a wait, still not an eventfd */
	return s[0];
}

static int
file_fd(void)
{
	int fd = memfd_create("hostile-notify", MFD_CLOEXEC);
	uint64_t big = UINT64_MAX;

	/* A "counter" of 2^64-1 for whoever reads it as one. */
	if (fd >= 0 && (write(fd, &big, sizeof(big)) != sizeof(big) || lseek(fd, 0, SEEK_SET) != 0))
		return -1;
	return fd;
}

/* A pipe as the kick fd of each vring (the main thread samples RX kicks,
 * a sleeping worker reads TX kicks). */
int
case_kick_pipe(void)
{
	int closed = 0, total = 0;

	for (int q = 0; q < 2; q++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) != 0)
			return 2;
		if (write(p[1], "k", 1) != 1)
			return 2;
		int r = notify_fd("pipe with a byte in it", q, false, p[0]);

		close(p[1]);
		if (r < 0)
			return 2;
		closed += r;
		total++;
	}
	return report("pipes as kick fds", closed, total);
}

/* A full pipe as the RX vring's call fd: librte_vhost's eventfd_write
 * after it fills an RX buffer waits for room that never comes. */
int
case_call_pipe_full(void)
{
	int rd = -1, wr = full_pipe(&rd);
	int r = notify_fd("full pipe", 0, true, wr);

	if (rd >= 0)
		close(rd);
	return r < 0 ? 2 : report("full pipe as call fd", r, 1);
}

/* Sockets and regular files as kick and call fds. */
int
case_notify_fd_kinds(void)
{
	int closed = 0;

	signal(SIGPIPE, SIG_IGN);	/* kicks written into the socket */
	for (int k = 0; k < 4; k++) {
		bool call = k >= 2;
		int r = notify_fd(k % 2 ? "regular file" : "socket", 0, call,
				  k % 2 ? file_fd() : sock_end());

		if (r < 0)
			return 2;
		closed += r;
	}
	return report("sockets and files as notification fds", closed, 4);
}

/*
 * An eventfd, blocking, whose counter is at its maximum (2^64 - 2) as the
 * RX vring's call fd: a write of 1 waits until somebody reads it, and this
 * frontend never does.  A backend that made it non-blocking loses the
 * interrupts and carries on.
 */
int
case_call_eventfd_full(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	uint64_t max = UINT64_MAX - 1;
	struct vu v;
	uint16_t used = 0;
	int ret;

	if (fd < 0 || write(fd, &max, sizeof(max)) != sizeof(max) || fresh(&v) != 0)
		return 2;
	v.vq[0].call = fd;
	ret = vu_setup(&v, BASE_FEATURES, false, QSIZE);
	if (ret == 0)
		used = rx_and_wait(&v, 64, 1500);
	/* Never read: a writer blocked on it would wake up. */
	printf("blocking eventfd at 2^64-2 as call fd: RX buffers used: %u of 64\n", used);
	printf("result: %s used=%u/%u\n", outcome(&v), used, v.vq[0].posted);
	vu_close(&v);
	return 0;
}

/*
 * A socket as the RX vring's kick fd whose reads wait for 8 bytes
 * (SO_RCVLOWAT) while 1 is queued: poll() says readable, read() waits for
 * the rest, which never comes.  The main thread samples RX kick counts for
 * guest show and the stats; the case holds its connection while the test
 * asks for them.
 */
int
case_kick_socket_lowat(void)
{
	int s[2], lowat = 8;
	struct vu v;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) != 0 ||
	    setsockopt(s[0], SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)) != 0 ||
	    write(s[1], "k", 1) != 1 || fresh(&v) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);	/* kicks written into the socket */
	v.vq[0].kick = s[0];
	printf("socket with 1 byte, SO_RCVLOWAT 8, as kick fd of vring 0: %s\n",
	       vu_setup(&v, BASE_FEATURES, false, QSIZE) == 0 ? "accepted" : "refused");
	hold();
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	close(s[1]);
	return 0;
}
