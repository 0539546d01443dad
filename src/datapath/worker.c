/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker: one per configured lcore, pinned by EAL.  It polls its own list
 * and reports a quiescent state once per loop, after every buffer has been
 * flushed, so the control side may free a list as soon as a grace period
 * has passed.
 *
 * When its list allows (notify.c decides when), an idle worker sleeps in
 * epoll_wait on the kick eventfds of its guests' TX vrings, its uplinks' RX
 * interrupt fds and its own wake eventfd.  It is RCU-offline while asleep,
 * so a publish never waits for it; the publish writes the wake eventfd, and
 * after waking the worker touches the list it slept on only if it is still
 * the published one.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "datapath/poll_list.h"
#include "datapath/worker.h"
#include "vhostd/log.h"

#define WAKE_TAG UINT32_MAX	/* epoll data of the wake eventfd */

#define WAKE_EVENTS 16		/* epoll events taken per wake-up */

struct sleeper {
	struct worker *wk;
	struct dp_worker *dp;
	bool armed;
	bool arm_failed;		/* a queue refused: sleep no longer than a back-off */
	/* Guest queues whose kick woke us, their eventfds not read yet. */
	uint32_t kicked[WAKE_EVENTS];
	unsigned int nb_kicked;
};

void
worker_wake(struct worker *wk)
{
	uint64_t one = 1;

	if (wk->wake_fd >= 0 && write(wk->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG(ERR, "worker %u: wake eventfd write: %s", wk->index, strerror(errno));
}

/* A fresh epoll set for dp: the fds of an older list may be closed (and
 * their numbers reused), so none is carried over. */
static int
epoll_rebuild(struct worker *wk, const struct dp_worker *dp)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = WAKE_TAG };

	if (wk->epoll_fd >= 0)
		close(wk->epoll_fd);
	wk->epoll_dp = NULL;
	wk->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (wk->epoll_fd < 0)
		return -errno;
	if (epoll_ctl(wk->epoll_fd, EPOLL_CTL_ADD, wk->wake_fd, &ev) != 0)
		return -errno;
	for (unsigned int i = 0; i < dp->nb_rxq; i++) {
		if (dp->rxq[i].fd < 0)
			continue;
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(wk->epoll_fd, EPOLL_CTL_ADD, dp->rxq[i].fd, &ev) != 0)
			return -errno;
	}
	wk->epoll_dp = dp;
	wk->epoll_gen = dp->gen;
	return 0;
}

/*
 * Read the kick eventfds that woke us: epoll is level-triggered, so before
 * the next sleep, and they count the guest's kicks.  Done after the poll
 * that follows the wake-up, not before: a read is a system call (8.6 us of
 * a 118 us first-frame round trip measured here, docs/performance.md) and
 * the frame that kicked need not wait for it.  We have not reported a
 * quiescent state since the sleep, so the list (and its fds) is still ours.
 */
static void
sleeper_drain(struct sleeper *s)
{
	struct worker *wk = s->wk;

	for (unsigned int i = 0; i < s->nb_kicked; i++) {
		const struct dp_rxq *rxq = &s->dp->rxq[s->kicked[i]];
		uint64_t v;

		/* Only kick eventfds are read: an uplink's fd may be the queue
		 * itself (net_tap), and polling empties it.  The frontend shares
		 * the eventfd and may have emptied it since epoll looked: a read
		 * that never waits (a stuck worker holds up every publish). */
		if (notify_fd_read(rxq->fd, &v) == 0)
			__atomic_store_n(&wk->kicks[rxq->obj], wk->kicks[rxq->obj] + v,
					 __ATOMIC_RELAXED);
	}
	s->nb_kicked = 0;
}

