/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds each worker's poll list (struct dp_worker) from the daemon state and
 * hands it over with RCU: store the new pointer, wait until every worker has
 * passed a quiescent point, free the old one.  Workers never wait for us and
 * never allocate.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "datapath/poll_list.h"
#include "control/vhostd.h"
#include "ports/uplink.h"
#include "vhostd/placement.h"

/* queue-affinity names CPUs: the worker on that CPU, if any. */
static uint16_t
pin_of(const struct vhostd *d, const struct config_affinity *a, unsigned int q)
{
	if (!(a->mask & (1u << q)))
		return PLACEMENT_NONE;
	for (unsigned int w = 0; w < d->nb_workers; w++)
		if (d->workers[w].lcore == a->cpu[q])
			return (uint16_t)w;
	return PLACEMENT_NONE;
}

/*
 * Pinned queues go to their pin; placed queues stay (only the rebalancer
 * and pins move them); new queues go to the worker with the fewest queues
 * on their node (placement.c); queues that went away are released.  A
 * guest's queues follow its memory's node (librte_vhost's, read at
 * new_device), an uplink's the device's.
 */
static void
place_queues(struct vhostd *d)
{
	static struct placement_queue pq[PLACEMENT_MAX_QUEUES];	/* under d->lock */
	static struct place_ref ref[PLACEMENT_MAX_QUEUES];
	struct placement_topo t;
	const char *warned = NULL;
	unsigned int n = 0;

	place_topology(d, &t);
	PLACE_FOREACH(it, d, PLACE_SLOTS) {
		if (!it.ref.served) {
			it.ref.p->worker = NO_WORKER;	/* released */
			continue;
		}
		pq[n] = (struct placement_queue){ .worker = it.ref.p->worker,
			.pin = pin_of(d, it.ref.affinity, it.ref.q), .node = it.ref.node };
		ref[n++] = it.ref;
	}
	placement_assign(&t, pq, n);
	for (unsigned int i = 0; i < n; i++) {
		bool changed = ref[i].p->worker != pq[i].worker;

		ref[i].p->worker = pq[i].worker;
		/* Once per object and placement: a guest's pairs share a node. */
		if (!changed || !pq[i].cross || ref[i].name == warned)
			continue;
		warned = ref[i].name;
		if (pq[i].pin != PLACEMENT_NONE)
			LOG(WARNING, "%s %s: queue %u is pinned (queue-affinity) to worker %u on NUMA "
			    "node %d, but its memory is on node %d: cross-node traffic", ref[i].kind,
			    ref[i].name, ref[i].q, pq[i].worker, t.node[pq[i].worker], pq[i].node);
		else
			LOG(WARNING, "%s %s: memory on NUMA node %d, but no worker runs there "
			    "([daemon] cores): polled from node %d, cross-node traffic (add a CPU "
			    "of node %d to cores)", ref[i].kind, ref[i].name, pq[i].node,
			    t.node[pq[i].worker], pq[i].node);
	}
}

/*
 * The worker whose list holds a queue.  While holding (the first of two
 * publishes), a queue that changes workers is in no list: publish_workers
 * waits for a grace period between taking it from its old worker and
 * giving it to the new one, so two workers never poll it at once, and
 * what the old one received is flushed before the new one receives more
 * (no reordering within the queue).
 */
static uint16_t
list_of(const struct vhostd *d, uint16_t assigned, uint16_t polled)
{
	if (d->holding && polled != NO_WORKER && polled != assigned)
		return NO_WORKER;
	return assigned;
}

/* Does some queue change workers in this publish? */
static bool
queues_moving(struct vhostd *d)
{
	PLACE_FOREACH(it, d, 0) {
		const struct queue_place *p = it.ref.p;

		if (p->polled_by != NO_WORKER && p->worker != NO_WORKER &&
		    p->polled_by != p->worker)
			return true;
	}
	return false;
}

/* After a publish: what the workers' lists now hold. */
static void
record_polled(struct vhostd *d)
{
	PLACE_FOREACH(it, d, PLACE_SLOTS) {
		struct queue_place *p = it.ref.p;
		uint16_t to = p->worker, from = p->polled_by;

		/* The flight recorder's queue moves (rebalancing,
		 * guest.affinity): recorded once, when the polled queue is
		 * first given another worker (a hand-over may pass through
		 * NO_WORKER while holding). */
		if (it.ref.g != NULL && it.ref.served && from != NO_WORKER && to != NO_WORKER &&
		    to != from)
			events_add(it.ref.g->events, EV_QUEUE_MOVE, it.ref.q, from, to, NULL);
		p->polled_by = it.ref.served ? list_of(d, to, from) : NO_WORKER;
	}
}

/*
 * When this worker may sleep, and on what (notify.c): never while it polls
 * a guest in poll mode; at once when all its guests are in interrupt mode;
 * else after [daemon] idle-threshold-us.  Sleeping needs a fd per queue.
 */
