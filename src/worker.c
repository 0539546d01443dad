/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker: one per configured lcore, pinned by EAL.  It polls its own list
 * and reports a quiescent state once per loop, after every buffer has been
 * flushed, so the control side may free a list as soon as a grace period
 * has passed.
 */
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"
#include "vhostd.h"

int
worker_main(void *arg)
{
	struct worker *wk = arg;

	rte_rcu_qsbr_thread_register(wk->qsv, wk->index);
	rte_rcu_qsbr_thread_online(wk->qsv, wk->index);
	LOG(INFO, "worker %u running on lcore %u", wk->index, rte_lcore_id());

	uint64_t t0 = rte_rdtsc();

	while (!__atomic_load_n(&wk->stop, __ATOMIC_RELAXED)) {
		struct dp_worker *dp = __atomic_load_n(&wk->dp, __ATOMIC_ACQUIRE);
		unsigned int n = dp != NULL ? dp_poll(dp) : 0;
		uint64_t t1 = rte_rdtsc();

		/* One TSC read per loop (~25 cycles): the same price testpmd's
		 * --record-core-cycles pays. */
		if (n != 0) {
			wk->busy_loops++;
			wk->busy_cycles += t1 - t0;
			wk->pkts += n;
		} else {
			wk->idle_cycles += t1 - t0;
		}
		t0 = t1;
		wk->loops++;
		rte_rcu_qsbr_quiescent(wk->qsv, wk->index);
	}

	rte_rcu_qsbr_thread_offline(wk->qsv, wk->index);
	rte_rcu_qsbr_thread_unregister(wk->qsv, wk->index);
	LOG(INFO, "worker %u stopped after %lu loops (%lu busy)", wk->index, wk->loops,
	    wk->busy_loops);
	return 0;
}
