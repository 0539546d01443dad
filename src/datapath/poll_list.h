/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_POLL_LIST_H
#define VHOSTD_POLL_LIST_H

/*
 * What one worker polls and where it sends: built by the control side as a
 * whole, published to the worker with one pointer store, retired after an
 * RCU grace period (rte_rcu_qsbr).  The worker writes only its own TX
 * buffers, the poll_start flags and its own counter blocks.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_gso.h>
#include <rte_spinlock.h>

#include "datapath/meter.h"
#include "vhostd/fwd.h"
#include "vhostd/ratelimit.h"
#include "vhostd/port.h"
#include "vhostd/stats.h"

/* Packets per receive call.  32 is what librte_vhost and most PMDs are
 * tuned for (vhost's MAX_PKT_BURST is 32). */
#define DP_BURST 32
/* Per-destination buffer: two bursts, so that one poll of a busy queue never
 * forces a flush in the middle of classification. */
#define DP_BUF (2 * DP_BURST)

struct dp_buf {
	uint16_t n;
	uint64_t bytes;			/* of pkts[0..n), summed while the mbufs are hot */
	struct rte_mbuf *pkts[DP_BUF];
};

/* Where a frame came from: what it is blamed for (a bad offload request,
 * a frame the uplink refused) is counted and logged there. */
struct dp_src {
	struct queue_stats *qs;		/* the guest's TX pair, the uplink's RX queue */
	const char *kind;		/* "guest", "uplink" */
	const char *name;
	struct ratelimit *log;		/* its limiter (ratelimit.h) */
};

struct dp_guest {
	const struct vport_ops *ops;
	const char *name;		/* for logs (the config's) */
	struct ratelimit *log;		/* its misbehaviour's limiter */
	uint16_t id;			/* vid */
	bool ready;			/* connected, queues enabled */
	bool has_mac;
	bool mac_check;
	bool mac_owner;			/* false: shares its MAC and is not the owner */
	uint8_t mac[6];
	int *announce_req;		/* set on an announcement while !mac_owner */
	uint64_t features;		/* negotiated: what offloads it accepts */
	int wake_fd;			/* the main thread's eventfd */
	uint16_t nb_pairs;		/* served queue pairs */
	uint16_t buf_q;			/* pair the buffered frames go to */
	uint16_t uplink;		/* index in dp_worker.uplinks */
	struct port_stats *stats;	/* this worker's block */
	struct dp_capture *capture;	/* packet capture, or NULL (the usual case) */
	struct rte_mempool *pool;	/* dequeue into: the guest's own (guest.c) */
	struct dp_meters *meter;	/* rate limits, or NULL (the usual case) */
	bool to_flush;			/* in dp_worker.to_flush */
	/* Its RX ring was full: buf holds what it did not take, retried every
	 * loop (dest.c).  TSC of the last time it took any; 0: none held. */
	uint64_t held_since;
	/* Its ring took nothing at this loop's last try: no other try until
	 * the end-of-loop flush, so a guest that stopped reading costs its
	 * worker one enqueue attempt a loop, not one per frame sent to it. */
	bool stalled;
	/* Written by the main thread only: frames a retired list still held
	 * for this guest, counted when the list is freed (dp_worker_drop_held). */
	struct port_stats *stats_main;
	struct dp_buf buf;
};

/* A guest's rate limits on one worker, in the dp_worker block: a publish
 * starts them with full buckets.  tx: what the guest sends; rx: what it
 * receives. */
struct dp_meters {
	struct meter tx;
	struct meter rx;
};

/* A guest's packets copied for a capture file (capture.c drains the ring). */
struct dp_capture {
	struct rte_ring *ring;		/* multi-producer: every worker */
	struct rte_mempool *pool;	/* copies, made by rte_pcapng_copy */
	uint16_t port;			/* interface in the file: the uplink's */
	int64_t budget;			/* copies still wanted; < 0: no limit */
	uint64_t lost;			/* no copy or ring full (all workers) */
};

/* Copy one frame into the guest's capture (datapath.c). */
void dp_capture(struct dp_capture *c, const struct rte_mbuf *m, bool to_guest);

