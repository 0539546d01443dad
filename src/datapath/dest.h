/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_DATAPATH_DEST_H
#define VHOSTD_DATAPATH_DEST_H

/*
 * Per-destination buffering (datapath.c's forwarding loop, dest.c): each
 * guest and uplink on a worker has one TX buffer (struct dp_buf); frames
 * join it here and leave it in one burst per poll.  The inline helpers are
 * the per-frame part; what runs once per burst or only for frames with
 * offload requests is in dest.c.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>	/* RTE_ETH_TX_OFFLOAD_* (constants only) */
#include <rte_mbuf.h>

#include "datapath/offload.h"
#include "datapath/poll_list.h"
#include "vhostd/features.h"

/* Send g's buffer to its pair buf_q.  What the ring refuses waits in the
 * buffer for the next try while the guest keeps taking frames within
 * w->ring_wait; then it is dropped and counted (guest_ring_full). */
void dest_flush_guest(const struct dp_worker *w, struct dp_guest *g);

/* g's buffer flushed for frames to pair q (what still waits for another
 * pair is dropped: the buffer serves one pair at a time).  Returns the
 * room left in it: 0 while g's ring and its buffer are both full. */
uint16_t dest_guest_room(const struct dp_worker *w, struct dp_guest *g, uint16_t q);

/* Prepare (ops->prepare) and send u's buffer; what the device refuses is
 * dropped and counted (uplink_tx_full). */
void dest_flush_uplink(struct dp_uplink *u);

/* Run the device's tx_prepare over u's frames not prepared yet, on behalf
 * of u->from. */
void dest_uplink_prepare(struct dp_uplink *u);

/* A frame with offload flags for g or u: checked, then passed on or
 * finished in software (its TSO segments pushed one by one). */
void dest_guest_push_offload(struct dp_worker *w, struct dp_guest *g, const struct dp_src *src,
			     struct rte_mbuf *m, uint16_t q);
void dest_uplink_push_offload(struct dp_worker *w, struct dp_uplink *u, const struct dp_src *src,
			      struct rte_mbuf *m);

static inline uint64_t
bytes_of(struct rte_mbuf **pkts, uint16_t from, uint16_t to)
{
	uint64_t b = 0;

	for (uint16_t i = from; i < to; i++)
		b += pkts[i]->pkt_len;
	return b;
}

static inline void
drop(struct queue_stats *qs, enum drop_reason why, struct rte_mbuf *m)
{
	qs->drops[why]++;
	rte_pktmbuf_free(m);
}

/* virtio 1.2, 5.1.6.4: what a driver that negotiated these bits accepts. */
static inline bool
guest_accepts(const struct dp_guest *g, const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags;

	if ((f & RTE_MBUF_F_TX_L4_MASK) && !features_has(g->features, FEATURE_GUEST_CSUM))
		return false;
	if (f & RTE_MBUF_F_TX_TCP_SEG)
		return features_has(g->features, (f & RTE_MBUF_F_TX_IPV6) ? FEATURE_GUEST_TSO6 :
								    FEATURE_GUEST_TSO4);
	return !(f & RTE_MBUF_F_TX_UDP_SEG);
}

static inline bool
uplink_accepts(const struct dp_uplink *u, const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags, l4 = f & RTE_MBUF_F_TX_L4_MASK;

	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM && !(u->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
		return false;
	if (l4 == RTE_MBUF_F_TX_UDP_CKSUM && !(u->tx_offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM))
		return false;
	if ((f & RTE_MBUF_F_TX_IP_CKSUM) && !(u->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM))
		return false;
	if ((f & RTE_MBUF_F_TX_TCP_SEG) && !(u->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO))
		return false;
	return !(f & RTE_MBUF_F_TX_UDP_SEG);
}

/* g gets frames this poll: listed once, the end-of-poll flush visits only
 * the listed guests. */
static inline void
flush_later(struct dp_worker *w, struct dp_guest *g)
{
	if (!g->to_flush) {
		g->to_flush = true;
		w->to_flush[w->nb_to_flush++] = (uint16_t)(g - w->guests);
	}
}

static inline void
guest_push(struct dp_worker *w, struct dp_guest *g, struct rte_mbuf *m, uint16_t q)
{
	if (unlikely(g->buf.n == DP_BUF || (g->buf.n != 0 && g->buf_q != q)) &&
	    dest_guest_room(w, g, q) == 0) {
		drop(&g->stats->q[q], DROP_GUEST_RING_FULL, m);
		return;
	}
	flush_later(w, g);
	g->buf_q = q;
	g->buf.bytes += m->pkt_len;
	g->buf.pkts[g->buf.n++] = m;
}

/* Does m need more than a push to g: a TSO request (checked before it
 * joins g's burst), or offloads g did not negotiate?  One flag test for a
 * frame without offloads. */
static inline bool
guest_offload_work(const struct dp_guest *g, const struct rte_mbuf *m)
{
	return unlikely(offload_pending(m)) &&
	       ((m->ol_flags & OFFLOAD_SEG_FLAGS) || !guest_accepts(g, m));
}

static inline void
uplink_push(struct dp_uplink *u, struct rte_mbuf *m)
{
	if (unlikely(u->buf.n == DP_BUF))
		dest_flush_uplink(u);
	u->buf.bytes += m->pkt_len;
	u->buf.pkts[u->buf.n++] = m;
}

/* Does m need more than a push to u: a TSO request (checked before it
 * joins a burst other guests share: a refusal by the device's tx_prepare
 * would cost them), or offloads u cannot do?  One flag test for a frame
 * without offloads. */
static inline bool
uplink_offload_work(const struct dp_uplink *u, const struct rte_mbuf *m)
{
	return unlikely(offload_pending(m)) &&
	       ((m->ol_flags & OFFLOAD_SEG_FLAGS) || !uplink_accepts(u, m));
}

/* The frames u gets from here on come from src (a guest's TX pair): the
 * run before them is prepared first, on behalf of its own sender.  Once
 * per received burst, and only for uplinks with a prepare step. */
static inline void
uplink_from(struct dp_uplink *u, const struct dp_src *src)
{
	if (likely(u->ops->prepare == NULL) || u->from.qs == src->qs)
		return;
	if (u->prepared < u->buf.n)
		dest_uplink_prepare(u);
	u->from = *src;
}

#endif
