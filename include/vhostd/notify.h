/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_NOTIFY_H
#define VHOSTD_NOTIFY_H

/*
 * When a worker stops polling and sleeps (notify.c).  Pure logic: the
 * worker (worker.c) supplies the queues, the poll and the sleep through
 * struct notify_ops, and unit tests supply fakes.
 *
 *   polling --idle for threshold--> arm: every polled queue notifies
 *     ^                              (guest kicks on, uplink RX interrupts on)
 *     |                                |
 *     |                              poll once more (a frame made available
 *     |                                |  before arming raised no kick)
 *     +--- disarm <-- frames? ---------+
 *     |                                | nothing
 *     |                              sleep (RCU offline) on the queues'
 *     |                                |  fds and the worker's wake eventfd
 *     +--- disarm <-- frames? <--- wake (event or back-off timeout)
 *                       nothing: sleep again
 */

#include <stdbool.h>
#include <stdint.h>

/* notify_ops.sleep results besides "woken" (> 0) and "timed out" (0). */
#define NOTIFY_NOSLEEP	(-1)	/* did not sleep: new poll list or stop; the armed
				 * queues are still ours to disarm */
#define NOTIFY_STALE	(-2)	/* slept, and the poll list changed meanwhile: it may
				 * be freed, touch none of its queues */

/* Threshold of a worker that must never sleep (a guest in poll mode). */
#define NOTIFY_NEVER	UINT64_MAX

/* Sleep bounds, microseconds.  A list with a queue that cannot notify (an
 * uplink without RX interrupts: net_null, net_ring, af_packet) sleeps
 * NOTIFY_BACKOFF_MIN_US, doubling to the list's backoff_max_us ([daemon]
 * idle-backoff-max-us) while nothing comes: a frame from such an uplink
 * waits at most that long.  Otherwise every source wakes the worker, and
 * NOTIFY_SAFETY_US only bounds the cost of a notification lost to a bug. */
#define NOTIFY_BACKOFF_MIN_US	50
#define NOTIFY_SAFETY_US	100000

struct notify_ops {
	/* Every polled queue: notify (on) or not (off). */
	void (*arm)(void *ctx, bool on);
	/* One poll of every queue, frames forwarded; returns frames received. */
	unsigned int (*poll)(void *ctx);
	/* After a back-off timeout: one poll of the queues that cannot wake
	 * the worker (no fd, or arming failed), so that the cost of a timed
	 * wake-up does not grow with the guests that can.  NULL: poll. */
	unsigned int (*poll_quiet)(void *ctx);
	/* Sleep at most timeout_us on the armed queues and the wake eventfd,
	 * then drain what woke us.  Returns > 0 woken, 0 timed out, or
	 * NOTIFY_NOSLEEP / NOTIFY_STALE. */
	int (*sleep)(void *ctx, unsigned int timeout_us);
};

struct notify {
	uint64_t threshold;	/* idle TSC cycles before sleeping; NOTIFY_NEVER */
	bool backoff;		/* a polled queue cannot notify */
	unsigned int backoff_max_us;	/* back-off cap, >= NOTIFY_BACKOFF_MIN_US */
	uint64_t idle_since;	/* TSC of the first idle poll in a row; 0: busy */
	/* Counters, written by the worker only. */
	uint64_t switches;	/* polling -> notifications (arming after idleness) */
	uint64_t rechecks;	/* the poll after arming found frames: no sleep */
	uint64_t sleeps;
	uint64_t wakeups;	/* sleeps ended by an event (kick, interrupt, wake fd) */
	uint64_t timeouts;	/* sleeps ended by their timeout */
	uint64_t quiet_polls;	/* timed wake-ups that polled only the queues
				 * that cannot notify (poll_quiet) */
};

/* A new poll list: its threshold (cycles), whether it needs a back-off and
 * the back-off's cap (microseconds). */
void notify_configure(struct notify *nt, uint64_t threshold, bool backoff,
		      unsigned int backoff_max_us);

/*
 * After a poll that received n frames at TSC now.  Busy: resets the idle
 * clock.  Idle for the threshold: arms, re-polls, sleeps until frames
 * come, disarms.  Returns the frames received by the polls made here.
 */
unsigned int notify_after_poll(struct notify *nt, const struct notify_ops *ops, void *ctx,
			       unsigned int n, uint64_t now);

/* Read a notification (kick) eventfd's counter; never waits (-EAGAIN when
 * 0), whatever the frontend that shares the file did to its flags. */
int notify_fd_read(int fd, uint64_t *val);

#endif
