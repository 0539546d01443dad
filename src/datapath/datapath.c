/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop body: receive a burst, decide per frame, buffer per
 * destination (dest.h), flush every destination once per loop.  Plain C against
 * struct vport_ops: no librte_vhost or ethdev call here.
 *
 * Ownership: each destination a frame is buffered for holds one reference
 * (rte_mbuf refcnt).  A guest port copies the frame into guest memory and
 * drops its reference; an uplink frees it after transmission.  So a flooded
 * frame is copied to each guest and sent on the wire with no clone.
 */
/* rte_pcapng_copy() is experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <assert.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "datapath/dest.h"
#include "datapath/offload.h"
#include "vhostd/features.h"
#include "datapath/poll_list.h"

/* Debugging aid, off the fast path: only guests with a capture call it. */
void __rte_noinline
dp_capture(struct dp_capture *c, const struct rte_mbuf *m, bool to_guest)
{
	struct rte_mbuf *copy;

	/* A capture of N frames copies N, not what a busy guest sends until the
	 * main loop gets round to closing the file. */
	if (c->budget >= 0 && __atomic_fetch_sub(&c->budget, 1, __ATOMIC_RELAXED) <= 0)
		return;
	/* Direction as the guest sees it: what it receives is "in". */
	copy = rte_pcapng_copy(c->port, 0, m, c->pool, UINT32_MAX, rte_get_tsc_cycles(),
			       to_guest ? RTE_PCAPNG_DIRECTION_IN : RTE_PCAPNG_DIRECTION_OUT);
	if (copy == NULL) {
		__atomic_fetch_add(&c->lost, 1, __ATOMIC_RELAXED);
		return;
	}
	if (rte_ring_mp_enqueue(c->ring, copy) != 0) {
		rte_pktmbuf_free(copy);
		__atomic_fetch_add(&c->lost, 1, __ATOMIC_RELAXED);
	}
}

/* A guest that shares its MAC announced itself (live migration): ask the
 * main thread to move the MAC to it.  Rare; one eventfd write at most. */
static void __rte_noinline
dp_announce(struct dp_guest *g)
{
	uint64_t one = 1;

	if (__atomic_exchange_n(g->announce_req, 1, __ATOMIC_ACQ_REL) == 0 &&
	    write(g->wake_fd, &one, sizeof(one)) < 0)
		__atomic_store_n(g->announce_req, 1, __ATOMIC_RELEASE);	/* seen at next tick */
}

static inline void
mbuf_ref_add(struct rte_mbuf *m, int16_t n)
{
	/* Every segment carries its own refcnt: rte_pktmbuf_free walks them all. */
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, n);
}

/* rx-rate / rx-pps: does m exceed what g may receive?  A TSO frame g gets
 * segmented counts as its segments.  Off the fast path: only guests with
 * limits call it. */
static bool __rte_noinline
rx_over_limit(struct dp_guest *g, const struct rte_mbuf *m)
{
	uint32_t frames = 1;

	if (offload_pending(m) && !guest_accepts(g, m))
		frames = offload_frames(m);
	return !meter_pass(&g->meter->rx, rte_rdtsc(), frames, offload_bytes(m, frames));
}

/*
 * Frames received on queue q (of a guest or an uplink) go to the guest's
 * queue pair q mod its pair count: flows the NIC's RSS or the sending guest
 * spread over queues stay spread and in order.  Several workers may enqueue
 * into one guest RX vring; librte_vhost serialises them with the vring's
 * access lock, and the lock is uncontended when source queues and guest
 * pairs line up on workers.
 */
static inline void
to_guest(struct dp_worker *w, struct dp_guest *g, const struct dp_src *src, struct rte_mbuf *m,
	 uint16_t q)
{
	if (unlikely(g->capture != NULL))
		dp_capture(g->capture, m, true);
	if (unlikely(!g->ready)) {
		/* Counted on the destination: "why does vm1 get nothing?" */
		drop(&g->stats->q[0], DROP_NOT_READY, m);
		return;
	}
	q = (uint16_t)(q % g->nb_pairs);
	if (unlikely(g->meter != NULL) && rx_over_limit(g, m)) {
		drop(&g->stats->q[q], DROP_RATE_LIMITED, m);
		return;
	}
	if (guest_offload_work(g, m)) {
		dest_guest_push_offload(w, g, src, m, q);
		return;
	}
	guest_push(w, g, m, q);
}

