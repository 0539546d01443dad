/* SPDX-License-Identifier: BSD-3-Clause */
/* Rate computation and TX pacing (pure C). */
#include "rate.h"

double
rate_per_sec(uint64_t count, uint64_t cycles, uint64_t hz)
{
	if (cycles == 0 || hz == 0)
		return 0.0;
	return (double)count * (double)hz / (double)cycles;
}

double
rate_mpps(uint64_t pkts, uint64_t cycles, uint64_t hz)
{
	return rate_per_sec(pkts, cycles, hz) / 1e6;
}

double
rate_gbps(uint64_t bytes, uint64_t cycles, uint64_t hz)
{
	return rate_per_sec(bytes, cycles, hz) * 8.0 / 1e9;
}

double
rate_cycles_to_us(uint64_t cycles, uint64_t hz)
{
	return hz != 0 ? (double)cycles * 1e6 / (double)hz : 0.0;
}

void
rate_pace_init(struct rate_pace *p, double pps, uint64_t hz, uint64_t now, uint32_t slack)
{
	p->on = pps > 0.0 && hz != 0;
	p->pkts_per_cycle = p->on ? pps / (double)hz : 0.0;
	p->start = now;
	p->sent = 0;
	p->slack = slack;
}

uint32_t
rate_pace_allow(struct rate_pace *p, uint64_t now, uint32_t want)
{
	double due;

	if (!p->on)
		return want;
	due = (double)(now - p->start) * p->pkts_per_cycle - (double)p->sent;
	if (due > (double)p->slack) {
		/* Behind by more than the slack: start counting again from
		 * here, with one burst's worth due. */
		p->start = now;
		p->sent = 0;
		due = (double)want < (double)p->slack ? (double)want : (double)p->slack;
	}
	if (due < 1.0)
		return 0;
	return due < (double)want ? (uint32_t)due : want;
}

void
rate_pace_sent(struct rate_pace *p, uint32_t n)
{
	p->sent += n;
}