static void
sleeper_arm(void *ctx, bool on)
{
	struct sleeper *s = ctx;
	struct dp_worker *dp = s->dp;
	bool again = on && s->armed && !s->arm_failed;
	bool failed = false;

	if (!on)
		sleeper_drain(s);

	for (unsigned int i = 0; i < dp->nb_rxq; i++) {
		const struct dp_rxq *rxq = &dp->rxq[i];
		const struct vport_ops *ops;
		uint16_t id;

		/* Armed again after an empty wake-up: a guest's kicks stay on,
		 * only an uplink's interrupt may need enabling anew. */
		if (rxq->fd < 0 || (again && rxq->kind == DP_RXQ_GUEST))
			continue;
		if (rxq->kind == DP_RXQ_GUEST) {
			ops = dp->guests[rxq->obj].ops;
			id = dp->guests[rxq->obj].id;
		} else {
			ops = dp->uplinks[rxq->obj].ops;
			id = dp->uplinks[rxq->obj].id;
		}
		if (ops->notify != NULL && ops->notify(id, rxq->q, on) != 0)
			failed = true;
	}
	s->armed = on;
	if (on && !again)
		s->arm_failed = failed;
	/* The arming stores (avail_event, used->flags) before the re-poll
	 * loads avail->idx: the driver does the mirror image (virtio 1.2,
	 * 2.7.13.3.1), so one of us sees the other. */
	if (on)
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static unsigned int
sleeper_poll(void *ctx)
{
	struct sleeper *s = ctx;

	return dp_poll(s->dp);
}

/* A timed wake-up: the queues that would have woken us did not.  When
 * arming failed somewhere, no queue is known to notify: all of them. */
static unsigned int
sleeper_poll_quiet(void *ctx)
{
	struct sleeper *s = ctx;

	return s->arm_failed ? dp_poll(s->dp) : dp_poll_quiet(s->dp);
}

static bool
list_changed(struct worker *wk, const struct dp_worker *dp, uint64_t gen)
{
	const struct dp_worker *now = __atomic_load_n(&wk->dp, __ATOMIC_ACQUIRE);

	/* A list freed while we slept may come back at the same address. */
	return now != dp || now->gen != gen ||
	       __atomic_load_n(&wk->stop, __ATOMIC_RELAXED);
}

static int
sleeper_sleep(void *ctx, unsigned int timeout_us)
{
	struct sleeper *s = ctx;
	struct worker *wk = s->wk;
	struct dp_worker *dp = s->dp;
	uint64_t gen = dp->gen, v, t0;
	struct epoll_event ev[WAKE_EVENTS];
	bool woken = false;
	struct timespec ts;
	int n;

	sleeper_drain(s);	/* a spurious wake-up's, before epoll sees them again */
	if (list_changed(wk, dp, gen))
		return NOTIFY_NOSLEEP;
	/* A vring that would not take "kick me" cannot wake us, nor one whose
	 * poll_start is still to come (it turns kicks off again). */
	for (unsigned int i = 0; i < dp->nb_rxq && !s->arm_failed; i++)
		s->arm_failed = dp->rxq[i].kind == DP_RXQ_GUEST && !dp->rxq[i].started;
	if (s->arm_failed && timeout_us > dp->backoff_max_us)
		timeout_us = dp->backoff_max_us;
	ts = (struct timespec){ .tv_sec = timeout_us / 1000000,
				.tv_nsec = (long)(timeout_us % 1000000) * 1000 };
	if ((wk->epoll_dp != dp || wk->epoll_gen != gen) && epoll_rebuild(wk, dp) != 0)
		return NOTIFY_NOSLEEP;	/* cannot sleep: keep polling */
	t0 = rte_rdtsc();
	rte_rcu_qsbr_thread_offline(wk->qsv, wk->index);
	__atomic_store_n(&wk->asleep, true, __ATOMIC_RELAXED);
	n = epoll_pwait2(wk->epoll_fd, ev, RTE_DIM(ev), &ts, NULL);
	__atomic_store_n(&wk->asleep, false, __ATOMIC_RELAXED);
	rte_rcu_qsbr_thread_online(wk->qsv, wk->index);
	wk->sleep_cycles += rte_rdtsc() - t0;
	for (int i = 0; i < n; i++)
		woken |= ev[i].data.u32 == WAKE_TAG;
	if (woken && read(wk->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		LOG(ERR, "worker %u: wake eventfd read: %s", wk->index, strerror(errno));
	if (list_changed(wk, dp, gen))
		return NOTIFY_STALE;
	for (int i = 0; i < n; i++) {
		uint32_t k = ev[i].data.u32;

		if (k != WAKE_TAG && dp->rxq[k].kind == DP_RXQ_GUEST)
			s->kicked[s->nb_kicked++] = k;	/* read after the poll */
	}
	return n > 0 ? 1 : 0;
}

static const struct notify_ops sleeper_ops = {
	.arm = sleeper_arm,
	.poll = sleeper_poll,
	.poll_quiet = sleeper_poll_quiet,
	.sleep = sleeper_sleep,
};

int
worker_main(void *arg)
{
	struct worker *wk = arg;
	uint64_t seen_gen = 0;

	rte_rcu_qsbr_thread_register(wk->qsv, wk->index);
	rte_rcu_qsbr_thread_online(wk->qsv, wk->index);
	LOG(INFO, "worker %u running on lcore %u", wk->index, rte_lcore_id());

	uint64_t t0 = rte_rdtsc();

	for (bool stop = false; !stop;) {
		struct dp_worker *dp = __atomic_load_n(&wk->dp, __ATOMIC_ACQUIRE);
		uint64_t t1 = t0;
		unsigned int n = dp != NULL ? dp_poll_tsc(dp, &t1) : 0;

		/* One TSC read per loop: dp_poll_tsc's own after a busy poll
		 * (it accounts per queue), ours after an idle one. */
		if (n == 0)
			t1 = rte_rdtsc();
		if (n != 0) {
			wk->busy_loops++;
			wk->busy_cycles += t1 - t0;
			wk->pkts += n;
		} else {
			wk->idle_cycles += t1 - t0;
		}
		t0 = t1;
		wk->loops++;
		if (unlikely(dp == NULL)) {
			stop = __atomic_load_n(&wk->stop, __ATOMIC_RELAXED);
			rte_rcu_qsbr_quiescent(wk->qsv, wk->index);
			continue;
		}
		if (unlikely(dp->gen != seen_gen)) {
			notify_configure(&wk->notify, dp->idle_threshold, dp->backoff,
					 dp->backoff_max_us);
			seen_gen = dp->gen;
		}
		/* Before the quiescent report: the sleep path uses dp.  Not
		 * idle while frames wait for a guest's full ring: they are
		 * retried every loop, for [daemon] guest-ring-wait-us at most. */
		if (n != 0 || dp->nb_to_flush != 0) {
			wk->notify.idle_since = 0;
		} else {
			struct sleeper s = { .wk = wk, .dp = dp };
			uint64_t switches = wk->notify.switches;
			unsigned int got = notify_after_poll(&wk->notify, &sleeper_ops, &s, 0, t1);

			if (wk->notify.switches != switches) {
				/* Asleep: counted in sleep_cycles, not as idle. */
				t0 = rte_rdtsc();
				wk->busy_loops += got != 0;
				wk->pkts += got;
			}
		}
		/* Stopping: what waits for a full ring is dropped and counted
		 * now, while dp is still ours, so the final counters add up. */
		stop = __atomic_load_n(&wk->stop, __ATOMIC_RELAXED);
		if (unlikely(stop))
			dp_worker_drop_held(dp, false);
		rte_rcu_qsbr_quiescent(wk->qsv, wk->index);
	}

	rte_rcu_qsbr_thread_offline(wk->qsv, wk->index);
	rte_rcu_qsbr_thread_unregister(wk->qsv, wk->index);
	if (wk->epoll_fd >= 0)
		close(wk->epoll_fd);
	wk->epoll_fd = -1;
	LOG(INFO, "worker %u stopped after %lu loops (%lu busy), %lu sleeps", wk->index,
	    wk->loops, wk->busy_loops, wk->notify.sleeps);
	return 0;
}