static inline void
to_uplink(struct dp_worker *w, struct dp_uplink *u, const struct dp_src *src,
	  struct rte_mbuf *m)
{
	if (uplink_offload_work(u, m)) {
		dest_uplink_push_offload(w, u, src, m);
		return;
	}
	uplink_push(u, m);
}

/* Broadcast/multicast: every ready guest on uplink u but src, plus the
 * uplink itself when the frame came from a guest. */
static void
flood(struct dp_worker *w, uint16_t uplink, const struct fwd_table *fwd, uint16_t from,
      uint16_t q, bool to_wire, const struct dp_src *src, struct rte_mbuf *m)
{
	uint16_t dst[VHOSTD_MAX_GUESTS];
	uint16_t n = 0;

	for (uint16_t i = 0; i < fwd->nb_guests; i++) {
		uint16_t g = fwd->guests[i];

		if (g != from && w->guests[g].ready)
			dst[n++] = g;
	}
	if (n + to_wire == 0) {
		/* Broadcast from the wire with no guest up: counted where it came in. */
		drop(src->qs, DROP_NOT_READY, m);
		return;
	}
	if (n + to_wire > 1)
		mbuf_ref_add(m, (int16_t)(n + to_wire - 1));
	for (uint16_t i = 0; i < n; i++)
		to_guest(w, &w->guests[dst[i]], src, m, q);
	if (to_wire)
		to_uplink(w, &w->uplinks[uplink], src, m);
}

/*
 * One pass over a burst, touching each mbuf and its first data line once.
 * After a dequeue of large frames the burst no longer fits in L1 (32 x 1518
 * bytes were just copied), so the mbufs are prefetched as a whole and each
 * frame's header DP_PREFETCH frames ahead of its use.  Small frames are
 * still in L1: there the prefetches would be a tenth of the per-frame work
 * for nothing, so a burst whose first frame is small gets none.
 */
#define DP_PREFETCH 4
#define DP_PREFETCH_MIN_LEN 512

static inline bool
prefetch_burst(struct rte_mbuf **pkts, uint16_t n)
{
	if (n == 0 || pkts[0]->pkt_len < DP_PREFETCH_MIN_LEN)
		return false;
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	for (uint16_t i = 0; i < n && i < DP_PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	return true;
}

static inline void
prefetch_ahead(bool on, struct rte_mbuf **pkts, uint16_t i, uint16_t n)
{
	if (on && i + DP_PREFETCH < n)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH], void *));
}

/* tx-rate / tx-pps: drop what g sent over its limit (counted as sent and
 * dropped); a TSO frame weighs what it becomes once segmented (meter.h).
 * Returns how many frames are left at the front of pkts. */
static uint16_t __rte_noinline
tx_police(struct dp_guest *g, struct queue_stats *qs, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = bytes_of(pkts, 0, n);
	uint16_t kept = meter_filter(&g->meter->tx, rte_rdtsc(), pkts, n);

	qs->tx_pkts += n - kept;
	qs->tx_bytes += bytes - bytes_of(pkts, 0, kept);
	qs->drops[DROP_RATE_LIMITED] += n - kept;
	return kept;
}

/*
 * g's own pool is dry: its frames wait in an uplink's TX ring, or it sends
 * long chains.  Take a burst into the uplink's pool and drop it, counted on
 * g, as a NIC drops what it has no buffers for: g's ring keeps moving and
 * the borrowed mbufs are back before this returns, so no other guest waits.
 */