static void
notify_setup(struct vhostd *d, struct dp_worker *dp)
{
	uint64_t threshold = rte_get_tsc_hz() / 1000000 * d->cfg.daemon.idle_threshold_us;
	bool guest = false, adaptive = false, poll = false;

	dp->backoff_max_us = d->cfg.daemon.idle_backoff_max_us;
	for (unsigned int i = 0; i < dp->nb_rxq; i++) {
		const struct dp_rxq *rxq = &dp->rxq[i];

		dp->rxq[i].fd = -1;
		if (rxq->kind != DP_RXQ_GUEST)
			continue;
		guest = true;
		poll |= d->guests[rxq->obj].cfg.notify == NOTIFY_POLL;
		adaptive |= d->guests[rxq->obj].cfg.notify == NOTIFY_ADAPTIVE;
	}
	/* Only uplink queues (no VM running): adaptive, so an idle host does
	 * not spin. */
	if (poll)
		dp->idle_threshold = NOTIFY_NEVER;
	else if (adaptive || !guest)
		dp->idle_threshold = threshold;
	else
		dp->idle_threshold = 0;
	if (poll)
		return;
	for (unsigned int i = 0; i < dp->nb_rxq; i++) {
		struct dp_rxq *rxq = &dp->rxq[i];

		if (rxq->kind == DP_RXQ_GUEST)
			rxq->fd = guest_kick_fd(&d->guests[rxq->obj], (uint16_t)(2 * rxq->q + 1));
		else
			rxq->fd = uplink_rx_intr_fd(&d->uplinks[rxq->obj], rxq->q);
		dp->backoff |= rxq->fd < 0;
	}
}

void
dp_worker_free(struct dp_worker *dp)
{
	if (dp == NULL)
		return;
	dp_worker_drop_held(dp, true);
	for (unsigned int i = 0; i < dp->nb_rxq; i++)
		if (dp->rxq[i].kind == DP_RXQ_GUEST && dp->rxq[i].fd >= 0)
			close(dp->rxq[i].fd);
	rte_free(dp);
}

/*
 * Rate limits are per worker (meter.h), so each worker enforces a share of
 * a guest's rate: for what the guest sends, the share of its pairs that the
 * worker polls; for what it receives, the share of the queues that can send
 * to it (its uplink's RX queues, the other guests' pairs on that uplink)
 * that the worker polls.  Exact when traffic spreads over queues as the
 * queues spread over workers; otherwise the guest gets less than its rate,
 * never more.  With one worker the shares are whole.
 */
static int
meter_setup(struct vhostd *d, const struct guest *g, unsigned int w, struct dp_meters *m)
{
	const struct uplink *u = &d->uplinks[g->uplink];
	uint32_t tx = 0, tx_all = g->nb_pairs, rx = 0, rx_all = u->nb_rxq;
	int ret;

	for (unsigned int q = 0; q < g->nb_pairs; q++)
		tx += g->place[q].worker == w;
	for (unsigned int q = 0; q < u->nb_rxq; q++)
		rx += u->place[q].worker == w;
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		const struct guest *o = &d->guests[i];

		if (o == g || !o->in_use || o->uplink != g->uplink)
			continue;
		rx_all += o->nb_pairs;
		for (unsigned int q = 0; q < o->nb_pairs; q++)
			rx += o->place[q].worker == w;
	}
	ret = meter_init(&m->tx, &g->cfg.tx_limit, tx, tx_all);
	if (ret == 0)
		ret = meter_init(&m->rx, &g->cfg.rx_limit, rx, rx_all);
	if (ret != 0)
		LOG(ERR, "guest %s: librte_meter refused its rate limits", g->cfg.name);
	return ret;
}

