/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest objects: lookup, queue-pair state, counters. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "datapath/poll_list.h"
#include "control/vhostd.h"
#include "vhostd/features.h"

/*
 * Each guest dequeues into its own pool (issue 7): a guest whose frames sit
 * in a slow uplink's TX ring, or that sends 64 KiB chains, runs out of its
 * own mbufs and no one else's.  The uplinks' pools (one per NUMA node) keep
 * serving uplink RX, software TSO headers and the other guests.
 *
 * Size: a TX ring's worth per queue pair (the virtqueue, at most 1024 with
 * QEMU, or the uplink's TX ring if larger: what can be in flight toward it),
 * plus what each worker's cache and buffers may hold.  [guest] mbufs
 * overrides it.
 */
/* Per-lcore cache: as large as the uplinks' pools' (and testpmd's 250).
 * At 64 every other burst went to the ring (the cache flushes at 1.5 x its
 * size); cycles per frame relative to testpmd, 64 B guest to net_null,
 * went from 1.14 to 1.06 (docs/performance.md). */
#define GUEST_POOL_CACHE	256

static unsigned int
guest_pool_size(const struct vhostd *d, const struct guest *g)
{
	const struct config_uplink *u = &d->cfg.uplinks[g->uplink];

	if (g->cfg.mbufs != 0)
		return g->cfg.mbufs;
	return g->cfg.queues * RTE_MAX(1024u, u->tx_desc) +
	       d->nb_workers * (GUEST_POOL_CACHE * 3 / 2 + DP_BUF);
}

static int
guest_pool_create(struct vhostd *d, struct guest *g)
{
	unsigned int n = guest_pool_size(d, g);
	char name[RTE_MEMPOOL_NAMESIZE];

	/* Unique: a deleted guest's pool may still wait for its mbufs. */
	snprintf(name, sizeof(name), "guest-%u", ++d->guest_pools_made);
	/* A ring, whatever the build's default: the datapath reads its count.
	 * [guest] mbufs >= 512 keeps n >= 1.5 x the cache, as mempool wants. */
	g->pool = rte_pktmbuf_pool_create_by_ops(name, n, GUEST_POOL_CACHE, 0, d->pool_room,
						 d->uplinks[g->uplink].socket, "ring_mp_mc");
	if (g->pool != NULL) {
		LOG(INFO, "guest %s: own mbuf pool of %u mbufs", g->cfg.name, n);
		return 0;
	}
	if (g->cfg.mbufs != 0) {
		LOG(ERR, "guest %s: cannot create its pool of %u mbufs ([guest] mbufs): %s "
		    "(raise [daemon] memory or lower mbufs)", g->cfg.name, n,
		    rte_strerror(rte_errno));
		return -ENOMEM;
	}
	LOG(WARNING, "guest %s: cannot create its pool of %u mbufs: %s; it shares its "
	    "uplink's pool, so it can starve the other guests of mbufs (raise [daemon] "
	    "memory, or set a smaller [guest] mbufs)", g->cfg.name, n, rte_strerror(rte_errno));
	return 0;
}

/*
 * A pool is freed only when every mbuf is back: frames of a deleted guest
 * may still wait in an uplink's TX ring.  Until then it waits here, and the
 * main loop tries again (guest_pools_reap).
 */
static void
guest_pool_release(struct vhostd *d, struct rte_mempool *mp)
{
	if (rte_mempool_full(mp)) {
		rte_mempool_free(mp);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (d->nb_retired_pools < RTE_DIM(d->retired_pools))
		d->retired_pools[d->nb_retired_pools++] = mp;
	else
		LOG(ERR, "mbuf pool %s: too many pools wait for their mbufs; leaving it",
		    mp->name);
	pthread_mutex_unlock(&d->lock);
}

void
guest_pools_reap(struct vhostd *d, bool force)
{
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->nb_retired_pools;) {
		struct rte_mempool *mp = d->retired_pools[i];

		if (!force && !rte_mempool_full(mp)) {
			i++;
			continue;
		}
		if (!rte_mempool_full(mp))
			LOG(WARNING, "mbuf pool %s: %u mbufs never came back", mp->name,
			    rte_mempool_in_use_count(mp));
		rte_mempool_free(mp);
		d->retired_pools[i] = d->retired_pools[--d->nb_retired_pools];
	}
	pthread_mutex_unlock(&d->lock);
}