static uint16_t __rte_noinline
drop_no_mbuf(struct dp_worker *w, struct dp_rxq *rxq)
{
	struct dp_guest *g = &w->guests[rxq->obj];
	struct queue_stats *qs = &g->stats->q[rxq->q];
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n;

	n = g->ops->rx(g->id, rxq->q, w->uplinks[g->uplink].pool, pkts, DP_BURST);
	qs->tx_pkts += n;
	qs->tx_bytes += bytes_of(pkts, 0, n);
	qs->drops[DROP_NO_MBUF] += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* Fewer than a burst of mbufs left in g's own pool for this lcore
 * (librte_vhost then dequeues nothing).  Asked only after a short burst, so
 * never at full load.  Guest pools are rings (guest.c creates them so). */
static inline bool
pool_short(const struct dp_worker *w, const struct dp_guest *g)
{
	struct rte_mempool_cache *c = rte_mempool_default_cache(g->pool, rte_lcore_id());

	return (c == NULL || c->len < DP_BURST) && g->pool != w->uplinks[g->uplink].pool &&
	       rte_ring_count(g->pool->pool_data) < DP_BURST;
}

/* fwd_mac_key() of the six bytes at p, on the little-endian hosts DPDK
 * runs on, given 8 readable bytes. */
static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "load_u64() & FWD_MAC_MASK");

static inline uint64_t
load_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * What burst_clean() gathers over a burst, one accumulator per check so
 * each mask is applied once per burst, not per frame ((a & M) | (b & M) is
 * (a | b) & M): the OR of the offload flags, of data_len - 14 (a runt
 * wraps to a value with its top bit set) and of the source MAC and type
 * field XOR the guest's MAC (one load; for a runt, dropped anyway, it
 * stays inside its mbuf's data room).
 */
struct burst_acc {
	uint64_t ol, len, mac, bytes;
};

static __rte_always_inline void
frame_acc(struct burst_acc *a, const struct rte_mbuf *m, bool check, uint64_t mac)
{
	a->ol |= m->ol_flags;
	a->len |= (uint64_t)m->data_len - FWD_ETH_HLEN;
	a->bytes += m->pkt_len;
	if (check)
		a->mac |= load_u64(rte_pktmbuf_mtod(m, const uint8_t *) + 6) ^ mac;
}

/*
 * The checks of a whole burst from a guest alone on its uplink, OR-ed
 * together with no branch per frame, four frames a turn (12.5 instructions
 * a frame with the MAC check: objdump of from_guest), and its bytes
 * summed in the same pass.  True when every frame is a plain frame from
 * the guest's own MAC: the usual case, where the burst joins the uplink's
 * buffer as it is.  check and pf are constants at each call: each variant
 * has a loop that tests neither.
 */
static __rte_always_inline bool
burst_clean(struct rte_mbuf **pkts, uint16_t n, bool check, uint64_t mac, bool pf,
	    uint64_t *bytes)
{
	struct burst_acc a = { 0, 0, 0, 0 };
	unsigned int i;

	for (i = 0; i + 3 < n; i += 4) {
		for (unsigned int j = i; j < i + 4; j++)
			prefetch_ahead(pf, pkts, j, n);
		frame_acc(&a, pkts[i], check, mac);
		frame_acc(&a, pkts[i + 1], check, mac);
		frame_acc(&a, pkts[i + 2], check, mac);
		frame_acc(&a, pkts[i + 3], check, mac);
	}
	for (; i < n; i++)
		frame_acc(&a, pkts[i], check, mac);
	*bytes = a.bytes;
	return ((a.ol & OFFLOAD_FLAGS) | (a.len & (1ULL << 63)) | (a.mac & FWD_MAC_MASK)) == 0;
}

/* A burst burst_clean() refused: each frame checked on its own, a bad one
 * dropped and counted, one with offload flags finished for the uplink.
 * in may be the uplink's buffer itself (guest_rx_array): the frames are
 * taken from a copy, as one with offload flags may become several. */
static void __rte_noinline
from_guest_frames(struct dp_worker *w, struct dp_uplink *u, const struct dp_src *src,
		  bool check, uint64_t mac, struct rte_mbuf **in, uint16_t n)
{
	struct dp_buf *b = &u->buf;
	struct rte_mbuf *pkts[DP_BURST];

	memcpy(pkts, in, n * sizeof(pkts[0]));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (unlikely(m->data_len < FWD_ETH_HLEN)) {
			drop(src->qs, DROP_RUNT, m);
			continue;
		}
		if (check && (load_u64(rte_pktmbuf_mtod(m, const uint8_t *) + 6) &
			      FWD_MAC_MASK) != mac) {
			drop(src->qs, DROP_SPOOFED, m);
			continue;
		}
		if (uplink_offload_work(u, m)) {
			dest_uplink_push_offload(w, u, src, m);
			if (b->n + (n - i - 1) > DP_BUF)
				dest_flush_uplink(u);
			continue;
		}
		b->bytes += m->pkt_len;
		b->pkts[b->n++] = m;
	}
}