static struct dp_worker *
build_worker(struct vhostd *d, unsigned int w, const struct fwd_table *fwd)
{
	unsigned int nb_rxq = 0, nb_meters = 0;
	struct dp_meters *meters;
	struct dp_worker *dp;
	size_t size;
	char *p;

	PLACE_FOREACH(it, d, 0)
		nb_rxq += list_of(d, it.ref.p->worker, it.ref.p->polled_by) == w;
	for (unsigned int i = 0; i < d->nb_guests; i++)
		nb_meters += d->guests[i].in_use && (meter_limits(&d->guests[i].cfg.tx_limit) ||
						     meter_limits(&d->guests[i].cfg.rx_limit));

	size = sizeof(*dp) + nb_rxq * sizeof(struct dp_rxq) +
	       d->nb_guests * sizeof(struct dp_guest) +
	       d->nb_uplinks * sizeof(struct dp_uplink) +
	       nb_meters * sizeof(struct dp_meters) +
	       d->nb_guests * sizeof(uint16_t);
	dp = rte_zmalloc_socket("dp_worker", size, RTE_CACHE_LINE_SIZE,
				(int)rte_lcore_to_socket_id(d->workers[w].lcore));
	if (dp == NULL)
		return NULL;
	p = (char *)(dp + 1);
	dp->guests = (struct dp_guest *)p;
	p += d->nb_guests * sizeof(struct dp_guest);
	dp->uplinks = (struct dp_uplink *)p;
	p += d->nb_uplinks * sizeof(struct dp_uplink);
	meters = (struct dp_meters *)p;	/* 8-byte aligned: so are the arrays before */
	p += nb_meters * sizeof(struct dp_meters);
	dp->rxq = (struct dp_rxq *)p;
	p += nb_rxq * sizeof(struct dp_rxq);
	dp->to_flush = (uint16_t *)p;	/* last: 2-byte entries */
	dp->nb_guests = d->nb_guests;
	dp->gso = &d->workers[w].gso;
	dp->nb_uplinks = d->nb_uplinks;

	for (unsigned int i = 0; i < d->nb_uplinks; i++) {
		struct uplink *u = &d->uplinks[i];
		struct dp_uplink *du = &dp->uplinks[i];

		du->ops = u->tx_offloads ? &ethdev_offload_port_ops : &ethdev_port_ops;
		du->name = u->cfg.name;
		du->log = &u->log_limit;
		du->tx_offloads = u->tx_offloads;
		du->rx_partial_csum = u->rx_partial_csum;
		du->id = u->port;
		du->txq = (uint16_t)(w % u->nb_txq);
		du->txlock = u->shared_txq ? &u->txlock[du->txq] : NULL;
		du->pool = u->pool;
		du->fwd = &fwd[i];
		du->stats = &u->stats[w];
	}
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		struct dp_guest *dg = &dp->guests[i];

		dg->ops = &vhost_port_ops;
		if (!g->in_use)
			continue;	/* a hole: in no MAC table, never ready */
		dg->name = g->cfg.name;
		dg->log = &g->log_limit;
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
		dg->stats_main = guest_stats_main(d, g);
		dg->capture = g->capture;
		dg->pool = g->pool != NULL ? g->pool : d->uplinks[g->uplink].pool;
		if (meter_limits(&g->cfg.tx_limit) || meter_limits(&g->cfg.rx_limit)) {
			dg->meter = meters++;
			if (meter_setup(d, g, w, dg->meter) != 0) {
				rte_free(dp);
				return NULL;
			}
		}
		dg->nb_pairs = g->nb_pairs;
	}
	/* Its queues, uplinks' first: the order it polls them in. */
	PLACE_FOREACH(it, d, 0)
		if (list_of(d, it.ref.p->worker, it.ref.p->polled_by) == w)
			dp->rxq[dp->nb_rxq++] = (struct dp_rxq){
				.kind = it.ref.g != NULL ? DP_RXQ_GUEST : DP_RXQ_UPLINK,
				.obj = it.ref.obj, .q = it.ref.q, .load = &it.ref.p->load };
	notify_setup(d, dp);
	dp->ring_wait = rte_get_tsc_hz() / 1000000 * d->cfg.daemon.guest_ring_wait_us;
	return dp;
}

int
publish_workers(struct vhostd *d)
{
	struct dp_worker *old[VHOSTD_MAX_WORKERS], *new[VHOSTD_MAX_WORKERS];
	struct fwd_table *fwd, *old_fwd;
	uint64_t t0 = rte_rdtsc();
	unsigned int w;

	/* A queue that changes workers (a pin, the rebalancer) is first taken
	 * from its old worker by a publish of its own (list_of). */
	if (!d->holding) {
		place_queues(d);
		if (queues_moving(d)) {
			int ret;

			d->holding = true;
			ret = publish_workers(d);
			d->holding = false;
			if (ret != 0)
				return ret;
		}
	}
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
				dp_worker_free(new[w]);
			rte_free(fwd);
			return -ENOMEM;
		}
	}
	old_fwd = d->fwd;
	for (w = 0; w < d->nb_workers; w++) {
		old[w] = d->workers[w].dp;
		new[w]->gen = d->publishes + 1;
		__atomic_store_n(&d->workers[w].dp, new[w], __ATOMIC_RELEASE);
		/* A sleeping worker would not see it until its next wake-up. */
		worker_wake(&d->workers[w]);
	}
	/* Wait until no worker can be inside an old list. */
	rte_rcu_qsbr_synchronize(d->qsv, RTE_QSBR_THRID_INVALID);
	record_polled(d);
	for (w = 0; w < d->nb_workers; w++)
		dp_worker_free(old[w]);
	rte_free(old_fwd);
	d->fwd = fwd;
	d->publishes++;
	/* The cost of a publish grows with the guests (docs/operations.md,
	 * "Sizing"): shown by the workers command. */
	d->publish_cycles = rte_rdtsc() - t0;
	d->publish_cycles_max = RTE_MAX(d->publish_cycles_max, d->publish_cycles);
	return 0;
}

void
publish_free_all(struct vhostd *d)
{
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		dp_worker_free(d->workers[w].dp);
		d->workers[w].dp = NULL;
	}
	rte_free(d->fwd);
	d->fwd = NULL;
}