/* A guest's counter blocks: one per worker, then the main thread's, which
 * it writes when it frees a retired list that still held frames for the
 * guest (guest_stats_main). */
static unsigned int
stats_blocks(const struct vhostd *d)
{
	return d->nb_workers + 1;
}

struct port_stats *
guest_stats_main(const struct vhostd *d, struct guest *g)
{
	return &g->stats[stats_blocks(d) - 1];
}

int
guest_init(struct vhostd *d, struct guest *g, const struct config_guest *cfg)
{
	const struct config_uplink *u = config_find_uplink(&d->cfg, cfg->uplink);

	if (u == NULL)
		return -ENOENT;
	g->cfg = *cfg;
	g->vid = -1;
	g->conn_vid = g->wait_vid = -1;
	g->uplink = (uint16_t)(u - d->cfg.uplinks);
	place_reset(g->place, VHOSTD_MAX_QUEUES);
	g->numa = -1;
	g->kicks_read = guest_workers_kicks(d, g->index);	/* the slot's last guest's */
	g->stats = rte_zmalloc("guest_stats", stats_blocks(d) * sizeof(*g->stats),
			       RTE_CACHE_LINE_SIZE);
	if (g->stats == NULL)
		return -ENOMEM;
	return guest_pool_create(d, g);
}

/* After a grace period: no worker dequeues into g's pool any more. */
void
guest_fini(struct vhostd *d, struct guest *g)
{
	rte_free(g->stats);
	g->stats = NULL;
	if (g->pool != NULL)
		guest_pool_release(d, g->pool);
	g->pool = NULL;
}

/*
 * One frontend per guest socket.  QEMU opens one connection per vhost-user
 * netdev; librte_vhost accepts any number on a server socket, each a device
 * of its own, and all of them would drive the one guest object (measured
 * before this rule: a second virtio-user driver that came up and left
 * stopped the first one's traffic for good).  The connection served stays
 * until it closes; lifecycle.c decides on the others (docs/security.md).
 */
static bool
swap_vid(int *slot, int from, int to)
{
	return __atomic_compare_exchange_n(slot, &from, to, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

int
guest_conn_claim(struct guest *g, int vid)
{
	if (!swap_vid(&g->conn_vid, -1, vid))
		return -EBUSY;
	swap_vid(&g->wait_vid, vid, -1);
	g->refused_warned = false;
	return 0;
}

int
guest_conn_wait(struct guest *g, int vid)
{
	return swap_vid(&g->wait_vid, -1, vid) ? 0 : -EBUSY;
}

void
guest_conn_release(struct guest *g, int vid)
{
	swap_vid(&g->conn_vid, vid, -1);
	swap_vid(&g->wait_vid, vid, -1);
}

void
guest_conn_forget(struct guest *g)
{
	__atomic_store_n(&g->conn_vid, -1, __ATOMIC_RELEASE);
	__atomic_store_n(&g->wait_vid, -1, __ATOMIC_RELEASE);
}

bool
guest_conn_is(const struct guest *g, int vid)
{
	return vid >= 0 && __atomic_load_n(&g->conn_vid, __ATOMIC_ACQUIRE) == vid;
}

bool
guest_conn_waits(const struct guest *g, int vid)
{
	return vid >= 0 && __atomic_load_n(&g->wait_vid, __ATOMIC_ACQUIRE) == vid;
}

struct guest *
guest_by_name(struct vhostd *d, const char *name)
{
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use && strcmp(d->guests[i].cfg.name, name) == 0)
			return &d->guests[i];
	return NULL;
}

unsigned int
guest_count(struct vhostd *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nb_guests; i++)
		n += d->guests[i].in_use;
	return n;
}

