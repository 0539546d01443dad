/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue placement and rebalancing decisions (pure: see vhostd/placement.h).
 */
#include "vhostd/placement.h"

unsigned int
placement_pick(const unsigned int *load, unsigned int nb_workers)
{
	unsigned int best = 0;

	for (unsigned int w = 1; w < nb_workers; w++)
		if (load[w] < load[best])
			best = w;
	return best;
}

static bool
node_has_worker(const struct placement_topo *t, int node)
{
	for (unsigned int w = 0; w < t->nb_workers; w++)
		if (t->node[w] == node)
			return true;
	return false;
}

/* May a queue of this node be polled by worker w?  Only by its own node's
 * workers, unless the node has none (or is unknown). */
static bool
eligible(const struct placement_topo *t, int node, unsigned int w)
{
	return node < 0 || t->node[w] == node || !node_has_worker(t, node);
}

unsigned int
placement_pick_node(const struct placement_topo *t, const unsigned int *load, int node,
		    bool *cross)
{
	unsigned int best = PLACEMENT_NONE;

	*cross = node >= 0 && !node_has_worker(t, node);
	for (unsigned int w = 0; w < t->nb_workers; w++)
		if (eligible(t, node, w) && (best == PLACEMENT_NONE || load[w] < load[best]))
			best = w;
	return best == PLACEMENT_NONE ? 0 : best;
}

void
placement_assign(const struct placement_topo *t, struct placement_queue *q, unsigned int nb)
{
	unsigned int count[VHOSTD_MAX_WORKERS] = { 0 };
	bool cross;

	for (unsigned int i = 0; i < nb; i++) {
		if (q[i].pin != PLACEMENT_NONE && q[i].pin < t->nb_workers)
			q[i].worker = q[i].pin;
		if (q[i].worker >= t->nb_workers)
			q[i].worker = PLACEMENT_NONE;	/* a worker that is gone */
		if (q[i].worker != PLACEMENT_NONE)
			count[q[i].worker]++;
	}
	for (unsigned int i = 0; i < nb; i++) {
		if (q[i].worker == PLACEMENT_NONE) {
			q[i].worker = (uint16_t)placement_pick_node(t, count, q[i].node, &cross);
			count[q[i].worker]++;
		}
		q[i].cross = q[i].node >= 0 && t->node[q[i].worker] != q[i].node;
	}
}

static unsigned int
busiest(const uint64_t *load, unsigned int nb_workers)
{
	unsigned int hi = 0;

	for (unsigned int w = 1; w < nb_workers; w++)
		if (load[w] > load[hi])
			hi = w;
	return hi;
}

unsigned int
placement_rebalance(const struct placement_topo *t, const uint64_t *busy, uint64_t interval,
		    const struct placement_queue *q, unsigned int nb, unsigned int margin_pct,
		    struct placement_move *moves, unsigned int max)
{
	uint64_t load[VHOSTD_MAX_WORKERS] = { 0 };
	uint16_t where[PLACEMENT_MAX_QUEUES];
	uint64_t old_peak, new_peak;
	bool overloaded = false;
	unsigned int n = 0;

	if (t->nb_workers < 2 || nb > PLACEMENT_MAX_QUEUES || interval == 0)
		return 0;
	for (unsigned int w = 0; w < t->nb_workers; w++)
		overloaded |= busy[w] * 100 > interval * PLACEMENT_OVERLOAD_PCT;
	if (!overloaded)
		return 0;
	for (unsigned int i = 0; i < nb; i++) {
		where[i] = q[i].worker;
		if (where[i] < t->nb_workers)
			load[where[i]] += q[i].load;
	}
	old_peak = load[busiest(load, t->nb_workers)];

	/* Greedy steps on a copy; at most max of them, so at most max moves. */
	for (unsigned int step = 0; step < max; step++) {
		unsigned int hi = busiest(load, t->nb_workers);
		unsigned int best_q = PLACEMENT_NONE, best_w = 0;
		uint64_t best_peak = load[hi];

		for (unsigned int i = 0; i < nb; i++) {
			if (where[i] != hi || q[i].pin != PLACEMENT_NONE || q[i].load == 0)
				continue;
			for (unsigned int w = 0; w < t->nb_workers; w++) {
				uint64_t peak;

				if (w == hi || !eligible(t, q[i].node, w))
					continue;
				peak = load[hi] - q[i].load;
				if (load[w] + q[i].load > peak)
					peak = load[w] + q[i].load;
				if (peak < best_peak) {
					best_peak = peak;
					best_q = i;
					best_w = w;
				}
			}
		}
		if (best_q == PLACEMENT_NONE)
			break;		/* no move lowers the peak: a fixed point */
		load[hi] -= q[best_q].load;
		load[best_w] += q[best_q].load;
		where[best_q] = (uint16_t)best_w;
	}
	new_peak = load[busiest(load, t->nb_workers)];
	/* Hysteresis: a small gain is not worth a grace period and the risk of
	 * reordering, and would let noise move queues back and forth. */
	if (old_peak == 0 || (old_peak - new_peak) * 100 <= old_peak * margin_pct)
		return 0;
	for (unsigned int i = 0; i < nb && n < max; i++)
		if (where[i] != q[i].worker)
			moves[n++] = (struct placement_move){ .queue = i, .from = q[i].worker,
							      .to = where[i] };
	return n;
}