/*
 * A guest alone on its uplink (the VF case): every frame goes to the wire
 * once it passed the runt and source-MAC checks, so there is no lookup;
 * the uplink's buffer is made room for, and the counters updated, once
 * per burst, not per frame.
 */
static void
from_guest_alone(struct dp_worker *w, const struct dp_rxq *rxq, struct dp_uplink *u,
		 const struct dp_src *src, struct rte_mbuf **pkts, uint16_t n, bool pf)
{
	struct dp_buf *b = &u->buf;
	const bool check = rxq->mac_check;
	const uint64_t mac = rxq->mac_key;
	uint64_t bytes;
	bool clean;

	if (b->n + n > DP_BUF)
		dest_flush_uplink(u);
	if (pf)
		clean = check ? burst_clean(pkts, n, true, mac, true, &bytes) :
				burst_clean(pkts, n, false, 0, true, &bytes);
	else
		clean = check ? burst_clean(pkts, n, true, mac, false, &bytes) :
				burst_clean(pkts, n, false, 0, false, &bytes);
	if (likely(clean)) {
		/* Dequeued into the buffer (guest_rx_array): nothing to copy,
		 * unless uplink_from() dropped frames before them. */
		if (pkts != &b->pkts[b->n])
			memmove(&b->pkts[b->n], pkts, n * sizeof(pkts[0]));
		b->n = (uint16_t)(b->n + n);
		b->bytes += bytes;
	} else {
		from_guest_frames(w, u, src, check, mac, pkts, n);
	}
	src->qs->tx_pkts += n;
	src->qs->tx_bytes += bytes;
}

/* A guest alone on its uplink (the VF case) whose frames need no lookup,
 * capture or MAC announcement: from_guest_alone() takes its bursts.  Asked
 * once per list, at a queue's first poll (dp_rxq.alone). */
static bool
guest_alone(const struct dp_guest *g, const struct dp_uplink *u)
{
	return u->fwd->nb_guests <= 1 && g->capture == NULL && g->mac_owner;
}

/*
 * Where to dequeue a guest queue's frames: a lone guest's into its
 * uplink's buffer, where from_guest_alone() leaves a clean burst as it is
 * (no copy of the pointers; tx_police() compacts in place); else into pkts.
 */
static inline struct rte_mbuf **
guest_rx_array(struct dp_worker *w, const struct dp_rxq *rxq, const struct dp_guest *g,
	       struct rte_mbuf **pkts)
{
	struct dp_buf *b = &w->uplinks[g->uplink].buf;

	if (rxq->alone && b->n <= DP_BUF - DP_BURST)
		return &b->pkts[b->n];
	return pkts;
}

static void
from_guest(struct dp_worker *w, struct dp_rxq *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_guest *g = &w->guests[rxq->obj];
	struct dp_uplink *u = &w->uplinks[g->uplink];
	struct queue_stats *qs = &g->stats->q[rxq->q];
	const struct dp_src src = { qs, "guest", g->name, g->log };
	uint64_t bytes = 0;
	bool pf;

	if (unlikely(g->meter != NULL))
		n = tx_police(g, qs, pkts, n);
	pf = prefetch_burst(pkts, n);
	uplink_from(u, &src);
	if (likely(rxq->alone)) {
		from_guest_alone(w, rxq, u, &src, pkts, n, pf);
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
		struct fwd_decision d;

		prefetch_ahead(pf, pkts, i, n);
		bytes += m->pkt_len;
		if (unlikely(g->capture != NULL))
			dp_capture(g->capture, m, false);
		if (unlikely(!g->mac_owner) && fwd_is_announce(frame, rte_pktmbuf_data_len(m)))
			dp_announce(g);
		d = fwd_from_guest(u->fwd, rxq->obj, g->has_mac ? g->mac : NULL,
				   g->mac_check, frame, rte_pktmbuf_data_len(m));
		switch (d.action) {
		case FWD_TO_UPLINK:
			to_uplink(w, u, &src, m);
			break;
		case FWD_TO_GUEST:
			to_guest(w, &w->guests[d.guest], &src, m, rxq->q);
			break;
		case FWD_FLOOD:
			flood(w, g->uplink, u->fwd, rxq->obj, rxq->q, true, &src, m);
			break;
		case FWD_DROP_SPOOFED:
			drop(qs, DROP_SPOOFED, m);
			break;
		default:
			drop(qs, DROP_RUNT, m);
			break;
		}
	}
	qs->tx_pkts += n;
	qs->tx_bytes += bytes;
}

