/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PLACEMENT_H
#define VHOSTD_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "stats.h"

/*
 * Which worker polls which receive queue.  Pure functions over a topology
 * (the NUMA node of each worker) and a list of queues, so they are
 * unit-tested without threads or DPDK.  dataplane.c applies the result and
 * publishes it; rebalance.c feeds the loads load.c sampled to placement_rebalance().
 */

#define PLACEMENT_NONE UINT16_MAX	/* no worker (not placed, not pinned) */

/* A worker busier than this over an interval is overloaded: the only
 * trigger for moving queues.  95 % is OVS's pmd-auto-lb-load-threshold. */
#define PLACEMENT_OVERLOAD_PCT 95

/* Every queue the daemon can have: uplink RX queues and guest TX vrings. */
#define PLACEMENT_MAX_QUEUES ((VHOSTD_MAX_UPLINKS + VHOSTD_MAX_GUESTS) * VHOSTD_MAX_QUEUES)

struct placement_topo {
	unsigned int nb_workers;
	int node[VHOSTD_MAX_WORKERS];	/* NUMA node of each worker */
};

struct placement_queue {
	uint16_t worker;	/* current worker, or PLACEMENT_NONE */
	uint16_t pin;		/* queue-affinity: its worker, or PLACEMENT_NONE */
	int node;		/* NUMA node of the memory it touches; -1 unknown */
	uint64_t load;		/* busy cycles over the last interval */
	bool cross;		/* out (assign): polled from another node */
};

struct placement_move {
	unsigned int queue;	/* index in the queue array */
	uint16_t from;
	uint16_t to;
};

/* The least loaded worker (lowest index on ties). */
unsigned int placement_pick(const unsigned int *load, unsigned int nb_workers);

/*
 * The least loaded worker on NUMA node `node` (lowest index on ties).  When
 * no worker is on that node (or node is -1), the least loaded of all; then
 * *cross is set if node >= 0: the queue will be polled across nodes.
 */
unsigned int placement_pick_node(const struct placement_topo *t, const unsigned int *load,
				 int node, bool *cross);

/*
 * Initial placement.  A pinned queue goes to its pin; a placed queue stays
 * where it is (moving costs a grace period, and only the rebalancer does
 * it); an unplaced one goes to the worker with the fewest queues on its
 * node (placement_pick_node), in array order.  Sets every queue's cross
 * flag: true when it is polled by a worker on another node than its own.
 */
void placement_assign(const struct placement_topo *t, struct placement_queue *q,
		      unsigned int nb);

/*
 * Rebalancing: given each worker's busy cycles over an interval of
 * `interval` cycles and each queue's load over the same interval, propose
 * moves.  Nothing moves unless a worker is overloaded
 * (PLACEMENT_OVERLOAD_PCT).  Then, repeatedly, one unpinned queue leaves
 * the busiest worker for a worker of its own node (any worker when its node
 * has none) if that lowers the higher of the two loads; this ends, since
 * every step lowers the sorted load vector.  The moves are kept only when
 * the busiest worker's load drops by more than margin_pct percent: the
 * hysteresis.  A placement the function produced is a fixed point (no move
 * lowers the peak), so with loads that change by less than the margin it
 * proposes nothing: queues never move back and forth.
 * Returns the number of moves written (at most max; 0: keep everything).
 * q is not changed.
 */
unsigned int placement_rebalance(const struct placement_topo *t, const uint64_t *busy,
				 uint64_t interval, const struct placement_queue *q,
				 unsigned int nb, unsigned int margin_pct,
				 struct placement_move *moves, unsigned int max);

/*
 * Where one receive queue of the daemon (a guest's TX vring, an uplink's RX
 * queue) is polled and what polling it costs: one record per queue, held
 * by its guest or uplink (the control side's walk over them: control/place.h).
 */
#define NO_WORKER UINT16_MAX

/* The main thread's sample of a queue's load (load.c): the worker's
 * counters at the last sample, and what the interval before it added. */
struct queue_sample {
	uint64_t seen_cycles;
	uint64_t seen_pkts;
	uint64_t last_cycles;
	uint64_t last_pkts;
};

/* One receive queue.  worker, polled_by and sample are the main thread's
 * (under d->lock); load is written by the worker polling the queue and
 * sits in a cache line of its own (struct queue_load). */
struct queue_place {
	uint16_t worker;		/* assigned (placement), NO_WORKER: none */
	uint16_t polled_by;		/* the worker whose published list has it */
	struct queue_sample sample;
	struct queue_load load;
};

/* Fresh records: on no worker. */
static inline void
place_reset(struct queue_place *p, unsigned int nb)
{
	for (unsigned int q = 0; q < nb; q++)
		p[q].worker = p[q].polled_by = NO_WORKER;
}

#endif