struct dp_uplink {
	const struct vport_ops *ops;
	const char *name;
	struct ratelimit *log;
	uint16_t id;			/* ethdev port */
	uint16_t txq;			/* this worker's TX queue */
	rte_spinlock_t *txlock;		/* only when workers share a TX queue */
	uint64_t tx_offloads;		/* RTE_ETH_TX_OFFLOAD_* the device does */
	bool rx_partial_csum;		/* look for unfinished checksums on RX */
	struct rte_mempool *pool;	/* for guest dequeue toward this uplink */
	const struct fwd_table *fwd;
	struct port_stats *stats;
	struct dp_buf buf;
	/* With ops->prepare: buf.pkts[prepared..n) came from `from` and are
	 * not prepared yet (datapath.c, uplink_from). */
	uint16_t prepared;
	struct dp_src from;
};

enum dp_rxq_kind {
	DP_RXQ_GUEST,			/* guest TX virtqueue -> uplink / guests */
	DP_RXQ_UPLINK,			/* uplink RX queue -> guests */
};

struct dp_rxq {
	uint8_t kind;
	bool started;			/* poll_start done */
	uint16_t obj;			/* index in guests[] or uplinks[] */
	uint16_t q;
	uint16_t n;			/* packets of this loop (dp_poll's use) */
	struct queue_load *load;	/* in the guest/uplink: outlives the list */
	int fd;				/* readable when the queue notifies (epoll):
					 * guest: our dup of the TX vring's kick
					 * eventfd (closed with the list); uplink:
					 * its RX interrupt fd; -1: none */
	/* Set at a guest queue's first poll of this list (datapath.c): */
	bool alone;			/* its guest alone on its uplink (guest_alone) */
	bool mac_check;			/* the source MAC checked: mac_key is the key */
	uint64_t mac_key;		/* fwd_mac_key() of the guest's MAC */
};

struct dp_worker {
	struct rte_gso_ctx *gso;	/* segmentation of TSO frames (the worker's) */
	uint64_t gen;			/* publish number: tells lists at one address apart */
	uint64_t idle_threshold;	/* TSC cycles idle before sleeping (NOTIFY_NEVER) */
	bool backoff;			/* a queue in rxq[] cannot notify (fd -1) */
	/* TSC cycles frames for a guest wait for room in its full RX ring
	 * ([daemon] guest-ring-wait-us); 0: dropped at once. */
	uint64_t ring_wait;
	unsigned int backoff_max_us;	/* its sleeps' cap ([daemon] idle-backoff-max-us) */
	unsigned int nb_rxq;
	unsigned int nb_guests;
	unsigned int nb_uplinks;
	struct dp_rxq *rxq;
	struct dp_guest *guests;
	struct dp_uplink *uplinks;
	/* Guests given frames since the last flush, each once (nb_guests
	 * entries): the flush visits these, not every guest.  A guest whose
	 * ring is full stays listed while its buffer waits (ring_wait). */
	unsigned int nb_to_flush;
	uint16_t *to_flush;
};

/* One poll of every queue in w, then flush every buffer.  Returns the number
 * of packets received (0: idle loop). */
unsigned int dp_poll(struct dp_worker *w);

/* The same, for a caller that keeps time: *tsc is the TSC at the start of
 * the poll; after a poll that received, it is the TSC at its end (one
 * read saved per loop: a read costs ~25-80 cycles, a frame ~150). */
unsigned int dp_poll_tsc(struct dp_worker *w, uint64_t *tsc);

/* One poll of the queues in w that cannot wake a sleeping worker (an
 * uplink without RX interrupts, a guest vring whose kicks are not on yet),
 * then flush: a back-off wake-up's poll, whose cost does not grow with
 * the guests that can. */
unsigned int dp_poll_quiet(struct dp_worker *w);

/* Free a list built by publish.c (closes its kick fds). */
void dp_worker_free(struct dp_worker *w);

/* Drop what w's guests' buffers still hold for their full rings, counted
 * as guest_ring_full: by the worker as it stops (its own blocks), or by
 * the main thread freeing a retired list (main_thread: the stats_main
 * blocks, which no worker writes). */
void dp_worker_drop_held(struct dp_worker *w, bool main_thread);

#endif
