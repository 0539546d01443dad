/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds each worker's poll list (struct dp_worker) from the daemon state and
 * hands it over with RCU: store the new pointer, wait until every worker has
 * passed a quiescent point, free the old one.  Workers never wait for us and
 * never allocate.
 */
#include <errno.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"
#include "vhostd.h"
#include "vhostd/placement.h"

/* Keep existing assignments; place new queues on the least loaded worker;
 * release queues that went away. */
static void
place_queues(struct vhostd *d)
{
	unsigned int load[VHOSTD_MAX_WORKERS] = { 0 };

	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		for (unsigned int q = 0; q < d->uplinks[i].nb_rxq; q++)
			if (d->uplinks[i].rxq_worker[q] != NO_WORKER)
				load[d->uplinks[i].rxq_worker[q]]++;
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];

		for (unsigned int q = 0; q < VHOSTD_MAX_QUEUES; q++) {
			if (!g->in_use || q >= g->nb_pairs)
				g->txq_worker[q] = NO_WORKER;
			else if (g->txq_worker[q] != NO_WORKER)
				load[g->txq_worker[q]]++;
		}
	}
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		for (unsigned int q = 0; q < d->uplinks[i].nb_rxq; q++)
			if (d->uplinks[i].rxq_worker[q] == NO_WORKER) {
				unsigned int w = placement_pick(load, d->nb_workers);

				d->uplinks[i].rxq_worker[q] = (uint16_t)w;
				load[w]++;
			}
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];

		for (unsigned int q = 0; g->in_use && q < g->nb_pairs; q++)
			if (g->txq_worker[q] == NO_WORKER) {
				unsigned int w = placement_pick(load, d->nb_workers);

				g->txq_worker[q] = (uint16_t)w;
				load[w]++;
			}
	}
}

static struct dp_worker *
build_worker(struct vhostd *d, unsigned int w, const struct fwd_table *fwd)
{
	unsigned int nb_rxq = 0;
	struct dp_worker *dp;
	size_t size;
	char *p;

	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		for (unsigned int q = 0; q < d->uplinks[i].nb_rxq; q++)
			nb_rxq += d->uplinks[i].rxq_worker[q] == w;
	for (unsigned int i = 0; i < d->nb_guests; i++)
		for (unsigned int q = 0; d->guests[i].in_use && q < d->guests[i].nb_pairs; q++)
			nb_rxq += d->guests[i].txq_worker[q] == w;

	size = sizeof(*dp) + nb_rxq * sizeof(struct dp_rxq) +
	       d->nb_guests * sizeof(struct dp_guest) +
	       d->nb_uplinks * sizeof(struct dp_uplink);
	dp = rte_zmalloc_socket("dp_worker", size, RTE_CACHE_LINE_SIZE,
				(int)rte_lcore_to_socket_id(d->workers[w].lcore));
	if (dp == NULL)
		return NULL;
	p = (char *)(dp + 1);
	dp->guests = (struct dp_guest *)p;
	p += d->nb_guests * sizeof(struct dp_guest);
	dp->uplinks = (struct dp_uplink *)p;
	p += d->nb_uplinks * sizeof(struct dp_uplink);
	dp->rxq = (struct dp_rxq *)p;
	dp->nb_guests = d->nb_guests;
	dp->gso = &d->workers[w].gso;
	dp->nb_uplinks = d->nb_uplinks;

	for (unsigned int i = 0; i < d->nb_uplinks; i++) {
		struct uplink *u = &d->uplinks[i];
		struct dp_uplink *du = &dp->uplinks[i];

		du->ops = u->tx_offloads ? &ethdev_offload_port_ops : &ethdev_port_ops;
		du->tx_offloads = u->tx_offloads;
		du->id = u->port;
		du->txq = (uint16_t)(w % u->nb_txq);
		du->txlock = u->shared_txq ? &u->txlock[du->txq] : NULL;
		du->pool = u->pool;
		du->fwd = &fwd[i];
		du->stats = &u->stats[w];
		for (unsigned int q = 0; q < u->nb_rxq; q++)
			if (u->rxq_worker[q] == w)
				dp->rxq[dp->nb_rxq++] = (struct dp_rxq){
					.kind = DP_RXQ_UPLINK, .obj = (uint16_t)i, .q = (uint16_t)q };
	}
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		struct dp_guest *dg = &dp->guests[i];

		dg->ops = &vhost_port_ops;
		if (!g->in_use)
			continue;	/* a hole: in no MAC table, never ready */
		dg->id = (uint16_t)(g->state == GUEST_RUNNING ? g->vid : 0);
		dg->ready = g->state == GUEST_RUNNING && g->nb_pairs > 0;
		dg->has_mac = g->cfg.has_mac;
		dg->mac_check = g->cfg.mac_check;
		dg->mac_owner = !g->cfg.has_mac || guest_owns_mac(d, g);
		dg->features = g->state == GUEST_RUNNING ? g->features : 0;
		dg->announce_req = &g->announce_req;
		dg->wake_fd = d->event_fd;
		memcpy(dg->mac, g->cfg.mac, 6);
		dg->uplink = g->uplink;
		dg->stats = &g->stats[w];
		dg->capture = g->capture;
		for (unsigned int q = 0; q < g->nb_pairs; q++)
			if (g->txq_worker[q] == w)
				dp->rxq[dp->nb_rxq++] = (struct dp_rxq){
					.kind = DP_RXQ_GUEST, .obj = (uint16_t)i, .q = (uint16_t)q };
		dg->nb_pairs = g->nb_pairs;
	}
	return dp;
}

