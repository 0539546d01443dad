/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PLACE_H
#define VHOSTD_PLACE_H

/*
 * Where the daemon's receive queues (a guest's TX vrings, an uplink's RX
 * queues) are polled and what polling them costs: one record per queue,
 * held by the guest or uplink, and one walk over all of them.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vhostd/config.h"
#include "vhostd/placement.h"
#include "vhostd/stats.h"

struct vhostd;
struct guest;
struct uplink;
struct worker;

/* A placed queue as place_next() hands it out. */
struct place_ref {
	struct queue_place *p;
	struct guest *g;		/* a guest's TX vring, or NULL */
	struct uplink *u;		/* an uplink's RX queue, or NULL */
	const char *kind;		/* "guest", "uplink": for messages */
	const char *name;
	const struct config_affinity *affinity;	/* its pins */
	int node;			/* NUMA node of its memory, -1: unknown */
	uint16_t obj;			/* index in d->guests or d->uplinks */
	uint16_t q;
	bool served;			/* polled when placed (see PLACE_SLOTS) */
};

/* place.c: every receive queue of the daemon, uplinks first (by index),
 * then guests: the order placement_assign() sees them in, so the same
 * state always places the same way.  By default the uplinks' RX queues
 * and the pairs the guests serve; with PLACE_SLOTS also every other
 * queue slot of every guest slot (served false), to release them. */
#define PLACE_SLOTS 1u

struct place_iter {
	struct vhostd *d;
	unsigned int flags;
	bool guests;			/* past the uplinks */
	unsigned int obj;
	unsigned int q;
	struct place_ref ref;		/* the current queue */
};

struct place_iter place_iter_init(struct vhostd *d, unsigned int flags);
bool place_next(struct place_iter *it);
/* The workers and their NUMA nodes, as placement.c sees them. */
void place_topology(const struct vhostd *d, struct placement_topo *t);
/* Caller holds d->lock. */
#define PLACE_FOREACH(it, d, flags) \
	for (struct place_iter it = place_iter_init((d), (flags)); place_next(&it);)
/* load.c: the load sampling that the rebalancer decides on and vhostctl
 * shows as LOAD%.  Main thread, d->lock held. */
void load_sample(struct vhostd *d, uint64_t now);
/* part as a percentage of whole (0 when whole is 0): every busy % the
 * daemon shows is this one. */
double load_pct(uint64_t part, uint64_t whole);
/* Busy cycles of the last sampled interval as a percentage of one worker. */
double load_interval_pct(const struct vhostd *d, uint64_t cycles);
/* A worker's busy share of all its time since start (busy, idle, asleep). */
double load_worker_pct(const struct worker *wk);

#endif