/*
 * A burst for the uplink's only guest (the VF case): it all goes to one
 * pair, so readiness, the pair and room in the buffer are settled once per
 * burst.  Returns the bytes of the burst.
 */
static uint64_t
to_guest_burst(struct dp_worker *w, struct dp_guest *g, const struct dp_src *src,
	       struct rte_mbuf **pkts, uint16_t n, uint16_t q)
{
	struct dp_buf *b = &g->buf;
	uint64_t bytes = 0;

	q = (uint16_t)(q % g->nb_pairs);
	if (b->n != 0 && (g->buf_q != q || b->n + n > DP_BUF))
		dest_guest_room(w, g, q);
	flush_later(w, g);
	g->buf_q = q;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		bytes += m->pkt_len;
		if (guest_offload_work(g, m)) {
			dest_guest_push_offload(w, g, src, m, q);
			continue;
		}
		/* Full only after segments, or while g's ring is full. */
		if (unlikely(b->n == DP_BUF) && dest_guest_room(w, g, q) == 0) {
			drop(&g->stats->q[q], DROP_GUEST_RING_FULL, m);
			continue;
		}
		b->bytes += m->pkt_len;
		b->pkts[b->n++] = m;
	}
	return bytes;
}

static void
from_uplink(struct dp_worker *w, struct dp_rxq *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_uplink *u = &w->uplinks[rxq->obj];
	struct queue_stats *qs = &u->stats->q[rxq->q];
	const struct dp_src src = { qs, "uplink", u->name, u->log };
	const struct fwd_table *fwd = u->fwd;
	uint64_t bytes = 0;
	bool pf;

	pf = prefetch_burst(pkts, n);
	if (unlikely(u->rx_partial_csum))
		offload_rx_mark_partial(pkts, n);	/* net_af_packet (offload.h) */
	if (fwd->pipe != FWD_NONE) {
		/* The VF case: one guest, the NIC filtered already. */
		struct dp_guest *g = &w->guests[fwd->pipe];

		if (likely(g->ready && g->capture == NULL && g->meter == NULL)) {
			bytes = to_guest_burst(w, g, &src, pkts, n, rxq->q);
			goto out;
		}
		for (uint16_t i = 0; i < n; i++) {
			bytes += pkts[i]->pkt_len;
			to_guest(w, g, &src, pkts[i], rxq->q);
		}
		goto out;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct fwd_decision d;

		prefetch_ahead(pf, pkts, i, n);
		bytes += m->pkt_len;
		d = fwd_from_uplink(fwd, rte_pktmbuf_mtod(m, const uint8_t *),
				    rte_pktmbuf_data_len(m));
		switch (d.action) {
		case FWD_TO_GUEST:
			to_guest(w, &w->guests[d.guest], &src, m, rxq->q);
			break;
		case FWD_FLOOD:
			flood(w, rxq->obj, fwd, FWD_NONE, rxq->q, false, &src, m);
			break;
		case FWD_DROP_UNKNOWN:
			drop(qs, DROP_UNKNOWN_DST, m);
			break;
		default:
			drop(qs, DROP_RUNT, m);
			break;
		}
	}
out:
	qs->rx_pkts += n;
	qs->rx_bytes += bytes;
}

unsigned int
dp_poll(struct dp_worker *w)
{
	uint64_t tsc = rte_rdtsc();

	return dp_poll_tsc(w, &tsc);
}

/* A queue that wakes a sleeping worker when it has frames: an fd in the
 * worker's epoll set, and (a guest's) kicks already turned on. */
static inline bool
rxq_notifies(const struct dp_rxq *rxq)
{
	return rxq->fd >= 0 && rxq->started;
}

