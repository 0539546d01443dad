/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the rate limit glue (src/datapath/meter.c) over the real
 * librte_meter: bursts, refill at the configured rate, the split between
 * workers, and that meter_filter() frees exactly what it drops.  The clock
 * is driven by hand, in TSC cycles, from the EAL's TSC frequency.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "datapath/meter.h"

static struct rte_mempool *pool;
static uint64_t hz;

/* Frames of len bytes that pass at time now, trying at most max. */
static unsigned int
passes(struct meter *m, uint64_t now, uint32_t len, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && meter_pass(m, now, 1, len))
		n++;
	return n;
}

static void
test_no_limit(void **state)
{
	const struct config_rate none = { 0 };
	struct meter m;

	(void)state;
	assert_false(meter_limits(&none));
	assert_int_equal(meter_init(&m, &none, 1, 1), 0);
	assert_int_equal(passes(&m, rte_rdtsc(), 65536, 100000), 100000);
	/* A worker with no share of a limited guest: off as well (it never
	 * sees the guest's frames). */
	assert_int_equal(meter_init(&m, &(struct config_rate){ .bps = 1000000 }, 0, 2), 0);
	assert_int_equal(passes(&m, rte_rdtsc(), 1500, 1000), 1000);
}

static void
test_bursts(void **state)
{
	(void)state;
	/* 10 ms at the rate, never less than a 64 KiB TSO frame. */
	assert_int_equal(meter_byte_burst(&(struct config_rate){ .bps = 100000000 }), 125000);
	assert_int_equal(meter_byte_burst(&(struct config_rate){ .bps = 1000000 }), 65536);
	assert_int_equal(meter_byte_burst(&(struct config_rate){ .bps = 1000000, .burst = 4096 }),
			 4096);
	assert_int_equal(meter_pkt_burst(&(struct config_rate){ .pps = 1000000 }), 10000);
	assert_int_equal(meter_pkt_burst(&(struct config_rate){ .pps = 1000 }), 64);
}

/* 8 Mbit/s = 1,000,000 bytes/s with a 100,000-byte burst. */
static void
test_byte_rate(void **state)
{
	const struct config_rate r = { .bps = 8000000, .burst = 100000 };
	struct meter m;
	uint64_t t0;
	unsigned int n;

	(void)state;
	assert_int_equal(meter_init(&m, &r, 1, 1), 0);
	t0 = rte_rdtsc();
	/* A full bucket: the burst and no more. */
	assert_int_equal(passes(&m, t0, 1000, 1000), 100);
	assert_false(meter_pass(&m, t0, 1, 64));
	/* Half a second refills 500,000 bytes, capped at the burst. */
	assert_int_equal(passes(&m, t0 + hz / 2, 1000, 1000), 100);
	/* Over 10 s in small steps: 10,000,000 bytes, within 1 %. */
	n = 0;
	for (unsigned int step = 1; step <= 1000; step++)
		n += passes(&m, t0 + hz / 2 + step * (hz / 100), 1000, 1000);
	assert_in_range(n, 9900, 10100);
	/* A frame larger than the burst never passes. */
	assert_false(meter_pass(&m, t0 + 100 * hz, 1, 100001));
}

static void
test_packet_rate(void **state)
{
	const struct config_rate r = { .pps = 1000 };
	struct meter m;
	uint64_t t0;

	(void)state;
	assert_int_equal(meter_init(&m, &r, 1, 1), 0);
	t0 = rte_rdtsc();
	/* Size does not matter, only the count: a burst of 64 packets. */
	assert_int_equal(passes(&m, t0, 65536, 1000), 64);
	assert_int_equal(passes(&m, t0 + hz / 50, 64, 1000), 20);
}

/* Both limits: whichever is tighter; a frame refused by the packet meter
 * takes no byte tokens. */
static void
test_both_limits(void **state)
{
	const struct config_rate r = { .bps = 8000000, .burst = 100000, .pps = 1000 };
	struct meter m;
	uint64_t t0;

	(void)state;
	assert_int_equal(meter_init(&m, &r, 1, 1), 0);
	t0 = rte_rdtsc();
	assert_int_equal(passes(&m, t0, 100, 1000), 64);	/* packets bind */
	assert_int_equal(passes(&m, t0 + hz, 10000, 1000), 10);	/* bytes bind */
}

/* Two workers serve the guest, this one a third of its queues. */
static void
test_share(void **state)
{
	const struct config_rate r = { .bps = 24000000, .burst = 100000 };
	struct meter m;
	uint64_t t0;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(meter_init(&m, &r, 1, 3), 0);
	t0 = rte_rdtsc();
	passes(&m, t0, 1000, 1000);	/* empty the bucket */
	for (unsigned int step = 1; step <= 100; step++)
		n += passes(&m, t0 + step * (hz / 100), 1000, 1000);
	/* 1 s at 1,000,000 bytes/s (a third of 3,000,000). */
	assert_in_range(n, 990, 1010);
	/* A tiny rate split many ways still lets something through. */
	assert_int_equal(meter_init(&m, &(struct config_rate){ .pps = 1 }, 1, 1000), 0);
	assert_int_equal(passes(&m, t0, 64, 1000), 64);
}

static void
test_filter(void **state)
{
	const struct config_rate r = { .bps = 8000000, .burst = 3000 };
	struct rte_mbuf *pkts[8];
	struct meter m;
	uint16_t kept;

	(void)state;
	assert_int_equal(meter_init(&m, &r, 1, 1), 0);
	for (unsigned int i = 0; i < 8; i++) {
		pkts[i] = rte_pktmbuf_alloc(pool);
		assert_non_null(pkts[i]);
		assert_non_null(rte_pktmbuf_append(pkts[i], i == 1 ? 2000 : 500));
	}
	kept = meter_filter(&m, rte_rdtsc(), pkts, 8);
	/* A 3000-byte bucket: 500 + 2000 + 500, then nothing; in order. */
	assert_int_equal(kept, 3);
	assert_int_equal(pkts[0]->pkt_len, 500);
	assert_int_equal(pkts[1]->pkt_len, 2000);
	assert_int_equal(pkts[2]->pkt_len, 500);
	rte_pktmbuf_free_bulk(pkts, kept);
	/* The five dropped were freed: the pool is whole. */
	assert_int_equal(rte_mempool_avail_count(pool), 511);
}

int
main(void)
{
	char *eal[] = { "test_meter", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			"--log-level=3", "--lcores=0", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_bursts),
		cmocka_unit_test(test_byte_rate),
		cmocka_unit_test(test_packet_rate),
		cmocka_unit_test(test_both_limits),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_filter),
	};
	int ret;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	hz = rte_get_tsc_hz();
	pool = rte_pktmbuf_pool_create("test", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return ret;
}
