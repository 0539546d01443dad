/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rebalancing, on the main thread.
 *
 * Every [daemon] rebalance-interval seconds the load of each queue is
 * sampled (load.c: what the workers counted since the last sample) and
 * placement_rebalance() is asked whether moving queues off an overloaded
 * worker would lighten it by more than rebalance-margin percent.  If so
 * this file reassigns them and publishes; the publish hands each moved
 * queue over with a grace period in between (publish.c), then one
 * interval is skipped so that the next decision sees loads sampled on the
 * new placement.  With rebalance-interval = 0 loads are still sampled
 * (every 10 s) but nothing moves.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "control/vhostd.h"
#include "vhostd/placement.h"

#define SAMPLE_ONLY_S 10	/* interval when rebalancing is off */
#define MAX_MOVES 8		/* per decision: one grace period each */

/* Every placed queue, with its last interval's load. */
static unsigned int
collect(struct vhostd *d, struct placement_queue *pq, struct place_ref *ref)
{
	unsigned int n = 0;

	PLACE_FOREACH(it, d, 0) {
		const struct queue_place *p = it.ref.p;

		if (p->worker == NO_WORKER)
			continue;
		pq[n] = (struct placement_queue){ .worker = p->worker,
			.pin = (it.ref.affinity->mask >> it.ref.q) & 1 ? p->worker : PLACEMENT_NONE,
			.node = it.ref.node, .load = p->sample.last_cycles };
		ref[n++] = it.ref;
	}
	return n;
}

static void
rebalance(struct vhostd *d)
{
	static struct placement_queue pq[PLACEMENT_MAX_QUEUES];	/* main thread only */
	static struct place_ref ref[PLACEMENT_MAX_QUEUES];
	struct placement_move moves[MAX_MOVES];
	struct placement_topo t;
	unsigned int n, nb;
	int ret;

	place_topology(d, &t);
	nb = collect(d, pq, ref);
	n = placement_rebalance(&t, d->balance.busy_last, d->balance.interval, pq, nb,
				d->cfg.daemon.rebalance_margin, moves, MAX_MOVES);
	if (n == 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		const struct placement_move *m = &moves[i];

		LOG(INFO, "rebalance: %s %s queue %u: worker %u (lcore %u, %.1f %% busy) -> worker "
		    "%u (lcore %u, %.1f %% busy), %.1f %% of a worker", ref[m->queue].kind,
		    ref[m->queue].name, ref[m->queue].q, m->from, d->workers[m->from].lcore,
		    load_interval_pct(d, d->balance.busy_last[m->from]), m->to,
		    d->workers[m->to].lcore, load_interval_pct(d, d->balance.busy_last[m->to]),
		    load_interval_pct(d, pq[m->queue].load));
		ref[m->queue].p->worker = m->to;
	}
	ret = publish_workers(d);
	if (ret != 0) {
		LOG(ERR, "rebalance: cannot publish poll lists: %s", strerror(-ret));
		return;
	}
	d->balance.rebalances++;
	d->balance.moves += n;
	d->balance.settle = true;
}

void
rebalance_tick(struct vhostd *d)
{
	unsigned int every = d->cfg.daemon.rebalance_interval;
	uint64_t now = rte_rdtsc();

	if (every == 0)
		every = SAMPLE_ONLY_S;
	if (d->balance.tsc != 0 && now - d->balance.tsc < every * rte_get_tsc_hz())
		return;
	pthread_mutex_lock(&d->lock);
	load_sample(d, now);
	/* The first look only starts an interval; after a move, the interval
	 * mixed two placements. */
	if (d->balance.interval != 0 && d->cfg.daemon.rebalance_interval != 0) {
		if (d->balance.settle)
			d->balance.settle = false;
		else
			rebalance(d);
	}
	pthread_mutex_unlock(&d->lock);
}
