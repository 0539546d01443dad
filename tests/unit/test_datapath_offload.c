/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop's offloads (src/datapath/datapath.c, offload.c)
 * against fake ports (dp_fixture.c): TSO and checksums a guest asks for,
 * finished in software or left to an uplink that can, bounds checked
 * before a burst, and no mbuf leaked.
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

/* A TCP/IPv4 frame as a guest with CSUM/HOST_TSO4 hands it over: partial
 * checksum (the pseudo-header sum) and, for TSO, librte_vhost's flags. */
static struct rte_mbuf *
tcp_frame_opts(const uint8_t *dst, const uint8_t *src, uint32_t payload, uint16_t mss,
	       uint8_t ip_hl, uint8_t tcp_hl)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(pool), *m = head;
	uint32_t left = payload, hdr = 14u + ip_hl + tcp_hl;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint8_t *p;

	assert_non_null(head);
	p = (uint8_t *)rte_pktmbuf_append(head, (uint16_t)hdr);
	if (p == NULL)
		abort();	/* not assert_non_null: gcc 12 then warns on p + 6 */
	memset(p, 0, hdr);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(p + 14);
	ip->version_ihl = (uint8_t)(0x40 | ip_hl / 4);
	ip->total_length = rte_cpu_to_be_16((uint16_t)RTE_MIN(ip_hl + tcp_hl + payload, 65535u));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(0xc0000201);
	ip->dst_addr = rte_cpu_to_be_32(0xc0000202);
	tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ip_hl);
	tcp->src_port = rte_cpu_to_be_16(40000);
	tcp->dst_port = rte_cpu_to_be_16(80);
	tcp->sent_seq = rte_cpu_to_be_32(1000);
	tcp->data_off = (uint8_t)(tcp_hl / 4 << 4);
	tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	while (left > 0) {
		uint16_t n = (uint16_t)RTE_MIN(left, (uint32_t)rte_pktmbuf_tailroom(m));

		if (n == 0) {
			struct rte_mbuf *next = rte_pktmbuf_alloc(pool);

			assert_non_null(next);
			assert_int_equal(rte_pktmbuf_chain(head, next), 0);
			m = next;
			continue;
		}
		p = (uint8_t *)rte_pktmbuf_append(head, n);
		for (uint16_t i = 0; i < n; i++)
			p[i] = (uint8_t)(left - i);
		left -= n;
	}
	head->l2_len = 14;
	head->l3_len = ip_hl;
	head->l4_len = tcp_hl;
	head->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	if (mss != 0) {
		head->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		head->tso_segsz = mss;
	}
	tcp->cksum = rte_ipv4_phdr_cksum(ip, head->ol_flags);
	return head;
}

static struct rte_mbuf *
tcp_frame(const uint8_t *dst, const uint8_t *src, uint32_t payload, uint16_t mss)
{
	return tcp_frame_opts(dst, src, payload, mss, 20, 20);
}

static void
check_complete(struct rte_mbuf *m, uint32_t max_len)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	assert_true(m->pkt_len <= max_len);
	assert_false(m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG));
	assert_int_equal(rte_ipv4_cksum(ip), 0);	/* verifies to 0 with the sum in */
	assert_int_equal(rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, 34), 0);
}

static void
test_offload_finished_for_uplink(void **state)
{
	(void)state;
	/* An uplink without offloads: a 64 KiB TSO frame leaves as MSS-sized
	 * frames with correct checksums; a partial checksum is completed. */
	setup_fixture(1);
	ports[0].rx[ports[0].nb_rx++] = tcp_frame(macx, mac0, 60000, 1448);
	ports[0].rx[ports[0].nb_rx++] = tcp_frame(macx, mac0, 900, 0);
	dp_poll(&fx.w);
	assert_int_equal(ports[2].nb_tx, 42 + 1);	/* ceil(60000 / 1448) + 1 */
	for (unsigned int i = 0; i < ports[2].nb_tx; i++)
		check_complete(ports[2].kept[i], 14 + 20 + 20 + 1448);
	assert_int_equal(fx.ustats.q[0].tx_pkts, 43);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_BAD_OFFLOAD], 0);
	assert_no_leak();

	/* An uplink with TSO and checksum offloads gets the frame as it is. */
	setup_fixture(1);
	fx.uplink.tx_offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	ports[0].rx[ports[0].nb_rx++] = tcp_frame(macx, mac0, 60000, 1448);
	dp_poll(&fx.w);
	assert_int_equal(ports[2].nb_tx, 1);
	assert_true(ports[2].kept[0]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_no_leak();
}

