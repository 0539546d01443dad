/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_METER_H
#define VHOSTD_METER_H

/*
 * Per-guest rate limits (tx-rate, rx-pps, ...): librte_meter's srTCM
 * (RFC 2697), color blind, with an excess burst of 0 so that a frame is
 * green (passes) or red (dropped), never yellow.  A byte rate and a packet
 * rate are two meters; a packet meter counts every frame as 1 "byte".
 *
 * One struct meter is one direction of one guest on one worker, written by
 * that worker only.  A guest's configured rate is split between the workers
 * that handle its frames (publish.c), so no meter state is shared.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_meter.h>

#include "vhostd/config.h"

/* The smallest automatic byte burst: one 64 KiB TSO frame must fit, or a
 * guest that segments nothing itself could never send one. */
#define METER_MIN_BURST		(64 * 1024)
/* The automatic bursts: this long at the rate. */
#define METER_BURST_MS		10
/* The smallest packet burst: two receive bursts of 32. */
#define METER_MIN_PKT_BURST	64

struct meter {
	bool bytes_on;
	bool pkts_on;
	struct rte_meter_srtcm bytes;
	struct rte_meter_srtcm pkts;
	struct rte_meter_srtcm_profile bytes_p;
	struct rte_meter_srtcm_profile pkts_p;
};

/* Does r limit anything? */
static inline bool
meter_limits(const struct config_rate *r)
{
	return r->bps != 0 || r->pps != 0;
}

/* The byte burst meter_init() uses for r: r->burst, or METER_BURST_MS at the
 * full rate (at least METER_MIN_BURST). */
uint64_t meter_byte_burst(const struct config_rate *r);
/* The packet burst: METER_BURST_MS at the full rate, at least METER_MIN_PKT_BURST. */
uint64_t meter_pkt_burst(const struct config_rate *r);

/*
 * Set m to share/total of rate r (0 < share <= total), buckets full; a
 * share never rounds a rate down to 0.  Bursts are not split: every worker's
 * bucket holds a whole burst, so the largest frame always fits.  m off
 * (everything passes) when r limits nothing or share is 0.  0, or -EINVAL
 * from librte_meter.
 */
int meter_init(struct meter *m, const struct config_rate *r, uint32_t share, uint32_t total);

/* Does a frame that leaves as `frames` frames of `len` bytes in all (a TSO
 * frame: its segments, headers included) pass at TSC time now? */
static inline bool
meter_pass(struct meter *m, uint64_t now, uint32_t frames, uint32_t len)
{
	/* The packet meter first: a frame it refuses takes no byte tokens. */
	if (m->pkts_on &&
	    rte_meter_srtcm_color_blind_check(&m->pkts, &m->pkts_p, now, frames) !=
	    RTE_COLOR_GREEN)
		return false;
	return !m->bytes_on ||
	       rte_meter_srtcm_color_blind_check(&m->bytes, &m->bytes_p, now, len) ==
	       RTE_COLOR_GREEN;
}

/*
 * Keep the frames of pkts[0..n) that pass, in order, at the front; free the
 * others.  A TSO frame is counted as what leaves once it is segmented
 * (offload_frames / offload_bytes), wherever that happens: tx-pps limits
 * frames on the wire, not requests.  Returns how many were kept.
 */
uint16_t meter_filter(struct meter *m, uint64_t now, struct rte_mbuf **pkts, uint16_t n);

#endif
