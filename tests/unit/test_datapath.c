/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop (src/datapath/datapath.c) against fake ports: real mbufs from a
 * real mempool (EAL in memory, no hugepages), fake guests and uplinks behind
 * struct vport_ops (dp_fixture.c).  Checks where frames go, what is counted, and that no
 * mbuf leaks (the pool is full again after every test).  The offloads'
 * cases are in test_datapath_offload.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/eventfd.h>
#include <unistd.h>

#define ALLOW_EXPERIMENTAL_API	/* rte_ipv4_udptcp_cksum_mbuf_verify */

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dp_fixture.h"

static void
test_uplink_to_guests(void **state)
{
	(void)state;
	setup_fixture(2);
	inject(2, mac1, macx, 60);
	inject(2, mac0, macx, 60);
	inject(2, mac1, macx, 100);
	inject(2, macx, macx, 60);	/* nobody */
	inject(2, bcast, macx, 60);	/* both */
	assert_int_equal(dp_poll(&fx.w), 5);

	assert_int_equal(ports[0].nb_tx, 2);
	assert_int_equal(ports[1].nb_tx, 3);
	assert_int_equal(fx.gstats[0].q[0].rx_pkts, 2);
	assert_int_equal(fx.gstats[1].q[0].rx_pkts, 3);
	assert_int_equal(fx.gstats[1].q[0].rx_bytes, 60 + 100 + 60);
	assert_int_equal(fx.ustats.q[0].rx_pkts, 5);
	assert_int_equal(fx.ustats.q[0].drops[DROP_UNKNOWN_DST], 1);
	assert_int_equal(ports[2].nb_tx, 0);
	assert_no_leak();
}

/* Per-queue load: packets and busy cycles go to the queue that received
 * them, only in loops where it did; idle polls cost a queue nothing. */
static void
test_queue_load(void **state)
{
	(void)state;
	setup_fixture(2);
	inject(0, macx, mac0, 64);
	inject(0, macx, mac0, 64);
	inject(2, mac1, macx, 64);
	assert_int_equal(dp_poll(&fx.w), 3);
	assert_int_equal(fx.load[0].pkts, 2);
	assert_int_equal(fx.load[1].pkts, 0);
	assert_int_equal(fx.load[2].pkts, 1);
	assert_true(fx.load[0].busy_cycles > 0);
	assert_int_equal(fx.load[1].busy_cycles, 0);
	assert_true(fx.load[2].busy_cycles > 0);
	/* An idle loop adds nothing anywhere. */
	uint64_t before = fx.load[0].busy_cycles;

	assert_int_equal(dp_poll(&fx.w), 0);
	assert_int_equal(fx.load[0].busy_cycles, before);
	assert_int_equal(fx.load[0].pkts, 2);
	assert_no_leak();
}

static void
test_guest_to_uplink_and_local(void **state)
{
	(void)state;
	setup_fixture(2);
	inject(0, macx, mac0, 64);	/* out */
	inject(0, mac1, mac0, 64);	/* local to guest 1 */
	inject(0, bcast, mac0, 64);	/* guest 1 and the wire */
	inject(0, macx, mac1, 64);	/* spoofed */
	assert_int_equal(dp_poll(&fx.w), 4);

	assert_int_equal(ports[2].nb_tx, 2);
	assert_memory_equal(ports[2].tx_dst[0], macx, 6);
	assert_memory_equal(ports[2].tx_dst[1], bcast, 6);
	assert_int_equal(ports[1].nb_tx, 2);
	assert_int_equal(ports[0].nb_tx, 0);	/* no echo of its own broadcast */
	assert_int_equal(fx.gstats[0].q[0].tx_pkts, 4);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_SPOOFED], 1);
	assert_int_equal(fx.ustats.q[0].tx_pkts, 2);
	assert_int_equal(ports[0].started, 1);	/* kicks suppressed once */
	assert_no_leak();
}

