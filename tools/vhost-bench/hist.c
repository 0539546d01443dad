/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear histogram and nearest-rank percentiles (pure C). */
#include <math.h>
#include <string.h>

#include "hist.h"

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned int
hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < 2 * HIST_HALF)
		return (unsigned int)v;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	shift = msb - (HIST_SUB_BITS - 1);
	/* v >> shift is in [HALF, 2 HALF): bucket shift * HALF + that. */
	return shift * HIST_HALF + (unsigned int)(v >> shift);
}

/* Buckets below 2 HALF are one value wide (shift 0); above, each group of
 * HALF buckets is twice as wide as the one before. */
static unsigned int
bucket_shift(unsigned int idx)
{
	return idx < 2 * HIST_HALF ? 0 : idx / HIST_HALF - 1;
}

uint64_t
hist_lower(unsigned int idx)
{
	unsigned int shift = bucket_shift(idx);

	return (uint64_t)(idx - shift * HIST_HALF) << shift;
}

uint64_t
hist_upper(unsigned int idx)
{
	return hist_lower(idx) + ((uint64_t)1 << bucket_shift(idx)) - 1;
}

void
hist_add(struct hist *h, uint64_t v)
{
	unsigned int i = hist_index(v);

	STORE(&h->buckets[i], h->buckets[i] + 1);
	STORE(&h->count, h->count + 1);
	STORE(&h->sum, h->sum + v);
	if (v < h->min)
		STORE(&h->min, v);
	if (v > h->max)
		STORE(&h->max, v);
}

void
hist_copy(struct hist *dst, const struct hist *src)
{
	uint64_t n = 0;

	/* Buckets first, then the count from them: a snapshot whose parts
	 * disagree by a sample or two, never one with a count its buckets
	 * cannot explain. */
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		dst->buckets[i] = LOAD(&src->buckets[i]);
		n += dst->buckets[i];
	}
	dst->count = n;
	dst->sum = LOAD(&src->sum);
	dst->min = LOAD(&src->min);
	dst->max = LOAD(&src->max);
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned int i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

void
hist_sub(struct hist *h, const struct hist *base)
{
	unsigned int lo = HIST_BUCKETS, hi = 0;
	uint64_t n = 0;

	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		h->buckets[i] = h->buckets[i] > base->buckets[i] ?
				h->buckets[i] - base->buckets[i] : 0;
		if (h->buckets[i] != 0) {
			if (lo == HIST_BUCKETS)
				lo = i;
			hi = i;
		}
		n += h->buckets[i];
	}
	h->count = n;
	h->sum = h->sum > base->sum ? h->sum - base->sum : 0;
	if (n == 0) {
		h->min = UINT64_MAX;
		h->max = 0;
		return;
	}
	/* The exact extremes are only known when no sample was removed. */
	if (base->count != 0) {
		h->min = hist_lower(lo);
		h->max = hist_upper(hi);
	}
}

/* ceil(pct / 100 * n) in integers, at least 1. */
static uint64_t
rank_of(double pct, uint64_t n)
{
	uint64_t ppm = (uint64_t)llround(pct * 10000.0);	/* parts per million */
	unsigned __int128 r = ((unsigned __int128)ppm * n + 999999) / 1000000;

	if (r == 0)
		r = 1;
	return r > n ? n : (uint64_t)r;
}

uint64_t
hist_percentile(const struct hist *h, double pct)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	rank = rank_of(pct, h->count);
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t v = hist_upper(i);

			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->count != 0 ? (double)h->sum / (double)h->count : 0.0;
}

uint64_t
hist_percentile_sorted(const uint64_t *sorted, size_t n, double pct)
{
	if (n == 0)
		return 0;
	return sorted[rank_of(pct, n) - 1];
}
