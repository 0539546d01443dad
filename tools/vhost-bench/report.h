/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_REPORT_H
#define VHOST_BENCH_REPORT_H

/*
 * Counters and their presentation: a human table, or one JSON object per
 * report on one line (for scripts).  Pure C: the caller snapshots the
 * counters and hands over TSC cycles and the TSC frequency.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

#define REPORT_MAX_GUESTS 16

/* One stream's (guest queue pair's) counters; written by one lcore. */
struct bench_counters {
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_bursts;		/* TX burst calls */
	uint64_t tx_full;		/* ... that took fewer frames than offered */
	uint64_t tx_nombuf;		/* bursts not sent for lack of mbufs */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t rx_polls;		/* RX burst calls */
	uint64_t rx_empty;		/* ... that returned nothing */
	uint64_t rx_foreign;		/* latency mode: frames without our stamp */
};

void report_counters_load(struct bench_counters *dst, const struct bench_counters *src);
void report_counters_add(struct bench_counters *dst, const struct bench_counters *src);
void report_counters_sub(struct bench_counters *dst, const struct bench_counters *base);

struct report_guest {
	const char *name;
	const char *socket;
	bool packed;
	unsigned int queues;
	struct bench_counters c;
};

struct report {
	const char *type;		/* "stats", "final" */
	const char *mode;		/* last mode started; NULL: none yet */
	bool running;
	uint64_t cycles;		/* the interval the counters cover */
	uint64_t hz;			/* TSC frequency */
	uint32_t pktlen;
	uint32_t burst;
	double rate_mpps;		/* 0: unlimited */
	unsigned int nb_guests;
	struct report_guest guests[REPORT_MAX_GUESTS];
	const struct hist *lat;		/* round trips in TSC cycles; NULL: none */
};

void report_stats(FILE *f, const struct report *r, bool json);
void report_latency(FILE *f, const struct report *r, bool json);

/* JSON string with the escapes RFC 8259 requires. */
void report_json_string(FILE *f, const char *s);

#endif
