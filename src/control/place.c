/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one walk over the daemon's receive queues: placement (publish.c),
 * rebalancing (rebalance.c), load sampling (load.c) and the views
 * (vhostctl workers) see the queues in the same order, through the same
 * record (struct queue_place).
 */
#include <rte_lcore.h>

#include "control/vhostd.h"

struct place_iter
place_iter_init(struct vhostd *d, unsigned int flags)
{
	return (struct place_iter){ .d = d, .flags = flags };
}

static bool
next_uplink(struct place_iter *it)
{
	struct vhostd *d = it->d;

	while (it->obj < d->nb_uplinks) {
		struct uplink *u = &d->uplinks[it->obj];

		if (it->q >= u->nb_rxq) {
			it->obj++;
			it->q = 0;
			continue;
		}
		it->ref = (struct place_ref){ .p = &u->place[it->q], .u = u, .kind = "uplink",
			.name = u->cfg.name, .affinity = &u->cfg.affinity, .node = u->socket,
			.obj = (uint16_t)it->obj, .q = (uint16_t)it->q, .served = true };
		it->q++;
		return true;
	}
	return false;
}

static bool
next_guest(struct place_iter *it)
{
	struct vhostd *d = it->d;

	while (it->obj < d->nb_guests) {
		struct guest *g = &d->guests[it->obj];
		unsigned int served = g->in_use ? g->nb_pairs : 0;
		unsigned int end = it->flags & PLACE_SLOTS ? VHOSTD_MAX_QUEUES : served;

		if (it->q >= end) {
			it->obj++;
			it->q = 0;
			continue;
		}
		it->ref = (struct place_ref){ .p = &g->place[it->q], .g = g, .kind = "guest",
			.name = g->cfg.name, .affinity = &g->cfg.affinity, .node = g->numa,
			.obj = (uint16_t)it->obj, .q = (uint16_t)it->q, .served = it->q < served };
		it->q++;
		return true;
	}
	return false;
}

bool
place_next(struct place_iter *it)
{
	if (!it->guests) {
		if (next_uplink(it))
			return true;
		it->guests = true;
		it->obj = 0;
		it->q = 0;
	}
	return next_guest(it);
}

void
place_topology(const struct vhostd *d, struct placement_topo *t)
{
	t->nb_workers = d->nb_workers;
	for (unsigned int w = 0; w < d->nb_workers; w++)
		t->node[w] = (int)rte_lcore_to_socket_id(d->workers[w].lcore);
}
