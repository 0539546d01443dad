/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_STATS_H
#define VHOSTD_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "limits.h"

/*
 * Counters.  Every worker writes its own cache-aligned block per guest and
 * per uplink; readers sum the blocks.  Directions are named from the
 * object's side: a guest's "rx" is what the guest received (we enqueued),
 * its "tx" what it sent (we dequeued); an uplink's "rx" came in from the wire.
 */

enum drop_reason {
	DROP_GUEST_RING_FULL,	/* guest RX ring had no room */
	DROP_UPLINK_TX_FULL,	/* uplink TX queue had no room */
	DROP_NO_MBUF,		/* no mbufs (uplink: counted by the driver) */
	DROP_UNKNOWN_DST,	/* unicast to a MAC no guest owns */
	DROP_SPOOFED,		/* guest frame with a source MAC not its own */
	DROP_NOT_READY,		/* destination guest not connected / queues off */
	DROP_RUNT,		/* shorter than an Ethernet header */
	DROP_BAD_OFFLOAD,	/* a guest's checksum/TSO request we could not finish */
	DROP_RATE_LIMITED,	/* over the guest's tx-rate/tx-pps or rx-rate/rx-pps */
	DROP_MAX,
};

extern const char *const drop_reason_names[DROP_MAX];

struct queue_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t drops[DROP_MAX];
};

struct port_stats {
	struct queue_stats q[VHOSTD_MAX_QUEUES];
} __attribute__((aligned(64)));

/*
 * One receive queue's work (a guest's TX vring, an uplink's RX queue),
 * written only by the worker polling it, which is one worker at a time
 * (dataplane.c): so the counters follow a queue moved by the rebalancer.
 * busy_cycles: in loops where the queue's poll returned packets, the TSC
 * cycles since the previous queue that did (or the loop's start) to the
 * end of its poll, plus a share of the loop's final flush in proportion
 * to its packets.  The queues' shares add up to the busy loop's time.  A cache line per queue: two workers polling
 * two queues of one guest never share one.
 */
struct queue_load {
	uint64_t busy_cycles;
	uint64_t pkts;
} __attribute__((aligned(64)));

/* Sum nb blocks into out. */
void stats_sum(const struct port_stats *blocks, unsigned int nb, struct port_stats *out);

/* a -= b, counter by counter. */
void stats_sub(struct port_stats *a, const struct port_stats *b);

/* Totals over queues. */
void stats_total(const struct port_stats *s, unsigned int nb_queues, struct queue_stats *out);

/*
 * One line per queue and a total line, "key=value" so that both people and
 * scripts read it:
 *   guest vm1 q0 rx_pkts=.. rx_bytes=.. tx_pkts=.. tx_bytes=.. drop_guest_ring_full=..
 */
void stats_print(FILE *f, const char *kind, const char *name,
		 const struct port_stats *s, unsigned int nb_queues);

#endif
