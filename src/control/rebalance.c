/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-queue load and rebalancing, on the main thread.
 *
 * Workers count busy cycles and packets per receive queue (datapath.c,
 * struct queue_load).  Every [daemon] rebalance-interval seconds this file
 * takes the difference since the last look (struct queue_meter: what
 * vhostctl shows as a queue's load) and asks placement_rebalance() whether
 * moving queues off an overloaded worker would lighten it by more than
 * rebalance-margin percent.  If so it reassigns them and publishes; the
 * publish hands each moved queue over with a grace period in between
 * (publish.c), then one interval is skipped so that the next decision
 * sees loads measured on the new placement.  With rebalance-interval = 0
 * loads are still measured (every 10 s) but nothing moves.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "control/vhostd.h"
#include "vhostd/placement.h"

#define MEASURE_ONLY_S 10	/* interval when rebalancing is off */
#define MAX_MOVES 8		/* per decision: one grace period each */

static void
meter_update(struct queue_meter *m, const struct queue_load *l)
{
	uint64_t cycles = __atomic_load_n(&l->busy_cycles, __ATOMIC_RELAXED);
	uint64_t pkts = __atomic_load_n(&l->pkts, __ATOMIC_RELAXED);

	m->last_cycles = cycles - m->seen_cycles;
	m->last_pkts = pkts - m->seen_pkts;
	m->seen_cycles = cycles;
	m->seen_pkts = pkts;
}

static void
measure(struct vhostd *d, uint64_t now)
{
	d->balance.interval = d->balance.tsc != 0 ? now - d->balance.tsc : 0;
	d->balance.tsc = now;
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		uint64_t busy = __atomic_load_n(&d->workers[w].busy_cycles, __ATOMIC_RELAXED);

		d->balance.busy_last[w] = busy - d->balance.busy_seen[w];
		d->balance.busy_seen[w] = busy;
	}
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		for (unsigned int q = 0; q < VHOSTD_MAX_QUEUES; q++)
			meter_update(&d->uplinks[i].rxq_meter[q], &d->uplinks[i].rxq_load[q]);
	for (unsigned int i = 0; i < d->nb_guests; i++)
		for (unsigned int q = 0; d->guests[i].in_use && q < VHOSTD_MAX_QUEUES; q++)
			meter_update(&d->guests[i].txq_meter[q], &d->guests[i].txq_load[q]);
}

double
rebalance_pct(const struct vhostd *d, uint64_t cycles)
{
	return d->balance.interval != 0 ? 100.0 * (double)cycles / (double)d->balance.interval : 0.0;
}

struct qref {
	uint16_t *worker;
	const char *kind;
	const char *name;
	unsigned int q;
};

/* Every placed queue, with its last interval's load. */
static unsigned int
collect(struct vhostd *d, struct placement_queue *pq, struct qref *ref)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nb_uplinks; i++) {
		struct uplink *u = &d->uplinks[i];

		for (unsigned int q = 0; q < u->nb_rxq; q++) {
			if (u->rxq_worker[q] == NO_WORKER)
				continue;
			pq[n] = (struct placement_queue){ .worker = u->rxq_worker[q],
				.pin = (u->cfg.affinity.mask >> q) & 1 ? u->rxq_worker[q] : PLACEMENT_NONE,
				.node = u->socket, .load = u->rxq_meter[q].last_cycles };
			ref[n++] = (struct qref){ &u->rxq_worker[q], "uplink", u->cfg.name, q };
		}
	}
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];

		for (unsigned int q = 0; g->in_use && q < g->nb_pairs; q++) {
			if (g->txq_worker[q] == NO_WORKER)
				continue;
			pq[n] = (struct placement_queue){ .worker = g->txq_worker[q],
				.pin = (g->cfg.affinity.mask >> q) & 1 ? g->txq_worker[q] : PLACEMENT_NONE,
				.node = g->numa, .load = g->txq_meter[q].last_cycles };
			ref[n++] = (struct qref){ &g->txq_worker[q], "guest", g->cfg.name, q };
		}
	}
	return n;
}

static void
rebalance(struct vhostd *d)
{
	static struct placement_queue pq[PLACEMENT_MAX_QUEUES];	/* main thread only */
	static struct qref ref[PLACEMENT_MAX_QUEUES];
	struct placement_move moves[MAX_MOVES];
	struct placement_topo t;
	unsigned int n, nb;
	int ret;

	t.nb_workers = d->nb_workers;
	for (unsigned int w = 0; w < d->nb_workers; w++)
		t.node[w] = (int)rte_lcore_to_socket_id(d->workers[w].lcore);
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
		    rebalance_pct(d, d->balance.busy_last[m->from]), m->to, d->workers[m->to].lcore,
		    rebalance_pct(d, d->balance.busy_last[m->to]), rebalance_pct(d, pq[m->queue].load));
		*ref[m->queue].worker = m->to;
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
		every = MEASURE_ONLY_S;
	if (d->balance.tsc != 0 && now - d->balance.tsc < every * rte_get_tsc_hz())
		return;
	pthread_mutex_lock(&d->lock);
	measure(d, now);
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
