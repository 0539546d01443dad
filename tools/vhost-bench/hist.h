/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_HIST_H
#define VHOST_BENCH_HIST_H

/*
 * A log-linear histogram of unsigned values (latency in TSC cycles):
 * exact below 2^HIST_SUB_BITS, above that each power of two is split into
 * 2^(HIST_SUB_BITS-1) equal buckets, so any value is known to within
 * 1/2^(HIST_SUB_BITS-1) (0.8 %).  Fixed size, no allocation, one writer.
 * Percentiles are nearest-rank (the smallest value with at least p % of the
 * samples at or below it), reported as the bucket's highest value, clipped
 * to the observed maximum.
 */

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 8
#define HIST_HALF (1u << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS ((66u - HIST_SUB_BITS) * HIST_HALF)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;			/* UINT64_MAX while empty */
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
unsigned int hist_index(uint64_t v);
uint64_t hist_lower(unsigned int idx);	/* smallest value of bucket idx */
uint64_t hist_upper(unsigned int idx);	/* largest value of bucket idx */

/* Record one sample.  The writer's stores are relaxed atomics, so another
 * thread may read a running histogram with hist_copy. */
void hist_add(struct hist *h, uint64_t v);

/* Snapshot of a histogram another thread is writing. */
void hist_copy(struct hist *dst, const struct hist *src);

/* dst += src (several writers' histograms into one). */
void hist_merge(struct hist *dst, const struct hist *src);

/* h -= base (samples since a snapshot).  min and max become the bounds of
 * the lowest and highest non-empty buckets. */
void hist_sub(struct hist *h, const struct hist *base);

/* Nearest-rank percentile, pct in (0, 100]; 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double pct);

double hist_mean(const struct hist *h);

/* Nearest-rank percentile of n sorted values (the reference the histogram
 * is tested against); 0 when n is 0. */
uint64_t hist_percentile_sorted(const uint64_t *sorted, size_t n, double pct);

#endif
