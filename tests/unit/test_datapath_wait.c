/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames for a guest whose RX ring is full ([daemon] guest-ring-wait-us,
 * src/datapath/dest.c): they wait in the worker's buffer for that guest
 * and go as soon as the ring has room; what comes beyond the buffer, and
 * what waited past the limit without the guest taking anything, is
 * dropped and counted as guest_ring_full.  Fake ports (dp_fixture.c).
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dp_fixture.h"

/* n frames of 60 bytes from the wire to dst, received in bursts and
 * forwarded; returns the frames received. */
static unsigned int
from_wire(const uint8_t *dst, unsigned int n)
{
	unsigned int got = 0;

	while (n > 0) {
		unsigned int k = RTE_MIN(n, (unsigned int)DP_BURST);

		for (unsigned int i = 0; i < k; i++)
			inject(2, dst, macx, 60);
		got += dp_poll(&fx.w);
		n -= k;
	}
	return got;
}

static const struct queue_stats *
vm1(void)
{
	return &fx.gstats[1].q[0];
}

/* Two guests on the uplink: frames to vm1 go through guest_push. */
static void
test_wait_then_deliver(void **state)
{
	(void)state;
	setup_fixture(2);
	fx.w.ring_wait = rte_get_tsc_hz();	/* a second: never reached here */
	ports[1].tx_room = 3;
	assert_int_equal(from_wire(mac1, 10), 10);
	assert_int_equal(vm1()->rx_pkts, 3);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], 0);
	assert_int_equal(fx.w.nb_to_flush, 1);	/* retried each loop */
	/* A loop with nothing received still tries, and keeps them. */
	assert_int_equal(dp_poll(&fx.w), 0);
	assert_int_equal(vm1()->rx_pkts, 3);
	/* Room: all of them, in order, counted once, bytes too. */
	ports[1].tx_room = 1000;
	assert_int_equal(dp_poll(&fx.w), 0);
	assert_int_equal(vm1()->rx_pkts, 10);
	assert_int_equal(vm1()->rx_bytes, 600);
	assert_int_equal(ports[1].nb_tx, 10);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], 0);
	assert_int_equal(fx.w.nb_to_flush, 0);
	assert_false(fx.guests[1].to_flush);
	assert_int_equal(fx.ustats.q[0].rx_pkts, 10);
	assert_no_leak();
}

static void
test_wait_is_bounded(void **state)
{
	unsigned int calls;

	(void)state;
	setup_fixture(2);
	fx.w.ring_wait = rte_get_tsc_hz();
	ports[1].tx_room = 0;
	/* The buffer takes DP_BUF; what comes beyond is dropped at once. */
	from_wire(mac1, DP_BUF + 10);
	assert_int_equal(fx.guests[1].buf.n, DP_BUF);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], 10);
	/* vm0 is not held up by vm1's full ring. */
	from_wire(mac0, 5);
	assert_int_equal(fx.gstats[0].q[0].rx_pkts, 5);
	/* A burst for the stalled vm1 costs one enqueue try, not one a frame. */
	calls = ports[1].tx_calls;
	from_wire(mac1, DP_BURST);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], 10 + DP_BURST);
	assert_in_range(ports[1].tx_calls - calls, 1, 2);
	/* vm1 takes nothing for longer than ring_wait: all dropped. */
	fx.w.ring_wait = 1;
	rte_delay_us_block(1);
	dp_poll(&fx.w);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], DP_BUF + 10 + DP_BURST);
	assert_int_equal(fx.guests[1].buf.n, 0);
	assert_int_equal(fx.w.nb_to_flush, 0);
	assert_int_equal(vm1()->rx_pkts, 0);
	/* Every frame the uplink received is delivered or counted. */
	assert_int_equal(fx.ustats.q[0].rx_pkts,
			 vm1()->drops[DROP_GUEST_RING_FULL] + fx.gstats[0].q[0].rx_pkts);
	assert_no_leak();
}

/* With ring_wait 0 (guest-ring-wait-us = 0): dropped at once, as before. */
static void
test_no_wait(void **state)
{
	(void)state;
	setup_fixture(2);
	ports[1].tx_room = 3;
	from_wire(mac1, 10);
	assert_int_equal(vm1()->rx_pkts, 3);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], 7);
	assert_int_equal(fx.w.nb_to_flush, 0);
	assert_no_leak();
}

/* A guest alone on its uplink (to_guest_burst) and a change of pair. */
static void
test_wait_alone_and_pairs(void **state)
{
	(void)state;
	setup_fixture(1);
	fx.w.ring_wait = rte_get_tsc_hz();
	fx.guests[0].nb_pairs = 2;
	fx.rxq[1].q = 0;
	ports[0].tx_room = 0;
	from_wire(mac0, DP_BUF + 5);
	assert_int_equal(fx.guests[0].buf.n, DP_BUF);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_GUEST_RING_FULL], 5);
	/* Frames for pair 1: the buffer serves one pair, pair 0's go. */
	fx.rxq[1].q = 1;
	ports[0].tx_room = 2;
	from_wire(mac0, 4);
	assert_int_equal(fx.gstats[0].q[0].rx_pkts, 2);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_GUEST_RING_FULL], 5 + DP_BUF - 2);
	assert_int_equal(fx.guests[0].buf.n, 4);
	assert_int_equal(fx.guests[0].buf_q, 1);
	ports[0].tx_room = 100;
	dp_poll(&fx.w);
	assert_int_equal(fx.gstats[0].q[1].rx_pkts, 4);
	assert_no_leak();
}

/* A list retired while it held frames: the main thread drops them into
 * the block no worker writes; the worker's own block is left alone. */
static void
test_retired_list(void **state)
{
	(void)state;
	setup_fixture(2);
	fx.w.ring_wait = rte_get_tsc_hz();
	ports[1].tx_room = 0;
	from_wire(mac1, 7);
	dp_worker_drop_held(&fx.w, true);
	assert_int_equal(fx.gmain[1].q[0].drops[DROP_GUEST_RING_FULL], 7);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], 0);
	assert_int_equal(fx.w.nb_to_flush, 0);
	assert_false(fx.guests[1].to_flush);
	/* The worker's own drop, as it stops. */
	from_wire(mac1, 3);
	dp_worker_drop_held(&fx.w, false);
	assert_int_equal(vm1()->drops[DROP_GUEST_RING_FULL], 3);
	assert_no_leak();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_then_deliver),
		cmocka_unit_test(test_wait_is_bounded),
		cmocka_unit_test(test_no_wait),
		cmocka_unit_test(test_wait_alone_and_pairs),
		cmocka_unit_test(test_retired_list),
	};

	return dp_fixture_run("test_datapath_wait", tests, RTE_DIM(tests));
}