static void
test_ring_full_and_not_ready(void **state)
{
	(void)state;
	setup_fixture(2);
	ports[1].tx_room = 3;
	for (int i = 0; i < 10; i++)
		inject(2, mac1, macx, 60);
	fx.guests[0].ready = false;
	inject(2, mac0, macx, 60);
	dp_poll(&fx.w);
	assert_int_equal(fx.gstats[1].q[0].rx_pkts, 3);
	assert_int_equal(fx.gstats[1].q[0].drops[DROP_GUEST_RING_FULL], 7);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_NOT_READY], 1);
	/* Uplink TX full. */
	ports[2].tx_room = 1;
	inject(1, macx, mac1, 60);
	inject(1, macx, mac1, 60);
	dp_poll(&fx.w);
	assert_int_equal(fx.ustats.q[0].tx_pkts, 1);
	assert_int_equal(fx.ustats.q[0].tx_bytes, 60);	/* the dropped frame's not */
	assert_int_equal(fx.ustats.q[0].drops[DROP_UPLINK_TX_FULL], 1);
	assert_no_leak();
}

static void
test_pipe_and_bursts(void **state)
{
	(void)state;
	/* One guest: the uplink is a pipe, the destination MAC is not looked at. */
	setup_fixture(1);
	for (int i = 0; i < 64; i++)
		inject(2, macx, macx, 60);
	/* Two bursts of 32; the buffer holds both before the flush. */
	assert_int_equal(dp_poll(&fx.w), 32);
	assert_int_equal(dp_poll(&fx.w), 32);
	assert_int_equal(ports[0].nb_tx, 64);
	assert_int_equal(fx.gstats[0].q[0].rx_pkts, 64);
	assert_int_equal(dp_poll(&fx.w), 0);
	assert_no_leak();
}

static void
test_alone_on_uplink(void **state)
{
	uint64_t bytes = 0;

	(void)state;
	/* One guest: its frames take the single-guest path, both ways.  Small
	 * and large frames (the large ones are prefetched), a runt and a
	 * spoofer, in two bursts. */
	setup_fixture(1);
	for (int i = 0; i < 60; i++) {
		unsigned int len = i < 30 ? 60 : 1514;

		inject(0, i % 2 ? bcast : macx, i == 7 || i == 50 ? macx : mac0, len);
		if (i != 7 && i != 50)
			bytes += len;
	}
	inject(0, macx, mac0, 64);
	ports[0].rx[ports[0].nb_rx - 1]->data_len = 10;	/* a runt */
	ports[0].rx[ports[0].nb_rx - 1]->pkt_len = 10;
	assert_int_equal(dp_poll(&fx.w), 32);
	assert_int_equal(dp_poll(&fx.w), 29);
	assert_int_equal(ports[2].nb_tx, 58);	/* broadcasts go to the wire too */
	assert_int_equal(fx.gstats[0].q[0].tx_pkts, 61);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_SPOOFED], 2);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_RUNT], 1);
	assert_int_equal(fx.ustats.q[0].tx_pkts, 58);
	assert_int_equal(fx.ustats.q[0].tx_bytes, bytes);
	/* A burst with no bad frame joins the uplink's buffer whole: the
	 * counters are the same as frame by frame. */
	uint64_t gbytes = fx.gstats[0].q[0].tx_bytes;

	for (int i = 0; i < 32; i++) {
		unsigned int len = i % 4 ? 60 : 1514;

		inject(0, i % 5 ? macx : bcast, mac0, len);
		bytes += len;
		gbytes += len;
	}
	assert_int_equal(dp_poll(&fx.w), 32);
	assert_int_equal(ports[2].nb_tx, 90);
	assert_int_equal(fx.gstats[0].q[0].tx_pkts, 93);
	assert_int_equal(fx.gstats[0].q[0].tx_bytes, gbytes);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_SPOOFED], 2);
	assert_int_equal(fx.ustats.q[0].tx_pkts, 90);
	assert_int_equal(fx.ustats.q[0].tx_bytes, bytes);
	/* And back: every frame from the wire to the only guest, bytes exact. */
	bytes = 0;
	for (int i = 0; i < 40; i++) {
		unsigned int len = i % 3 ? 60 : 1514;

		inject(2, macx, macx, len);
		bytes += len;
	}
	assert_int_equal(dp_poll(&fx.w), 32);
	assert_int_equal(dp_poll(&fx.w), 8);
	assert_int_equal(ports[0].nb_tx, 40);
	assert_int_equal(fx.gstats[0].q[0].rx_pkts, 40);
	assert_int_equal(fx.gstats[0].q[0].rx_bytes, bytes);
	assert_int_equal(fx.ustats.q[0].rx_bytes, bytes);
	assert_no_leak();
}

