/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_RATE_H
#define VHOST_BENCH_RATE_H

/*
 * Rates from counters and TSC cycles, and the pacer that holds a TX queue
 * to an offered load (pure C; the caller reads the TSC).
 */

#include <stdbool.h>
#include <stdint.h>

/* count per second over cycles of a hz clock; 0 when no time passed. */
double rate_per_sec(uint64_t count, uint64_t cycles, uint64_t hz);

/* Mpps and Gbit/s (Ethernet frames without FCS, preamble or gap). */
double rate_mpps(uint64_t pkts, uint64_t cycles, uint64_t hz);
double rate_gbps(uint64_t bytes, uint64_t cycles, uint64_t hz);

/* cycles of a hz clock in microseconds. */
double rate_cycles_to_us(uint64_t cycles, uint64_t hz);

/*
 * Credit pacer: after t cycles, pps * t / hz packets are due.  A queue
 * that falls behind by more than `slack` packets (stalled: the backend did
 * not drain it) forgets the debt instead of bursting it all at once.
 */
struct rate_pace {
	bool on;			/* false: unlimited */
	double pkts_per_cycle;
	uint64_t start;			/* TSC at the last (re)sync */
	uint64_t sent;			/* packets since start */
	uint32_t slack;
};

void rate_pace_init(struct rate_pace *p, double pps, uint64_t hz, uint64_t now, uint32_t slack);
/* How many of `want` packets may go now. */
uint32_t rate_pace_allow(struct rate_pace *p, uint64_t now, uint32_t want);
void rate_pace_sent(struct rate_pace *p, uint32_t n);

#endif
