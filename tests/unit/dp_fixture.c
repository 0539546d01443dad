/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake ports and the fixture of the datapath tests (dp_fixture.h):
 * real mbufs from a real mempool (EAL in memory, no hugepages), fake guests
 * and uplinks behind struct vport_ops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_mbuf.h>

#include "dp_fixture.h"

int vhostd_logtype = RTE_LOGTYPE_USER1;	/* ratelimit.c logs through it */

struct fake_port ports[FAKE_PORTS];
struct rte_mempool *pool, *indirect;
struct rte_gso_ctx gso;

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

	p->tx_calls++;
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

const struct vport_ops fake_ops = {
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
const struct vport_ops fake_prepare_ops = {
	.rx = fake_rx, .tx = fake_tx, .prepare = fake_prepare,
};

const uint8_t mac0[6] = { 0x52, 0x54, 0, 0, 0, 0x10 };
const uint8_t mac1[6] = { 0x52, 0x54, 0, 0, 0, 0x11 };
const uint8_t macx[6] = { 0x52, 0x54, 0, 0, 0, 0x99 };
const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct fixture fx;

void
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
		g->stats_main = &fx.gmain[i];
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

void
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
void
assert_no_leak(void)
{
	for (unsigned int i = 0; i < ports[2].nb_tx; i++)
		rte_pktmbuf_free(ports[2].kept[i]);
	ports[2].nb_tx = 0;
	assert_int_equal(rte_mempool_avail_count(pool), NB_MBUFS);
}

/* EAL in memory (no hugepages, no PCI), the pools, then the tests. */
int
dp_fixture_run(const char *name, const struct CMUnitTest *tests, size_t nb_tests)
{
	char *eal[] = { (char *)name, "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			"--log-level=3", "--lcores=0", NULL };
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
	ret = _cmocka_run_group_tests(name, tests, nb_tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return ret;
}