struct guest *
guest_slot_alloc(struct vhostd *d)
{
	struct guest *g = NULL;

	pthread_mutex_lock(&d->slots_lock);
	for (unsigned int i = 0; i < d->cfg.daemon.max_guests && g == NULL; i++) {
		if (d->guests[i].in_use)
			continue;
		g = &d->guests[i];
		memset(g, 0, sizeof(*g));
		g->index = (uint16_t)i;
		g->events = &d->event_rings[i];
		events_reset(g->events);	/* a new guest starts a new record */
		g->in_use = true;
		if (i >= d->nb_guests)
			d->nb_guests = i + 1;
	}
	pthread_mutex_unlock(&d->slots_lock);
	return g;
}

void
guest_slot_free(struct vhostd *d, struct guest *g)
{
	pthread_mutex_lock(&d->slots_lock);
	g->in_use = false;
	while (d->nb_guests > 0 && !d->guests[d->nb_guests - 1].in_use)
		d->nb_guests--;
	pthread_mutex_unlock(&d->slots_lock);
}

const char *
guest_state_name(const struct guest *g)
{
	if (g->state == GUEST_RUNNING)
		return "running";
	return g->registered ? "waiting" : "stopped";
}

uint16_t
guest_served_pairs(const struct guest *g)
{
	uint64_t on = __atomic_load_n(&g->vring_enabled, __ATOMIC_ACQUIRE);
	uint16_t pairs = 0;

	if (g->state != GUEST_RUNNING)
		return 0;
	/* A Linux driver enables pairs from 0 up (virtio_net.c set_queues);
	 * serve the leading run of fully enabled pairs. */
	while (pairs < g->cfg.queues && 2u * pairs + 1 < g->nb_vrings &&
	       (on >> (2 * pairs) & 3) == 3)
		pairs++;
	return pairs;
}

/* Workers own their counter blocks, so a reset never writes them: it moves
 * the baseline that readers subtract. */
void
guest_counters(struct vhostd *d, struct guest *g, struct port_stats *out)
{
	stats_sum(g->stats, stats_blocks(d), out);
	stats_sub(out, &g->base);
}

void
guest_counters_reset(struct vhostd *d, struct guest *g)
{
	stats_sum(g->stats, stats_blocks(d), &g->base);
}

void
guest_print_stats(struct vhostd *d, struct guest *g, FILE *f)
{
	struct port_stats sum;

	guest_counters(d, g, &sum);
	g->kicks += guest_kicks(d, g);
	fprintf(f, "guest %s state=%s vid=%d ring=%s pairs=%u connects=%lu disconnects=%lu "
		"kicks=%lu\n",
		g->cfg.name, guest_state_name(g), g->state == GUEST_RUNNING ? g->vid : -1,
		g->state != GUEST_RUNNING ? "-" :
		features_has(g->features, FEATURE_RING_PACKED) ? "packed" : "split",
		g->nb_pairs, g->connects, g->disconnects, g->kicks);
	stats_print(f, "guest", g->cfg.name, &sum, g->cfg.queues);
}

/* Between guests sharing a MAC on an uplink: the later announcement wins,
 * then a running guest, then the older slot (the migration source). */
static bool
ranks_above(const struct guest *a, const struct guest *b)
{
	if (a->announce_seq != b->announce_seq)
		return a->announce_seq > b->announce_seq;
	if ((a->state == GUEST_RUNNING) != (b->state == GUEST_RUNNING))
		return a->state == GUEST_RUNNING;
	return a->index < b->index;
}

static bool
shares_mac(const struct guest *a, const struct guest *b)
{
	return a != b && a->in_use && b->in_use && a->cfg.has_mac && b->cfg.has_mac &&
	       a->uplink == b->uplink && memcmp(a->cfg.mac, b->cfg.mac, 6) == 0;
}

bool
guest_owns_mac(struct vhostd *d, const struct guest *g)
{
	if (!g->cfg.has_mac)
		return false;
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (shares_mac(g, &d->guests[i]) && ranks_above(&d->guests[i], g))
			return false;
	return true;
}

void
guest_warn_shared_mac(struct vhostd *d, const struct guest *g)
{
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (shares_mac(g, &d->guests[i]))
			LOG(WARNING, "guest %s shares its MAC with guest %s on uplink %s: frames for "
			    "it go to whichever announced itself last (live migration)",
			    g->cfg.name, d->guests[i].cfg.name, d->uplinks[g->uplink].cfg.name);
}