static void
test_offload_to_guests(void **state)
{
	(void)state;
	/* Guest to guest: as it is for a guest that negotiated GUEST_CSUM and
	 * GUEST_TSO4, finished for one that did not. */
	setup_fixture(2);
	ports[1].copies = false;	/* keep them to look at */
	fx.guests[1].features = (1ULL << 1) | (1ULL << 7);
	ports[0].rx[ports[0].nb_rx++] = tcp_frame(mac1, mac0, 30000, 1448);
	dp_poll(&fx.w);
	assert_int_equal(ports[1].nb_tx, 1);
	assert_true(ports[1].kept[0]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	rte_pktmbuf_free(ports[1].kept[0]);
	ports[1].nb_tx = 0;
	fx.guests[1].features = 0;
	ports[0].rx[ports[0].nb_rx++] = tcp_frame(mac1, mac0, 30000, 1448);
	dp_poll(&fx.w);
	assert_int_equal(ports[1].nb_tx, 21);		/* ceil(30000 / 1448) */
	for (unsigned int i = 0; i < ports[1].nb_tx; i++) {
		check_complete(ports[1].kept[i], 14 + 20 + 20 + 1448);
		rte_pktmbuf_free(ports[1].kept[i]);
	}
	ports[1].nb_tx = 0;
	assert_no_leak();
}

/* A frame from the uplink as a packet socket hands it over: no flags; with
 * partial = false its checksum is complete. */
static struct rte_mbuf *
wire_frame(const uint8_t *dst, bool partial)
{
	struct rte_mbuf *m = tcp_frame(dst, mac1, 900, 0);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	if (partial)
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	else
		assert_int_equal(offload_finish_csum(m), 0);
	m->ol_flags = 0;
	m->l2_len = m->l3_len = m->l4_len = 0;
	return m;
}

static void
test_partial_csum_from_uplink(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	/* net_af_packet: an unfinished checksum reaches a guest with
	 * GUEST_CSUM as a partial one (librte_vhost: NEEDS_CSUM), and one
	 * without it finished; a complete checksum is left alone. */
	setup_fixture(2);
	fx.uplink.rx_partial_csum = true;
	ports[0].copies = ports[1].copies = false;
	fx.guests[0].features = 1ULL << 1;
	ports[2].rx[ports[2].nb_rx++] = wire_frame(mac0, true);
	ports[2].rx[ports[2].nb_rx++] = wire_frame(mac1, true);
	ports[2].rx[ports[2].nb_rx++] = wire_frame(mac0, false);
	dp_poll(&fx.w);
	assert_int_equal(ports[0].nb_tx, 2);
	assert_int_equal(ports[1].nb_tx, 1);
	m = ports[0].kept[0];
	assert_int_equal(m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4),
			 RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4);
	assert_int_equal(m->l2_len + m->l3_len, 34);
	assert_int_equal(offload_finish_csum(m), 0);	/* what the guest computes */
	check_complete(m, 14 + 20 + 20 + 900);
	check_complete(ports[0].kept[1], 14 + 20 + 20 + 900);
	check_complete(ports[1].kept[0], 14 + 20 + 20 + 900);
	for (unsigned int p = 0; p < 2; p++)
		for (unsigned int i = 0; i < ports[p].nb_tx; i++)
			rte_pktmbuf_free(ports[p].kept[i]);
	ports[0].nb_tx = ports[1].nb_tx = 0;

	/* Other uplinks (net_tap: the kernel finished it) are not looked at. */
	fx.uplink.rx_partial_csum = false;
	ports[2].rx[ports[2].nb_rx++] = wire_frame(mac0, true);
	dp_poll(&fx.w);
	assert_int_equal(ports[0].nb_tx, 1);
	assert_int_equal(ports[0].kept[0]->ol_flags, 0);
	rte_pktmbuf_free(ports[0].kept[0]);
	ports[0].nb_tx = 0;
	assert_no_leak();
}