int
dataplane_publish(struct vhostd *d)
{
	struct dp_worker *old[VHOSTD_MAX_WORKERS], *new[VHOSTD_MAX_WORKERS];
	struct fwd_table *fwd, *old_fwd;
	unsigned int w;

	/* Forwarding tables: one copy, read-only, shared by all workers and
	 * retired with their lists. */
	fwd = rte_zmalloc("fwd", sizeof(*fwd) * (d->nb_uplinks ? d->nb_uplinks : 1),
			  RTE_CACHE_LINE_SIZE);
	if (fwd == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		fwd_table_init(&fwd[i]);
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		int ret;

		if (!g->in_use)
			continue;
		/* A guest that shares its MAC without owning it gets floods only. */
		ret = fwd_table_add(&fwd[g->uplink], (uint16_t)i,
				    guest_owns_mac(d, g) ? g->cfg.mac : NULL);
		if (ret != 0)
			LOG(WARNING, "guest %s: not in the MAC table of uplink %s: %s",
			    g->cfg.name, d->uplinks[g->uplink].cfg.name, strerror(-ret));
	}

	place_queues(d);
	for (w = 0; w < d->nb_workers; w++) {
		new[w] = build_worker(d, w, fwd);
		if (new[w] == NULL) {
			while (w-- > 0)
				rte_free(new[w]);
			rte_free(fwd);
			return -ENOMEM;
		}
	}
	old_fwd = d->fwd;
	for (w = 0; w < d->nb_workers; w++) {
		old[w] = d->workers[w].dp;
		__atomic_store_n(&d->workers[w].dp, new[w], __ATOMIC_RELEASE);
	}
	/* Wait until no worker can be inside an old list. */
	rte_rcu_qsbr_synchronize(d->qsv, RTE_QSBR_THRID_INVALID);
	for (w = 0; w < d->nb_workers; w++)
		rte_free(old[w]);
	rte_free(old_fwd);
	d->fwd = fwd;
	d->publishes++;
	return 0;
}

void
dataplane_free_all(struct vhostd *d)
{
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		rte_free(d->workers[w].dp);
		d->workers[w].dp = NULL;
	}
	rte_free(d->fwd);
	d->fwd = NULL;
}