/* A lone guest's burst is checked four frames a turn and dequeued into
 * the uplink's buffer: a bad frame among the last n % 4 is still found and
 * dropped alone, and a rate limit drops from the buffer's own entries. */
static void
test_alone_tail_and_limited(void **state)
{
	const struct config_rate r = { .bps = 8000, .burst = 2048 };
	struct dp_meters m;

	(void)state;
	setup_fixture(1);
	for (int i = 0; i < 7; i++)
		inject(0, macx, i == 6 ? macx : mac0, 60);	/* the 7th spoofed */
	assert_int_equal(dp_poll(&fx.w), 7);
	assert_int_equal(ports[2].nb_tx, 6);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_SPOOFED], 1);
	for (int i = 0; i < 6; i++)
		inject(0, macx, mac0, 60);
	ports[0].rx[ports[0].nb_rx - 1]->data_len = 10;	/* the 6th a runt */
	ports[0].rx[ports[0].nb_rx - 1]->pkt_len = 10;
	assert_int_equal(dp_poll(&fx.w), 6);
	assert_int_equal(ports[2].nb_tx, 11);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_RUNT], 1);
	assert_int_equal(fx.ustats.q[0].tx_bytes, 11 * 60);
	assert_no_leak();

	assert_int_equal(meter_init(&m.tx, &r, 1, 1), 0);
	assert_int_equal(meter_init(&m.rx, &(struct config_rate){ 0 }, 1, 1), 0);
	fx.guests[0].meter = &m;
	for (int i = 0; i < 30; i++)
		inject(0, macx, mac0, 100);
	assert_int_equal(dp_poll(&fx.w), 30);
	assert_int_equal(fx.gstats[0].q[0].tx_pkts, 43);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_RATE_LIMITED], 10);
	assert_int_equal(ports[2].nb_tx, 20);	/* since assert_no_leak() */
	assert_int_equal(fx.ustats.q[0].tx_bytes, 11 * 60 + 20 * 100);
	assert_no_leak();
}

static void
test_multiseg_flood(void **state)
{
	struct rte_mbuf *head, *tail;

	(void)state;
	setup_fixture(2);
	/* A two-segment broadcast from guest 0 reaches guest 1 and the wire
	 * and every segment is returned to the pool. */
	head = rte_pktmbuf_alloc(pool);
	tail = rte_pktmbuf_alloc(pool);
	memset(rte_pktmbuf_append(head, 60), 0, 60);
	memcpy(rte_pktmbuf_mtod(head, uint8_t *), bcast, 6);
	memcpy(rte_pktmbuf_mtod(head, uint8_t *) + 6, mac0, 6);
	memset(rte_pktmbuf_append(tail, 500), 0, 500);
	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	ports[0].rx[ports[0].nb_rx++] = head;
	dp_poll(&fx.w);
	assert_int_equal(ports[1].nb_tx, 1);
	assert_int_equal(ports[2].nb_tx, 1);
	assert_int_equal(fx.gstats[1].q[0].rx_bytes, 560);
	assert_no_leak();
}

