/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-bench's statistics: histogram percentiles against sorted samples,
 * rates, and the TX pacer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"
#include "rate.h"

/* Deterministic samples: xorshift64*. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct hist *
hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	hist_init(h);
	return h;
}

static void
test_buckets(void **state)
{
	uint64_t s = 1;
	unsigned int prev = 0;

	(void)state;
	/* Exact below 2^HIST_SUB_BITS. */
	for (uint64_t v = 0; v < (1u << HIST_SUB_BITS); v++) {
		assert_int_equal(hist_index(v), v);
		assert_int_equal(hist_lower((unsigned int)v), v);
		assert_int_equal(hist_upper((unsigned int)v), v);
	}
	/* Buckets tile the whole range, in order, with no gap or overlap. */
	for (unsigned int i = 1; i < HIST_BUCKETS; i++)
		assert_int_equal(hist_lower(i), hist_upper(i - 1) + 1);
	assert_int_equal(hist_upper(HIST_BUCKETS - 1), UINT64_MAX);
	assert_int_equal(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
	/* Every value falls in its bucket; width within 1/HALF of the value. */
	for (int i = 0; i < 200000; i++) {
		uint64_t v = rnd(&s) >> (rnd(&s) % 64);
		unsigned int idx = hist_index(v);

		assert_true(hist_lower(idx) <= v && v <= hist_upper(idx));
		assert_true(hist_upper(idx) - hist_lower(idx) <= hist_lower(idx) / HIST_HALF);
	}
	for (uint64_t v = 0; v < 1000000; v += 7) {
		assert_true(hist_index(v) >= prev);
		prev = hist_index(v);
	}
}

static void
test_small_exact(void **state)
{
	struct hist *h = hist_new();

	(void)state;
	assert_int_equal(hist_percentile(h, 50), 0);	/* empty */
	assert_true(hist_mean(h) == 0.0);
	for (uint64_t v = 1; v <= 100; v++)
		hist_add(h, v);
	assert_int_equal(h->count, 100);
	assert_int_equal(h->min, 1);
	assert_int_equal(h->max, 100);
	assert_true(hist_mean(h) == 50.5);
	/* Nearest rank: the smallest value with at least p % at or below. */
	assert_int_equal(hist_percentile(h, 50), 50);
	assert_int_equal(hist_percentile(h, 99), 99);
	assert_int_equal(hist_percentile(h, 99.9), 100);
	assert_int_equal(hist_percentile(h, 100), 100);
	assert_int_equal(hist_percentile(h, 0.5), 1);
	assert_int_equal(hist_percentile(h, 1), 1);
	assert_int_equal(hist_percentile(h, 1.01), 2);
	free(h);
}

static void
test_sorted_reference(void **state)
{
	uint64_t v[1000];

	(void)state;
	for (int i = 0; i < 1000; i++)
		v[i] = (uint64_t)i + 1;
	assert_int_equal(hist_percentile_sorted(v, 1000, 50), 500);
	assert_int_equal(hist_percentile_sorted(v, 1000, 99), 990);
	/* 99.9 % of 1000 is exactly 999: no floating-point round-up to 1000. */
	assert_int_equal(hist_percentile_sorted(v, 1000, 99.9), 999);
	assert_int_equal(hist_percentile_sorted(v, 1000, 100), 1000);
	assert_int_equal(hist_percentile_sorted(v, 1000, 0.0001), 1);
	assert_int_equal(hist_percentile_sorted(v, 1, 50), 1);
	assert_int_equal(hist_percentile_sorted(v, 0, 50), 0);
	assert_int_equal(hist_percentile_sorted(v, 3, 50), 2);
	assert_int_equal(hist_percentile_sorted(v, 2, 50), 1);
}

/* The histogram's answer is the exact percentile's bucket: never below it,
 * above it by less than one bucket width, never above the maximum. */
static void
check_against_sorted(const struct hist *h, const uint64_t *sorted, size_t n)
{
	static const double ps[] = { 0.1, 1, 10, 50, 90, 99, 99.9, 99.99, 100 };

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t exact = hist_percentile_sorted(sorted, n, ps[i]);
		uint64_t got = hist_percentile(h, ps[i]);

		if (got < exact || got > exact + exact / HIST_HALF || got > sorted[n - 1])
			fail_msg("p%g: histogram %lu, exact %lu", ps[i], got, exact);
	}
}

static void
test_percentiles_vs_sorted(void **state)
{
	enum { N = 100000 };
	uint64_t *v = malloc(N * sizeof(*v)), s = 42;
	struct hist *h = hist_new();

	(void)state;
	assert_non_null(v);
	/* Latency-like: a body around 5000 cycles and a long tail. */
	for (int i = 0; i < N; i++) {
		uint64_t x = 4000 + rnd(&s) % 2000;

		if (rnd(&s) % 100 == 0)
			x += rnd(&s) % 200000;
		if (rnd(&s) % 10000 == 0)
			x += rnd(&s) % 50000000;
		v[i] = x;
		hist_add(h, x);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	assert_int_equal(h->count, N);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[N - 1]);
	check_against_sorted(h, v, N);
	free(v);
	free(h);
}