/* The uplink's driver refuses one of guest 0's frames in its prepare step
 * (rte_eth_tx_prepare stops there).  Guest 1's frames, in the same burst
 * after it, still go out; the refused frame is dropped and counted on
 * guest 0, the sender, and nothing as uplink_tx_full. */
static void
test_prepare_refusal_costs_sender_only(void **state)
{
	(void)state;
	setup_fixture(2);
	fx.uplink.ops = &fake_prepare_ops;
	fx.uplink.tx_offloads = RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	ports[2].refuse_len = 99;
	inject(0, macx, mac0, 60);
	inject(0, macx, mac0, 99);	/* refused */
	inject(0, macx, mac0, 61);
	inject(1, macx, mac1, 70);
	inject(1, macx, mac1, 71);
	inject(1, macx, mac1, 72);
	const uint32_t out[] = { 60, 61, 70, 71, 72 };	/* guest 1's after guest 0's, in order */

	assert_int_equal(dp_poll(&fx.w), 6);
	assert_int_equal(ports[2].nb_tx, RTE_DIM(out));
	for (unsigned int i = 0; i < RTE_DIM(out); i++)
		assert_int_equal(ports[2].kept[i]->pkt_len, out[i]);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_BAD_OFFLOAD], 1);
	assert_int_equal(fx.gstats[1].q[0].drops[DROP_BAD_OFFLOAD], 0);
	assert_int_equal(fx.ustats.q[0].drops[DROP_UPLINK_TX_FULL], 0);
	assert_int_equal(fx.ustats.q[0].tx_pkts, 5);
	assert_int_equal(fx.ustats.q[0].tx_bytes, 60 + 61 + 70 + 71 + 72);
	assert_no_leak();

	/* The refused frame last in the buffer, from guest 1 this time: each
	 * frame is prepared once, and the counts follow the sender. */
	ports[2].prepared = 0;
	inject(0, macx, mac0, 60);
	inject(1, macx, mac1, 99);
	dp_poll(&fx.w);
	assert_int_equal(ports[2].prepared, 2);
	assert_int_equal(ports[2].nb_tx, 1);
	assert_int_equal(fx.gstats[1].q[0].drops[DROP_BAD_OFFLOAD], 1);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_BAD_OFFLOAD], 1);
	assert_no_leak();
}

/* TSO requests out of bounds, toward an uplink that segments in hardware:
 * dropped before they join the uplink's burst (its prepare never sees
 * them), counted on the guest that sent them; guest 1's frame in the same
 * burst goes out. */
