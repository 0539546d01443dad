/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The destinations' side of the forwarding loop (dest.h): a guest's or an
 * uplink's TX buffer flushed, offload requests checked and finished for a
 * destination that cannot take them as they are, the uplink's tx_prepare
 * run per sender.  Plain C against struct vport_ops.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>	/* RTE_ETH_TX_OFFLOAD_* (constants only) */
#include <rte_mbuf.h>

#include "datapath/dest.h"

/* What g's buffer holds, dropped and counted on qs (guest_ring_full). */
static void
drop_held(struct dp_guest *g, struct queue_stats *qs)
{
	struct dp_buf *b = &g->buf;

	qs->drops[DROP_GUEST_RING_FULL] += b->n;
	rte_pktmbuf_free_bulk(b->pkts, b->n);
	b->n = 0;
	b->bytes = 0;
	g->held_since = 0;
	g->stalled = false;
}

/*
 * g's ring took `sent` of its buffer's frames.  The rest wait at the
 * front of the buffer for the next loop's try: a driver is often only a
 * moment late in emptying its ring (its vCPU preempted, a host tick), and
 * a frame dropped there is lost for good.  They wait while g takes
 * something at least every w->ring_wait cycles, then go as
 * guest_ring_full: a guest that stopped reading costs its worker one
 * failed enqueue a loop for ring_wait, and never holds more than its
 * buffer (DP_BUF mbufs, which the pools are sized for) nor delays another
 * guest's frames (each guest has its own buffer).
 */
static void __rte_noinline
guest_ring_full(const struct dp_worker *w, struct dp_guest *g, uint16_t sent)
{
	struct dp_buf *b = &g->buf;
	struct queue_stats *qs = &g->stats->q[g->buf_q];
	uint64_t left = bytes_of(b->pkts, sent, b->n), now;

	qs->rx_pkts += sent;
	qs->rx_bytes += b->bytes - left;
	b->n = (uint16_t)(b->n - sent);
	b->bytes = left;
	memmove(b->pkts, &b->pkts[sent], b->n * sizeof(b->pkts[0]));
	if (w->ring_wait == 0) {
		drop_held(g, qs);
		return;
	}
	now = rte_rdtsc();
	g->stalled = sent == 0;
	if (sent != 0 || g->held_since == 0)
		g->held_since = now;
	else if (now - g->held_since > w->ring_wait)
		drop_held(g, qs);
}

void
dest_flush_guest(const struct dp_worker *w, struct dp_guest *g)
{
	struct dp_buf *b = &g->buf;
	struct queue_stats *qs = &g->stats->q[g->buf_q];
	uint16_t sent;

	sent = g->ops->tx(g->id, g->buf_q, b->pkts, b->n);
	if (unlikely(sent < b->n)) {
		guest_ring_full(w, g, sent);
		return;
	}
	qs->rx_pkts += sent;
	qs->rx_bytes += b->bytes;
	b->n = 0;
	b->bytes = 0;
	g->held_since = 0;
	g->stalled = false;
}

uint16_t
dest_guest_room(const struct dp_worker *w, struct dp_guest *g, uint16_t q)
{
	struct dp_buf *b = &g->buf;

	if (b->n != 0) {
		if (!g->stalled || g->buf_q != q)
			dest_flush_guest(w, g);
		if (b->n != 0 && g->buf_q != q)
			drop_held(g, &g->stats->q[g->buf_q]);
	}
	g->buf_q = q;
	return (uint16_t)(DP_BUF - b->n);
}

void
dp_worker_drop_held(struct dp_worker *w, bool main_thread)
{
	for (unsigned int i = 0; i < w->nb_guests; i++) {
		struct dp_guest *g = &w->guests[i];

		if (g->buf.n != 0)
			drop_held(g, &(main_thread ? g->stats_main : g->stats)->q[g->buf_q]);
		g->to_flush = false;
	}
	w->nb_to_flush = 0;
}

/*
 * What a source is blamed for: counted on it as drop_bad_offload and
 * logged rate-limited (ratelimit.h), never a line per frame.
 */
static void __rte_noinline
drop_bad_offload(const struct dp_src *src, struct rte_mbuf *m, const char *why)
{
	src->qs->drops[DROP_BAD_OFFLOAD]++;
	if (src->log != NULL)
		ratelimit_log(src->log, RTE_LOG_WARNING, "%s %s: frame dropped (drop_bad_offload): "
			      "%s; %u bytes in %u mbufs, offload flags 0x%" PRIx64 ", headers "
			      "%u+%u+%u, tso_segsz %u", src->kind, src->name, why, m->pkt_len,
			      m->nb_segs, (uint64_t)(m->ol_flags & OFFLOAD_FLAGS), m->l2_len, m->l3_len,
			      m->l4_len, m->tso_segsz);
	rte_pktmbuf_free(m);
}

/*
 * rte_eth_tx_prepare stops at the first frame it refuses; sending only
 * what came before it would drop the rest of the burst as uplink_tx_full,
 * other guests' frames among them.  So each sender's run of frames is
 * prepared on its own (uplink_from), a refused frame is dropped and
 * counted on its sender, and preparing goes on after it.
 */
