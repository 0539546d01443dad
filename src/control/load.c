/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Load sampling, on the main thread.  Workers count busy cycles and
 * packets per receive queue (datapath.c, struct queue_load) and per
 * worker; every sample takes the difference since the last one (struct
 * queue_sample), which is what the rebalancer decides on (rebalance.c)
 * and what vhostctl shows as a queue's LOAD%.
 */
#include "control/vhostd.h"

static void
sample_queue(struct queue_sample *s, const struct queue_load *l)
{
	uint64_t cycles = __atomic_load_n(&l->busy_cycles, __ATOMIC_RELAXED);
	uint64_t pkts = __atomic_load_n(&l->pkts, __ATOMIC_RELAXED);

	s->last_cycles = cycles - s->seen_cycles;
	s->last_pkts = pkts - s->seen_pkts;
	s->seen_cycles = cycles;
	s->seen_pkts = pkts;
}

void
load_sample(struct vhostd *d, uint64_t now)
{
	d->balance.interval = d->balance.tsc != 0 ? now - d->balance.tsc : 0;
	d->balance.tsc = now;
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		uint64_t busy = __atomic_load_n(&d->workers[w].busy_cycles, __ATOMIC_RELAXED);

		d->balance.busy_last[w] = busy - d->balance.busy_seen[w];
		d->balance.busy_seen[w] = busy;
	}
	/* Every slot: a queue no longer served shows no load, not its last. */
	PLACE_FOREACH(it, d, PLACE_SLOTS)
		sample_queue(&it.ref.p->sample, &it.ref.p->load);
}

double
load_pct(uint64_t part, uint64_t whole)
{
	return whole != 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

double
load_interval_pct(const struct vhostd *d, uint64_t cycles)
{
	return load_pct(cycles, d->balance.interval);
}

double
load_worker_pct(const struct worker *wk)
{
	return load_pct(wk->busy_cycles, wk->busy_cycles + wk->idle_cycles + wk->sleep_cycles);
}
