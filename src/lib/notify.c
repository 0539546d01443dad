/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Notification modes (include/vhostd/notify.h): when a worker sleeps.
 * No DPDK here; worker.c does the arming, polling and sleeping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vhostd/notify.h"

void
notify_configure(struct notify *nt, uint64_t threshold, bool backoff,
		 unsigned int backoff_max_us)
{
	nt->threshold = threshold;
	nt->backoff = backoff;
	nt->backoff_max_us = backoff_max_us;
	nt->idle_since = 0;
}

/* Sleep, staying armed, until a poll finds frames.  Returns them. */
static unsigned int
sleep_until_frames(struct notify *nt, const struct notify_ops *ops, void *ctx)
{
	unsigned int timeout = nt->backoff ? NOTIFY_BACKOFF_MIN_US : NOTIFY_SAFETY_US;
	unsigned int since_full = 0;	/* microseconds slept since a full poll */
	unsigned int n;
	int r;

	ops->arm(ctx, true);
	nt->switches++;
	/* The race every interrupt mode has: a frame made available between
	 * our last poll and the arming raised no kick.  Look once more. */
	n = ops->poll(ctx);
	if (n != 0) {
		nt->rechecks++;
		ops->arm(ctx, false);
		return n;
	}
	for (;;) {
		r = ops->sleep(ctx, timeout);
		if (r == NOTIFY_STALE)
			return 0;	/* the armed list is gone: the new one polls */
		if (r == NOTIFY_NOSLEEP)
			break;
		nt->sleeps++;
		if (r > 0) {
			nt->wakeups++;
			since_full = 0;
		} else {
			nt->timeouts++;
			since_full += timeout;
			if (nt->backoff && timeout < nt->backoff_max_us)
				timeout = timeout * 2 > nt->backoff_max_us ? nt->backoff_max_us
									   : timeout * 2;
		}
		/* Still armed: a spurious wake (a kick counted before the
		 * arming, a frame another queue took) sleeps again.  A timed
		 * wake-up polls only what cannot wake us: every queue that can
		 * would have.  Still, every NOTIFY_SAFETY_US one polls them all,
		 * as a sleep without back-off does, against a lost notification. */
		if (r == 0 && ops->poll_quiet != NULL && since_full < NOTIFY_SAFETY_US) {
			nt->quiet_polls++;
			n = ops->poll_quiet(ctx);
		} else {
			since_full = 0;
			n = ops->poll(ctx);
		}
		if (n != 0)
			break;
		/* Some devices' RX interrupts fire once per enable. */
		ops->arm(ctx, true);
	}
	ops->arm(ctx, false);
	return n;
}

unsigned int
notify_after_poll(struct notify *nt, const struct notify_ops *ops, void *ctx, unsigned int n,
		  uint64_t now)
{
	unsigned int got;

	if (n != 0 || nt->threshold == NOTIFY_NEVER) {
		nt->idle_since = 0;
		return 0;
	}
	if (nt->idle_since == 0) {
		nt->idle_since = now;
		if (nt->threshold != 0)
			return 0;
	} else if (now - nt->idle_since < nt->threshold) {
		return 0;
	}
	got = sleep_until_frames(nt, ops, ctx);
	nt->idle_since = 0;	/* awake: poll for a full threshold again */
	return got;
}

/*
 * Read an eventfd's counter without ever waiting.  The frontend shares the
 * open file (and its O_NONBLOCK) and may read the counter itself between
 * our poll and our read; RWF_NOWAIT makes this one read non-blocking
 * whatever the file's flags say.  A kernel without RWF_NOWAIT for eventfds
 * answers -EOPNOTSUPP; then only a file that is non-blocking is read.
 */
int
notify_fd_read(int fd, uint64_t *val)
{
	struct iovec iov = { .iov_base = val, .iov_len = sizeof(*val) };
	ssize_t n = preadv2(fd, &iov, 1, -1, RWF_NOWAIT);

	if (n < 0 && errno == EOPNOTSUPP) {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || !(fl & O_NONBLOCK))
			return -EAGAIN;
		n = read(fd, val, sizeof(*val));
	}
	if (n < 0)
		return -errno;
	return n == sizeof(*val) ? 0 : -EIO;
}