static void
test_broadcast_nobody_ready(void **state)
{
	(void)state;
	/* Broadcast from the wire while no guest is up: dropped and counted
	 * on the uplink queue it came in on, so the counters still add up. */
	setup_fixture(2);
	fx.guests[0].ready = false;
	fx.guests[1].ready = false;
	inject(2, bcast, macx, 60);
	inject(2, mac0, macx, 60);
	dp_poll(&fx.w);
	assert_int_equal(fx.ustats.q[0].rx_pkts, 2);
	assert_int_equal(fx.ustats.q[0].drops[DROP_NOT_READY], 1);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_NOT_READY], 1);
	assert_int_equal(ports[0].nb_tx + ports[1].nb_tx, 0);
	assert_no_leak();
}

/* tx-rate on guest 0, rx-rate on guest 1: 1000 bytes/s with a 2048-byte
 * burst lets 20 frames of 100 bytes through; the rest are counted. */
static void
test_rate_limited(void **state)
{
	const struct config_rate r = { .bps = 8000, .burst = 2048 };
	struct dp_meters m0, m1;

	(void)state;
	setup_fixture(2);
	assert_int_equal(meter_init(&m0.tx, &r, 1, 1), 0);
	assert_int_equal(meter_init(&m0.rx, &(struct config_rate){ 0 }, 1, 1), 0);
	assert_int_equal(meter_init(&m1.tx, &(struct config_rate){ 0 }, 1, 1), 0);
	assert_int_equal(meter_init(&m1.rx, &r, 1, 1), 0);
	fx.guests[0].meter = &m0;
	fx.guests[1].meter = &m1;
	for (unsigned int i = 0; i < 30; i++) {
		inject(0, macx, mac0, 100);
		inject(2, mac1, macx, 100);
	}
	assert_int_equal(dp_poll(&fx.w), 60);
	assert_int_equal(fx.gstats[0].q[0].tx_pkts, 30);	/* counted as sent... */
	assert_int_equal(fx.gstats[0].q[0].tx_bytes, 3000);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_RATE_LIMITED], 10);	/* ...and dropped */
	assert_int_equal(ports[2].nb_tx, 20);
	assert_int_equal(fx.ustats.q[0].rx_pkts, 30);
	assert_int_equal(fx.gstats[1].q[0].rx_pkts, 20);
	assert_int_equal(fx.gstats[1].q[0].drops[DROP_RATE_LIMITED], 10);
	assert_int_equal(ports[1].nb_tx, 20);
	assert_no_leak();
}

/* Guest 0's own pool is empty (its mbufs are held elsewhere): its frames
 * are taken into the uplink's pool and dropped as drop_no_mbuf on guest 0;
 * guest 1 is not touched. */
static void
test_guest_pool_dry(void **state)
{
	struct rte_mempool *own = rte_pktmbuf_pool_create_by_ops("own", 63, 0, 0,
								RTE_MBUF_DEFAULT_BUF_SIZE, 0,
								"ring_mp_mc");
	struct rte_mbuf *held[63];

	(void)state;
	assert_non_null(own);
	assert_int_equal(rte_pktmbuf_alloc_bulk(own, held, 63), 0);
	setup_fixture(2);
	fx.guests[0].pool = own;
	for (unsigned int i = 0; i < 5; i++)
		inject(0, macx, mac0, 60);
	for (unsigned int i = 0; i < 3; i++)
		inject(1, macx, mac1, 60);
	assert_int_equal(dp_poll(&fx.w), 8);
	assert_int_equal(fx.gstats[0].q[0].tx_pkts, 5);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_NO_MBUF], 5);
	assert_int_equal(fx.gstats[1].q[0].tx_pkts, 3);
	assert_int_equal(fx.gstats[1].q[0].drops[DROP_NO_MBUF], 0);
	assert_int_equal(ports[2].nb_tx, 3);
	assert_no_leak();
	/* Its mbufs back: guest 0 sends again, nothing more is dropped. */
	rte_pktmbuf_free_bulk(held, 63);
	inject(0, macx, mac0, 60);
	assert_int_equal(dp_poll(&fx.w), 1);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_NO_MBUF], 5);
	assert_int_equal(ports[2].nb_tx, 1);
	assert_no_leak();
	rte_mempool_free(own);
}