static void
test_merge_and_sub(void **state)
{
	enum { N = 20000 };
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new(), *later = hist_new();
	struct hist *snap = hist_new();
	uint64_t *v = malloc(N * sizeof(*v)), s = 7;

	(void)state;
	assert_non_null(v);
	for (int i = 0; i < N; i++) {
		v[i] = 100 + rnd(&s) % 100000;
		hist_add(i % 2 ? a : b, v[i]);
		hist_add(all, v[i]);
	}
	/* Two lcores' histograms merged = one histogram of everything. */
	hist_merge(a, b);
	assert_int_equal(a->count, all->count);
	assert_int_equal(a->sum, all->sum);
	assert_int_equal(a->min, all->min);
	assert_int_equal(a->max, all->max);
	assert_memory_equal(a->buckets, all->buckets, sizeof(a->buckets));

	/* "clear stats": what came after a snapshot. */
	hist_copy(snap, all);
	assert_int_equal(snap->count, all->count);
	for (int i = 0; i < N / 2; i++) {
		uint64_t x = 50000 + rnd(&s) % 1000;

		hist_add(all, x);
		hist_add(later, x);
		v[i] = x;
	}
	hist_sub(all, snap);
	assert_int_equal(all->count, later->count);
	assert_int_equal(all->sum, later->sum);
	assert_memory_equal(all->buckets, later->buckets, sizeof(all->buckets));
	/* min and max are now bucket bounds around the true ones. */
	assert_true(all->min <= later->min && later->min - all->min <= later->min / HIST_HALF);
	assert_true(all->max >= later->max && all->max - later->max <= later->max / HIST_HALF);
	qsort(v, N / 2, sizeof(*v), cmp_u64);
	for (double p = 1; p <= 100; p += 9.9) {
		uint64_t exact = hist_percentile_sorted(v, N / 2, p), got = hist_percentile(all, p);

		assert_true(got >= exact && got <= exact + exact / HIST_HALF);
	}
	/* Nothing new since the snapshot: empty. */
	hist_copy(snap, later);
	hist_sub(later, snap);
	assert_int_equal(later->count, 0);
	assert_int_equal(hist_percentile(later, 99), 0);
	free(v);
	free(a);
	free(b);
	free(all);
	free(later);
	free(snap);
}

static void
test_rates(void **state)
{
	const uint64_t hz = 2300000000ull;

	(void)state;
	assert_true(rate_mpps(0, hz, hz) == 0.0);
	assert_true(rate_mpps(1000, 0, hz) == 0.0);	/* no time: no rate */
	assert_true(rate_mpps(1000, 10, 0) == 0.0);
	/* 10 M packets in 2 s: 5 Mpps. */
	assert_float_equal(rate_mpps(10000000, 2 * hz, hz), 5.0, 1e-9);
	/* 1.25 GB in 1 s: 10 Gbit/s. */
	assert_float_equal(rate_gbps(1250000000ull, hz, hz), 10.0, 1e-9);
	assert_float_equal(rate_per_sec(3, hz / 2, hz), 6.0, 1e-9);
	assert_float_equal(rate_cycles_to_us(hz, hz), 1e6, 1e-6);
	assert_float_equal(rate_cycles_to_us(2300, hz), 1.0, 1e-9);
	/* Large counts do not overflow: 2^40 packets over 1000 s. */
	assert_float_equal(rate_mpps(1ull << 40, 1000 * hz, hz), 1099.511627776, 1e-6);
}

static void
test_pace_unlimited(void **state)
{
	struct rate_pace p;

	(void)state;
	rate_pace_init(&p, 0, 1000000000, 0, 128);
	assert_false(p.on);
	assert_int_equal(rate_pace_allow(&p, 0, 32), 32);
	assert_int_equal(rate_pace_allow(&p, 5, 7), 7);
}

static void
test_pace_rate(void **state)
{
	const uint64_t hz = 1000000000;	/* 1 cycle = 1 ns */
	struct rate_pace p;
	uint64_t sent = 0;

	(void)state;
	/* 1 Mpps: one packet per 1000 cycles. */
	rate_pace_init(&p, 1e6, hz, 5000, 128);
	assert_int_equal(rate_pace_allow(&p, 5000, 32), 0);
	assert_int_equal(rate_pace_allow(&p, 5000 + 999, 32), 0);
	/* (Half a packet past each point: no floating-point knife edges.) */
	assert_int_equal(rate_pace_allow(&p, 5000 + 1500, 32), 1);
	assert_int_equal(rate_pace_allow(&p, 5000 + 32500, 32), 32);
	assert_int_equal(rate_pace_allow(&p, 5000 + 40500, 32), 32);	/* capped at want */
	rate_pace_sent(&p, 32);
	assert_int_equal(rate_pace_allow(&p, 5000 + 40500, 32), 8);

	/* Polled every 3 us for 1 s: 1 M packets, to within one burst. */
	rate_pace_init(&p, 1e6, hz, 0, 128);
	for (uint64_t t = 0; t <= hz; t += 3000) {
		uint32_t n = rate_pace_allow(&p, t, 32);

		rate_pace_sent(&p, n);
		sent += n;
	}
	assert_true(sent >= 1000000 - 32 && sent <= 1000000);
}

static void
test_pace_stall(void **state)
{
	const uint64_t hz = 1000000000;
	struct rate_pace p;

	(void)state;
	/* A queue that could not send for 10 ms owes 10000 packets at 1 Mpps:
	 * it forgets them and sends at most the slack, then keeps the rate. */
	rate_pace_init(&p, 1e6, hz, 0, 128);
	assert_int_equal(rate_pace_allow(&p, 10000000, 256), 128);
	rate_pace_sent(&p, 128);
	assert_int_equal(rate_pace_allow(&p, 10000000 + 1000, 256), 0);
	assert_int_equal(rate_pace_allow(&p, 10000000 + 200500, 256), 72);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_small_exact),
		cmocka_unit_test(test_sorted_reference),
		cmocka_unit_test(test_percentiles_vs_sorted),
		cmocka_unit_test(test_merge_and_sub),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_pace_unlimited),
		cmocka_unit_test(test_pace_rate),
		cmocka_unit_test(test_pace_stall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
