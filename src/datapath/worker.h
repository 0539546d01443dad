/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_WORKER_H
#define VHOSTD_WORKER_H

/*
 * A worker (worker.c): one per configured lcore.  The control side
 * (control/vhostd.h) owns the array and publishes the poll lists; the
 * worker writes its counters and reads only its own list.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_gso.h>

#include "vhostd/config.h"
#include "vhostd/notify.h"

struct dp_worker;
struct rte_mempool;
struct rte_rcu_qsbr;

struct worker {
	unsigned int index;
	unsigned int lcore;
	struct dp_worker *dp;		/* published with a release store */
	struct rte_rcu_qsbr *qsv;
	volatile bool stop;
	/* Written by the worker only.  Cycles are TSC cycles spent in loops
	 * that received something (busy) or nothing (idle); cycles per packet
	 * = busy_cycles / pkts, as testpmd --record-core-cycles and OVS
	 * pmd-stats-show count them. */
	uint64_t loops;
	uint64_t busy_loops;
	uint64_t busy_cycles;
	uint64_t idle_cycles;
	uint64_t pkts;			/* received from guests and uplinks */
	uint64_t sleep_cycles;		/* spent asleep (notify.c) */
	bool asleep;			/* in epoll_wait now (for guest show) */
	struct notify notify;		/* sleep state and its counters */
	uint64_t kicks[VHOSTD_MAX_GUESTS];	/* kicks read while asleep, by guest slot */
	int wake_fd;			/* eventfd: a new poll list, or stop */
	int epoll_fd;			/* the worker's own: built from dp */
	const struct dp_worker *epoll_dp;	/* ... this one */
	uint64_t epoll_gen;
	struct rte_gso_ctx gso;		/* software TSO (offload.c) */
	struct rte_mempool *gso_indirect;
} __attribute__((aligned(64)));

/* The lcore's loop (rte_eal_remote_launch). */
int worker_main(void *arg);
/* Make a sleeping worker look at its poll list (and its stop flag) again. */
void worker_wake(struct worker *wk);

#endif