/* One poll of w's queues (only those that cannot notify when quiet), then
 * a flush of every buffer.  quiet is a constant at each call: the compiler
 * makes two loops, and dp_poll_tsc's has no test for it. */
static __rte_always_inline unsigned int
poll_queues(struct dp_worker *w, uint64_t *tsc, bool quiet)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_rxq *fed = NULL;	/* the last queue that received */
	unsigned int total = 0, keep;
	uint64_t t0 = *tsc, t1;

	for (unsigned int i = 0; i < w->nb_rxq; i++) {
		struct dp_rxq *rxq = &w->rxq[i];
		uint16_t n;

		if (quiet && rxq_notifies(rxq))
			continue;
		if (rxq->kind == DP_RXQ_GUEST) {
			struct dp_guest *g = &w->guests[rxq->obj];
			struct rte_mbuf **rx;

			if (unlikely(!rxq->started)) {
				rxq->started = g->ops->poll_start == NULL ||
					       g->ops->poll_start(g->id, rxq->q) == 0;
				rxq->alone = guest_alone(g, &w->uplinks[g->uplink]);
				rxq->mac_check = g->has_mac && g->mac_check;
				rxq->mac_key = fwd_mac_key(g->mac);
			}
			rx = guest_rx_array(w, rxq, g, pkts);
			n = g->ops->rx(g->id, rxq->q, g->pool, rx, DP_BURST);
			if (n != 0)
				from_guest(w, rxq, rx, n);
			if (n < DP_BURST && pool_short(w, g))
				n += drop_no_mbuf(w, rxq);
		} else {
			struct dp_uplink *u = &w->uplinks[rxq->obj];

			n = u->ops->rx(u->id, rxq->q, u->pool, pkts, DP_BURST);
			if (n != 0)
				from_uplink(w, rxq, pkts, n);
		}
		/* Per-queue load for the rebalancer: a TSC read after each
		 * queue that received (~80 cycles here), whose end is the next
		 * one's start; empty polls before it are charged to it, so an
		 * idle loop costs one read. */
		rxq->n = n;
		if (n != 0) {
			t1 = rte_rdtsc();
			rxq->load->busy_cycles += t1 - t0;
			rxq->load->pkts += n;
			t0 = t1;
			fed = rxq;
		}
		total += n;
	}
	if (total == 0 && likely(w->nb_to_flush == 0))
		return 0;
	/* The guests that got frames, not every guest: with hundreds of them
	 * a scan would touch a cache line each per busy poll.  One whose ring
	 * is full stays listed while its frames wait (dest.c). */
	keep = 0;
	for (unsigned int i = 0; i < w->nb_to_flush; i++) {
		uint16_t k = w->to_flush[i];
		struct dp_guest *g = &w->guests[k];

		g->stalled = false;	/* one more try this loop */
		if (g->buf.n != 0)
			dest_flush_guest(w, g);
		if (unlikely(g->buf.n != 0))
			w->to_flush[keep++] = k;
		else
			g->to_flush = false;
	}
	w->nb_to_flush = keep;
	for (unsigned int i = 0; i < w->nb_uplinks; i++)
		if (w->uplinks[i].buf.n != 0)
			dest_flush_uplink(&w->uplinks[i]);
	/* The flush is most of the cost of a frame to a guest (the copy into
	 * its memory): shared among the queues that fed it, by packets. */
	*tsc = rte_rdtsc();
	t1 = *tsc - t0;
	if (unlikely(fed == NULL))
		return 0;	/* a loop for frames waiting for a guest's ring only */
	/* The usual case, one queue fed it all: no pass over the queues. */
	if (fed->n == total) {
		fed->load->busy_cycles += t1;
		return total;
	}
	for (unsigned int i = 0; i < w->nb_rxq; i++) {
		uint16_t n = w->rxq[i].n;

		if (n != 0)
			w->rxq[i].load->busy_cycles += t1 * n / total;
	}
	return total;
}

unsigned int
dp_poll_tsc(struct dp_worker *w, uint64_t *tsc)
{
	return poll_queues(w, tsc, false);
}

unsigned int
dp_poll_quiet(struct dp_worker *w)
{
	uint64_t tsc = rte_rdtsc();

	return poll_queues(w, &tsc, true);
}