void
dest_uplink_prepare(struct dp_uplink *u)
{
	struct dp_buf *b = &u->buf;
	uint16_t i = u->prepared, kept = u->prepared;

	while (i < b->n) {
		uint16_t ok = u->ops->prepare(u->id, u->txq, &b->pkts[i], (uint16_t)(b->n - i));

		if (kept != i)
			memmove(&b->pkts[kept], &b->pkts[i], ok * sizeof(b->pkts[0]));
		kept = (uint16_t)(kept + ok);
		i = (uint16_t)(i + ok);
		if (i < b->n) {
			b->bytes -= b->pkts[i]->pkt_len;
			drop_bad_offload(&u->from, b->pkts[i],
					 "the uplink's driver refused it (tx_prepare)");
			i++;
		}
	}
	b->n = kept;
	u->prepared = kept;
}

/* The frames from sent on that the uplink's driver did not take: dropped
 * and counted as uplink_tx_full, out of the buffer. */
static void __rte_noinline
uplink_tx_full(struct dp_uplink *u, uint16_t sent)
{
	struct dp_buf *b = &u->buf;

	b->bytes -= bytes_of(b->pkts, sent, b->n);
	u->stats->q[u->txq].drops[DROP_UPLINK_TX_FULL] += b->n - sent;
	rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	b->n = sent;
}

/* After the driver took sent of the buffer's frames: counted, the buffer
 * emptied. */
static inline void
uplink_sent(struct dp_uplink *u, uint16_t sent)
{
	struct dp_buf *b = &u->buf;
	struct queue_stats *qs;

	if (unlikely(sent < b->n))
		uplink_tx_full(u, sent);
	qs = &u->stats->q[u->txq];
	qs->tx_pkts += sent;
	qs->tx_bytes += b->bytes;
	b->n = 0;
	b->bytes = 0;
}

/* An uplink whose driver prepares frames (tx_prepare) or whose TX queue
 * other workers share (txlock). */
static void __rte_noinline
flush_uplink_guarded(struct dp_uplink *u)
{
	struct dp_buf *b = &u->buf;
	uint16_t sent;

	if (u->ops->prepare != NULL) {
		dest_uplink_prepare(u);
		u->prepared = 0;
	}
	if (u->txlock != NULL)
		rte_spinlock_lock(u->txlock);
	sent = u->ops->tx(u->id, u->txq, b->pkts, b->n);
	if (u->txlock != NULL)
		rte_spinlock_unlock(u->txlock);
	uplink_sent(u, sent);
}

/* Once per poll and uplink: the usual uplink (a queue of its own, no
 * tx_prepare) goes straight to the driver, with few registers to save. */
void
dest_flush_uplink(struct dp_uplink *u)
{
	if (unlikely(u->ops->prepare != NULL || u->txlock != NULL)) {
		flush_uplink_guarded(u);
		return;
	}
	uplink_sent(u, u->ops->tx(u->id, u->txq, u->buf.pkts, u->buf.n));
}

/*
 * A frame with offload flags for a destination (dst: its queue's counters)
 * that takes them as they are or not: its TSO request is checked first
 * (offload_valid), then it is passed on, or finished in software.  Into
 * out[] go the frames to send (m itself, or its TSO segments).  Returns
 * how many, 0 if m was dropped: a bad request or offloads that cannot be
 * finished (counted on the source), no mbuf for a copy (on dst).  A frame
 * other destinations still hold is copied first: they keep what they
 * accept.
 */
static uint16_t
finish_offloads(struct dp_worker *w, const struct dp_src *src, struct queue_stats *dst,
		bool takes, struct rte_mbuf *m, struct rte_mbuf **out, uint16_t max)
{
	int n;

	if (!offload_valid(m)) {
		drop_bad_offload(src, m, "offload request out of bounds");
		return 0;
	}
	if (takes) {
		out[0] = m;
		return 1;
	}
	if (rte_mbuf_refcnt_read(m) > 1) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

		rte_pktmbuf_free(m);	/* our reference to the shared one */
		if (c == NULL) {
			dst->drops[DROP_NO_MBUF]++;
			return 0;
		}
		m = c;
	}
	if (m->ol_flags & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG)) {
		n = offload_segment(m, w->gso, out, max);
		if (n > 0)
			return (uint16_t)n;
		if (n == 0) {
			out[0] = m;
			return 1;
		}
	} else if (offload_finish_csum(m) == 0) {
		out[0] = m;
		return 1;
	}
	drop_bad_offload(src, m, "its offloads cannot be finished in software");
	return 0;
}

/* A frame with offload flags for g (finish_offloads). */
void
dest_guest_push_offload(struct dp_worker *w, struct dp_guest *g, const struct dp_src *src,
			struct rte_mbuf *m, uint16_t q)
{
	struct rte_mbuf *segs[OFFLOAD_MAX_FRAMES];
	uint16_t n = finish_offloads(w, src, &g->stats->q[q], guest_accepts(g, m), m, segs,
				     OFFLOAD_MAX_FRAMES);

	for (uint16_t i = 0; i < n; i++)
		guest_push(w, g, segs[i], q);
}

/* Never an out-of-bounds TSO request, an unfinished checksum or a 64 KiB
 * frame on a port that cannot finish it (finish_offloads). */
void
dest_uplink_push_offload(struct dp_worker *w, struct dp_uplink *u, const struct dp_src *src,
			 struct rte_mbuf *m)
{
	struct rte_mbuf *segs[OFFLOAD_MAX_FRAMES];
	uint16_t n = finish_offloads(w, src, &u->stats->q[u->txq], uplink_accepts(u, m), m, segs,
				     OFFLOAD_MAX_FRAMES);

	for (uint16_t i = 0; i < n; i++)
		uplink_push(u, segs[i]);
}