static void
test_announce_moves_mac(void **state)
{
	int req = 0, efd = eventfd(0, EFD_NONBLOCK);
	uint64_t v = 0;
	uint8_t *p;

	(void)state;
	/* Guest 1 shares its MAC and does not own it: its RARP asks the main
	 * thread (eventfd) to move the MAC, once. */
	setup_fixture(2);
	fx.guests[1].mac_owner = false;
	fx.guests[1].announce_req = &req;
	fx.guests[1].wake_fd = efd;
	inject(1, bcast, mac1, 60);
	p = rte_pktmbuf_mtod(ports[1].rx[0], uint8_t *);
	p[12] = 0x80;
	p[13] = 0x35;
	inject(1, bcast, mac1, 60);
	p = rte_pktmbuf_mtod(ports[1].rx[1], uint8_t *);
	p[12] = 0x80;
	p[13] = 0x35;
	dp_poll(&fx.w);
	assert_int_equal(req, 1);
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);			/* one wake-up for two announcements */
	/* The RARP itself is flooded like any broadcast. */
	assert_int_equal(ports[2].nb_tx, 2);
	assert_int_equal(ports[0].nb_tx, 2);
	/* An owner's announcement asks for nothing. */
	req = 0;
	fx.guests[1].mac_owner = true;
	inject(1, bcast, mac1, 60);
	p = rte_pktmbuf_mtod(ports[1].rx[0], uint8_t *);
	p[12] = 0x80;
	p[13] = 0x35;
	dp_poll(&fx.w);
	assert_int_equal(req, 0);
	close(efd);
	assert_no_leak();
}








static void
test_queue_mapping(void **state)
{
	(void)state;
	/* Uplink RX queues 0..2 feed a guest with 2 pairs: queue q goes to
	 * pair q mod 2, so RSS spreading survives and each flow stays on one
	 * vring. */
	setup_fixture(1);
	fx.guests[0].nb_pairs = 2;
	fx.rxq[1].q = 0;
	fx.rxq[2] = (struct dp_rxq){ .kind = DP_RXQ_UPLINK, .obj = 0, .q = 1,
				     .load = &fx.load[2] };
	fx.w.nb_rxq = 3;
	/* The fake uplink ignores the queue: the first receive call gets the
	 * first three frames (queue 0), the second the rest (queue 1). */
	inject(2, macx, macx, 60);
	inject(2, macx, macx, 60);
	inject(2, macx, macx, 60);
	assert_int_equal(dp_poll(&fx.w), 3);
	inject(2, macx, macx, 60);
	fx.rxq[1].q = 3;	/* now poll "queue 3" first: 3 mod 2 = pair 1 */
	assert_int_equal(dp_poll(&fx.w), 1);
	assert_int_equal(ports[0].nb_tx, 4);
	assert_int_equal(ports[0].tx_q[0], 0);
	assert_int_equal(ports[0].tx_q[2], 0);
	assert_int_equal(ports[0].tx_q[3], 1);
	assert_int_equal(fx.gstats[0].q[0].rx_pkts, 3);
	assert_int_equal(fx.gstats[0].q[1].rx_pkts, 1);
	assert_no_leak();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uplink_to_guests),
		cmocka_unit_test(test_guest_to_uplink_and_local),
		cmocka_unit_test(test_ring_full_and_not_ready),
		cmocka_unit_test(test_pipe_and_bursts),
		cmocka_unit_test(test_alone_on_uplink),
		cmocka_unit_test(test_alone_tail_and_limited),
		cmocka_unit_test(test_multiseg_flood),
		cmocka_unit_test(test_queue_mapping),
		cmocka_unit_test(test_announce_moves_mac),
		cmocka_unit_test(test_broadcast_nobody_ready),
		cmocka_unit_test(test_queue_load),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_guest_pool_dry),
	};

	return dp_fixture_run("test_datapath", tests, RTE_DIM(tests));
}
