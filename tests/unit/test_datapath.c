/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop (src/datapath/datapath.c) against fake ports: real mbufs from a
 * real mempool (EAL in memory, no hugepages), fake guests and uplinks behind
 * struct vport_ops.  Checks where frames go, what is counted, and that no
 * mbuf leaks (the pool is full again after every test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/eventfd.h>
#include <unistd.h>

#define ALLOW_EXPERIMENTAL_API	/* rte_ipv4_udptcp_cksum_mbuf_verify */

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "datapath/poll_list.h"
#include "datapath/offload.h"

#define NB_MBUFS 1023
#define FAKE_PORTS 4

int vhostd_logtype = RTE_LOGTYPE_USER1;	/* ratelimit.c logs through it */

struct fake_port {
	struct rte_mbuf *rx[64];	/* frames waiting to be received */
	unsigned int nb_rx;
	unsigned int tx_room;		/* how many tx accepts before "full" */
	unsigned int nb_tx;
	uint8_t tx_dst[256][6];		/* what it sent: destination MACs */
	uint16_t tx_q[256];		/* ... and on which queue pair */
	bool copies;			/* guest: copy and free; uplink: keep */
	struct rte_mbuf *kept[256];
	unsigned int started;
	unsigned int prepared;		/* frames its prepare looked at */
	uint32_t refuse_len;		/* prepare refuses frames this long */
};

static struct fake_port ports[FAKE_PORTS];
static struct rte_mempool *pool, *indirect;
static struct rte_gso_ctx gso;

static uint16_t
fake_rx(uint16_t id, uint16_t q, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n)
{
	struct fake_port *p = &ports[id];
	uint16_t k = 0;

	(void)q;
	/* As librte_vhost: nothing when the pool cannot give a buffer each. */
	if (mp != NULL && rte_mempool_avail_count(mp) < RTE_MIN(n, p->nb_rx))
		return 0;
	while (k < n && k < p->nb_rx) {
		pkts[k] = p->rx[k];
		k++;
	}
	memmove(p->rx, p->rx + k, (p->nb_rx - k) * sizeof(p->rx[0]));
	p->nb_rx -= k;
	return k;
}

static uint16_t
fake_tx(uint16_t id, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct fake_port *p = &ports[id];
	uint16_t k;

	for (k = 0; k < n && p->tx_room > 0; k++, p->tx_room--) {
		memcpy(p->tx_dst[p->nb_tx], rte_pktmbuf_mtod(pkts[k], uint8_t *), 6);
		p->tx_q[p->nb_tx] = q;
		if (p->copies)
			rte_pktmbuf_free(pkts[k]);
		else
			p->kept[p->nb_tx] = pkts[k];
		p->nb_tx++;
	}
	return k;
}

static int
fake_start(uint16_t id, uint16_t q)
{
	(void)q;
	ports[id].started++;
	return 0;
}

static const struct vport_ops fake_ops = {
	.rx = fake_rx, .tx = fake_tx, .poll_start = fake_start,
};

/* As rte_eth_tx_prepare: stops at the first frame it refuses. */
static uint16_t
fake_prepare(uint16_t id, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct fake_port *p = &ports[id];
	uint16_t k;

	(void)q;
	for (k = 0; k < n; k++) {
		p->prepared++;
		if (pkts[k]->pkt_len == p->refuse_len)
			break;
	}
	return k;
}

/* An uplink with TX offloads, whose driver has a prepare step. */
static const struct vport_ops fake_prepare_ops = {
	.rx = fake_rx, .tx = fake_tx, .prepare = fake_prepare,
};

static const uint8_t mac0[6] = { 0x52, 0x54, 0, 0, 0, 0x10 };
static const uint8_t mac1[6] = { 0x52, 0x54, 0, 0, 0, 0x11 };
static const uint8_t macx[6] = { 0x52, 0x54, 0, 0, 0, 0x99 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Ports: 0 = guest 0, 1 = guest 1, 2 = uplink. */
struct fixture {
	struct fwd_table fwd;
	struct port_stats gstats[2], ustats;
	struct ratelimit glog[2];
	struct dp_guest guests[2];
	struct dp_uplink uplink;
	struct dp_rxq rxq[3];
	struct queue_load load[3];
	uint16_t to_flush[2];
	struct dp_worker w;
};

static struct fixture fx;

static void
setup_fixture(unsigned int nb_guests)
{
	memset(&fx, 0, sizeof(fx));
	memset(ports, 0, sizeof(ports));
	fwd_table_init(&fx.fwd);
	for (unsigned int i = 0; i < nb_guests; i++) {
		struct dp_guest *g = &fx.guests[i];

		g->ops = &fake_ops;
		g->id = (uint16_t)i;
		g->ready = true;
		g->nb_pairs = 1;
		g->mac_owner = true;
		g->has_mac = true;
		g->mac_check = true;
		memcpy(g->mac, i == 0 ? mac0 : mac1, 6);
		g->name = i == 0 ? "vm0" : "vm1";
		g->log = &fx.glog[i];
		g->stats = &fx.gstats[i];
		g->pool = pool;		/* the uplink's: no pool of its own */
		fwd_table_add(&fx.fwd, (uint16_t)i, g->mac);
		ports[i].copies = true;
		ports[i].tx_room = 1000;
		fx.rxq[i] = (struct dp_rxq){ .kind = DP_RXQ_GUEST, .obj = (uint16_t)i };
	}
	fx.uplink.ops = &fake_ops;
	fx.uplink.id = 2;
	fx.uplink.pool = pool;
	fx.uplink.fwd = &fx.fwd;
	fx.uplink.stats = &fx.ustats;
	ports[2].tx_room = 1000;
	fx.rxq[nb_guests] = (struct dp_rxq){ .kind = DP_RXQ_UPLINK, .obj = 0 };
	fx.w.nb_rxq = nb_guests + 1;
	for (unsigned int i = 0; i <= nb_guests; i++)
		fx.rxq[i].load = &fx.load[i];
	fx.w.rxq = fx.rxq;
	fx.w.nb_guests = nb_guests;
	fx.w.guests = fx.guests;
	fx.w.to_flush = fx.to_flush;
	fx.w.nb_uplinks = 1;
	fx.w.uplinks = &fx.uplink;
	fx.w.gso = &gso;
}

static void
inject(unsigned int port, const uint8_t *dst, const uint8_t *src, unsigned int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	memset(p, 0, len);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	ports[port].rx[ports[port].nb_rx++] = m;
}

/* Free what the fake uplink kept, then check that the pool is whole. */
static void
assert_no_leak(void)
{
	for (unsigned int i = 0; i < ports[2].nb_tx; i++)
		rte_pktmbuf_free(ports[2].kept[i]);
	ports[2].nb_tx = 0;
	assert_int_equal(rte_mempool_avail_count(pool), NB_MBUFS);
}

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
	char *eal[] = { "test_datapath", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			"--log-level=3", "--lcores=0", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uplink_to_guests),
		cmocka_unit_test(test_guest_to_uplink_and_local),
		cmocka_unit_test(test_ring_full_and_not_ready),
		cmocka_unit_test(test_pipe_and_bursts),
		cmocka_unit_test(test_alone_on_uplink),
		cmocka_unit_test(test_multiseg_flood),
		cmocka_unit_test(test_queue_mapping),
		cmocka_unit_test(test_announce_moves_mac),
		cmocka_unit_test(test_offload_finished_for_uplink),
		cmocka_unit_test(test_offload_to_guests),
		cmocka_unit_test(test_partial_csum_from_uplink),
		cmocka_unit_test(test_broadcast_nobody_ready),
		cmocka_unit_test(test_queue_load),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_guest_pool_dry),
		cmocka_unit_test(test_prepare_refusal_costs_sender_only),
		cmocka_unit_test(test_offload_bounds_checked_before_burst),
		cmocka_unit_test(test_gso_size_wrap),
		cmocka_unit_test(test_tx_pps_counts_segments),
	};
	int ret;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test", NB_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	indirect = rte_pktmbuf_pool_create("ind", 511, 0, 0, 0, 0);
	if (pool == NULL || indirect == NULL)
		return 1;
	gso = (struct rte_gso_ctx){ .direct_pool = pool, .indirect_pool = indirect,
				    .gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO };
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return ret;
}