static void
test_offload_bounds_checked_before_burst(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	setup_fixture(2);
	fx.uplink.ops = &fake_prepare_ops;
	fx.uplink.tx_offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	m = tcp_frame(macx, mac0, 3000, 1448);
	m->tso_segsz = 0;
	ports[0].rx[ports[0].nb_rx++] = m;
	m = tcp_frame(macx, mac0, 3000, 1448);
	m->l4_len = 8;			/* TCP data offset 2: shorter than a TCP header */
	ports[0].rx[ports[0].nb_rx++] = m;
	/* 600 segments of 100 bytes: more than a frame may become. */
	ports[0].rx[ports[0].nb_rx++] = tcp_frame(macx, mac0, 60000, 100);
	/* Headers (14 + 60 + 60) plus MSS past 65535: the 16-bit wrap. */
	ports[0].rx[ports[0].nb_rx++] = tcp_frame_opts(macx, mac0, 20000, 65535, 60, 60);
	m = tcp_frame(macx, mac0, 3000, 1448);
	m->l4_len = 60;
	m->data_len = 14 + 20 + 40;	/* headers beyond the first segment */
	m->pkt_len = m->data_len;
	ports[0].rx[ports[0].nb_rx++] = m;
	/* In bounds: goes out as it is, for the device to segment. */
	ports[0].rx[ports[0].nb_rx++] = tcp_frame(macx, mac0, 3000, 1448);
	inject(1, macx, mac1, 60);
	assert_int_equal(dp_poll(&fx.w), 7);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_BAD_OFFLOAD], 5);
	assert_int_equal(fx.gstats[1].q[0].drops[DROP_BAD_OFFLOAD], 0);
	assert_int_equal(ports[2].prepared, 2);
	assert_int_equal(ports[2].nb_tx, 2);
	assert_true(ports[2].kept[0]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(ports[2].kept[1]->pkt_len, 60);
	assert_int_equal(fx.ustats.q[0].drops[DROP_UPLINK_TX_FULL], 0);
	assert_no_leak();
}

/* The 16-bit wrap toward an uplink that cannot segment: 14 + 60 + 60 bytes
 * of headers plus an MSS of 65535 made librte_gso's gso_size 133, less
 * than the headers, and the whole 20 KB frame went out as one.  Now it is
 * dropped, on the sender; nothing longer than headers + MSS leaves. */
static void
test_gso_size_wrap(void **state)
{
	(void)state;
	setup_fixture(1);
	ports[0].rx[ports[0].nb_rx++] = tcp_frame_opts(macx, mac0, 20000, 65535, 60, 60);
	ports[0].rx[ports[0].nb_rx++] = tcp_frame_opts(macx, mac0, 20000, 1400, 60, 60);
	dp_poll(&fx.w);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_BAD_OFFLOAD], 1);
	assert_int_equal(ports[2].nb_tx, 15);		/* ceil(20000 / 1400) */
	for (unsigned int i = 0; i < ports[2].nb_tx; i++)
		assert_true(ports[2].kept[i]->pkt_len <= 14 + 60 + 60 + 1400);
	assert_no_leak();
}

/* tx-pps counts what leaves: a TSO frame of 10 segments is 10 frames.
 * 1000 frames/s with its smallest burst (64) lets 6 such frames through
 * (60 frames on the wire), not 10. */
static void
test_tx_pps_counts_segments(void **state)
{
	const struct config_rate r = { .pps = 1000 };
	struct dp_meters m0;

	(void)state;
	setup_fixture(1);
	assert_int_equal(meter_init(&m0.tx, &r, 1, 1), 0);
	assert_int_equal(meter_init(&m0.rx, &(struct config_rate){ 0 }, 1, 1), 0);
	fx.guests[0].meter = &m0;
	for (unsigned int i = 0; i < 10; i++)
		ports[0].rx[ports[0].nb_rx++] = tcp_frame(macx, mac0, 14480, 1448);
	assert_int_equal(dp_poll(&fx.w), 10);
	assert_int_equal(fx.gstats[0].q[0].drops[DROP_RATE_LIMITED], 4);
	assert_int_equal(ports[2].nb_tx, 60);
	assert_int_equal(fx.ustats.q[0].tx_pkts, 60);
	assert_no_leak();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offload_finished_for_uplink),
		cmocka_unit_test(test_offload_to_guests),
		cmocka_unit_test(test_partial_csum_from_uplink),
		cmocka_unit_test(test_prepare_refusal_costs_sender_only),
		cmocka_unit_test(test_offload_bounds_checked_before_burst),
		cmocka_unit_test(test_gso_size_wrap),
		cmocka_unit_test(test_tx_pps_counts_segments),
	};

	return dp_fixture_run("test_datapath_offload", tests, RTE_DIM(tests));
}
