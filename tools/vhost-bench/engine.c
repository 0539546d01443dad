/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding lcores: between "start" and "stop", each polls its own
 * streams (guest queue pairs) round robin, one TX and/or one RX burst per
 * stream per round.  Nothing here allocates from the heap, takes a lock or
 * prints.
 *
 *   txonly    generate and send; RX is not polled
 *   rxonly    receive, count, free
 *   loopback  both
 *   latency   both; every TX burst carries the TSC, every frame received
 *             back adds (now - stamp) to the lcore's histogram
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bench.h"

/* The lcore is the only writer of its counters: a relaxed store of the new
 * value is a plain add on x86, and lets the main lcore read them any time. */
#define CNT_ADD(s, field, v) \
	__atomic_store_n(&(s)->c.field, (s)->c.field + (v), __ATOMIC_RELAXED)

static inline void
tx_burst(struct lcore_ctx *lc, struct stream *s, struct rte_mbuf **pkts, bool stamp,
	 uint64_t now)
{
	const struct run_params *rp = lc->rp;
	uint32_t n = rp->burst;
	uint16_t sent;

	if (s->pace.on) {
		n = rate_pace_allow(&s->pace, now, n);
		if (n == 0)
			return;
	}
	if (unlikely(rte_pktmbuf_alloc_bulk(lc->pool, pkts, n) != 0)) {
		CNT_ADD(s, tx_nombuf, 1);
		return;
	}
	/* Headers (and the stamp) only: a longer frame's payload is whatever
	 * the buffer held, as in testpmd's txonly. */
	for (uint32_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		rte_memcpy(rte_pktmbuf_mtod(m, uint8_t *), s->tmpl, PKT_TEMPLATE_LEN);
		m->data_len = rp->pktlen;
		m->pkt_len = rp->pktlen;
	}
	if (stamp) {
		uint64_t now = rte_rdtsc();

		for (uint32_t i = 0; i < n; i++)
			pkt_stamp(rte_pktmbuf_mtod(pkts[i], uint8_t *), s->id, now);
	}
	sent = rte_eth_tx_burst(s->port, s->queue, pkts, (uint16_t)n);
	if (unlikely(sent < n)) {
		CNT_ADD(s, tx_full, 1);
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
	rate_pace_sent(&s->pace, sent);
	CNT_ADD(s, tx_bursts, 1);
	CNT_ADD(s, tx_pkts, sent);
	CNT_ADD(s, tx_bytes, (uint64_t)sent * rp->pktlen);
}

static inline void
rx_burst(struct lcore_ctx *lc, struct stream *s, struct rte_mbuf **pkts, bool stamp)
{
	uint16_t n = rte_eth_rx_burst(s->port, s->queue, pkts, lc->rp->burst);
	uint64_t bytes = 0;

	CNT_ADD(s, rx_polls, 1);
	if (n == 0) {
		CNT_ADD(s, rx_empty, 1);
		return;
	}
	for (uint16_t i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	if (stamp) {
		uint64_t now = rte_rdtsc(), foreign = 0;

		for (uint16_t i = 0; i < n; i++) {
			uint16_t id;
			uint64_t t;

			if (pkt_read_stamp(rte_pktmbuf_mtod(pkts[i], const uint8_t *),
					   rte_pktmbuf_data_len(pkts[i]), &id, &t) &&
			    t >= lc->rp->t_start && t <= now)
				hist_add(&lc->lat, now - t);
			else
				foreign++;
		}
		if (foreign != 0)
			CNT_ADD(s, rx_foreign, foreign);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	CNT_ADD(s, rx_pkts, n);
	CNT_ADD(s, rx_bytes, bytes);
}

int
engine_main(void *arg)
{
	struct lcore_ctx *lc = arg;
	enum bench_mode mode = lc->rp->mode;
	bool tx = mode != MODE_RXONLY, rx = mode != MODE_TXONLY, stamp = mode == MODE_LATENCY;
	struct rte_mbuf *pkts[CMD_BURST_MAX];

	while (!__atomic_load_n(&lc->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = rte_rdtsc();
		bool tx_now = tx;

		/* A timed run (an NDR trial) sends what fell due before its end,
		 * late if this lcore was off its CPU then, and nothing after:
		 * the trial offers rate x duration frames. */
		if (lc->rp->tx_until != 0 && now >= lc->rp->tx_until) {
			tx_now = tx && lc->rp->paced && now < lc->rp->tx_late;
			now = lc->rp->tx_until;
		}
		for (unsigned int i = 0; i < lc->nb_streams; i++) {
			struct stream *s = lc->streams[i];

			if (tx_now)
				tx_burst(lc, s, pkts, stamp, now);
			if (rx)
				rx_burst(lc, s, pkts, stamp);
		}
	}
	return 0;
}
