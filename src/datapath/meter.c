/* SPDX-License-Identifier: BSD-3-Clause */
/* Rate limit glue over librte_meter (see meter.h). */
#include <errno.h>
#include <string.h>

#include "datapath/meter.h"
#include "datapath/offload.h"

uint64_t
meter_byte_burst(const struct config_rate *r)
{
	uint64_t b = r->bps / 8 * METER_BURST_MS / 1000;

	if (r->burst != 0)
		return r->burst;
	return b > METER_MIN_BURST ? b : METER_MIN_BURST;
}

uint64_t
meter_pkt_burst(const struct config_rate *r)
{
	uint64_t b = r->pps * METER_BURST_MS / 1000;

	return b > METER_MIN_PKT_BURST ? b : METER_MIN_PKT_BURST;
}

static uint64_t
scale(uint64_t rate, uint32_t share, uint32_t total)
{
	/* Rates are at most 10^12 and total at most workers * queues: no overflow
	 * in 128 bits, and none in 64 for what the config allows. */
	uint64_t v = (uint64_t)((unsigned __int128)rate * share / total);

	return v != 0 ? v : 1;
}

static int
srtcm_init(struct rte_meter_srtcm *m, struct rte_meter_srtcm_profile *p, uint64_t cir,
	   uint64_t cbs)
{
	struct rte_meter_srtcm_params params = { .cir = cir, .cbs = cbs, .ebs = 0 };
	int ret = rte_meter_srtcm_profile_config(p, &params);

	return ret != 0 ? ret : rte_meter_srtcm_config(m, p);
}

int
meter_init(struct meter *m, const struct config_rate *r, uint32_t share, uint32_t total)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if (!meter_limits(r) || share == 0 || total == 0)
		return 0;
	if (r->bps != 0) {
		ret = srtcm_init(&m->bytes, &m->bytes_p, scale(r->bps / 8, share, total),
				 meter_byte_burst(r));
		if (ret != 0)
			return -EINVAL;
		m->bytes_on = true;
	}
	if (r->pps != 0) {
		ret = srtcm_init(&m->pkts, &m->pkts_p, scale(r->pps, share, total),
				 meter_pkt_burst(r));
		if (ret != 0) {
			m->bytes_on = false;
			return -EINVAL;
		}
		m->pkts_on = true;
	}
	return 0;
}

uint16_t
meter_filter(struct meter *m, uint64_t now, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t kept = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t frames = offload_frames(pkts[i]);

		if (meter_pass(m, now, frames, offload_bytes(pkts[i], frames)))
			pkts[kept++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return kept;
}
