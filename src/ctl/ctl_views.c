/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON views of guests, uplinks and workers that the control commands
 * answer with (docs/control-protocol.md).  Callers hold d->lock.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "control/capture.h"
#include "control/guest_why.h"
#include "control/vhostd.h"
#include "ctl/ctl_views.h"
#include "datapath/poll_list.h"
#include "ports/uplink.h"
#include "vhostd/features.h"

static json_t *
mac_json(bool has, const uint8_t *m)
{
	char buf[18];

	if (!has)
		return json_null();
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		 m[4], m[5]);
	return json_string(buf);
}

static json_t *
hex_json(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016lx", v);
	return json_string(buf);
}

static json_t *
feature_names(uint64_t bits)
{
	json_t *a = json_array();

	for (unsigned int b = 0; b < 64; b++) {
		char unknown[16];
		const char *n;

		if (!(bits & (1ULL << b)))
			continue;
		n = features_spec_name(b);
		if (n == NULL) {
			snprintf(unknown, sizeof(unknown), "bit%u", b);
			n = unknown;
		}
		json_array_append_new(a, json_string(n));
	}
	return a;
}

static json_t *
queue_json(const struct queue_stats *q)
{
	json_t *drops = json_object();

	for (int r = 0; r < DROP_MAX; r++)
		/* "drop_guest_ring_full" -> "guest_ring_full" */
		json_object_set_new(drops, drop_reason_names[r] + 5, json_integer((json_int_t)q->drops[r]));
	return json_pack("{s:I, s:I, s:I, s:I, s:o}", "rx_pkts", (json_int_t)q->rx_pkts,
			 "rx_bytes", (json_int_t)q->rx_bytes, "tx_pkts", (json_int_t)q->tx_pkts,
			 "tx_bytes", (json_int_t)q->tx_bytes, "drops", drops);
}

static json_t *
counters_json(const struct port_stats *s, unsigned int nb_queues)
{
	struct queue_stats total;
	json_t *queues = json_array();

	for (unsigned int q = 0; q < nb_queues && q < VHOSTD_MAX_QUEUES; q++) {
		json_t *j = queue_json(&s->q[q]);

		json_object_set_new(j, "queue", json_integer(q));
		json_array_append_new(queues, j);
	}
	stats_total(s, nb_queues, &total);
	return json_pack("{s:o, s:o}", "total", queue_json(&total), "queues", queues);
}

json_t *
ctl_view_guest_summary(struct vhostd *d, const struct guest *g)
{
	const char *ring = NULL;
	json_t *j;

	if (g->state == GUEST_RUNNING)
		ring = features_has(g->features, FEATURE_RING_PACKED) ? "packed" : "split";
	j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s?, s:i, s:i, s:b, s:s}",
		      "name", g->cfg.name, "socket", g->cfg.socket,
		      "mode", g->cfg.mode == GUEST_MODE_CLIENT ? "client" : "server",
		      "uplink", d->uplinks[g->uplink].cfg.name,
		      "mac", mac_json(g->cfg.has_mac, g->cfg.mac),
		      "state", guest_state_name(g), "ring", ring,
		      "queues", (int)g->cfg.queues, "pairs", (int)g->nb_pairs,
		      "persistent", g->persistent, "source", g->runtime ? "runtime" : "config");
	json_object_set_new(j, "notify", json_string(config_notify_mode_name(g->cfg.notify)));
	json_object_set_new(j, "lost", guest_why_totals_json(g));
	return j;
}

/* Who polls each receive queue (a guest's TX vrings, an uplink's RX
 * queues), its pin, and its load: in total and over the last interval. */
json_t *
ctl_view_polling(struct vhostd *d, const struct queue_place *place,
		 const struct config_affinity *a, unsigned int nb)
{
	json_t *list = json_array();

	for (unsigned int q = 0; q < nb; q++) {
		uint16_t w = place[q].worker;
		uint64_t cycles = place[q].load.busy_cycles, pkts = place[q].load.pkts;

		json_array_append_new(list, json_pack("{s:i, s:o, s:o, s:b, s:I, s:I, s:f, s:f}",
			"queue", q, "worker", w != NO_WORKER ? json_integer(w) : json_null(),
			"lcore", w != NO_WORKER ? json_integer(d->workers[w].lcore) : json_null(),
			"pinned", (a->mask >> q) & 1, "busy_cycles", (json_int_t)cycles,
			"pkts", (json_int_t)pkts, "cycles_per_pkt", pkts ? (double)cycles / (double)pkts : 0.0,
			"load_pct", load_interval_pct(d, place[q].sample.last_cycles)));
	}
	return list;
}

json_t *
ctl_view_affinity(const struct config_affinity *a)
{
	char buf[VHOSTD_MAX_QUEUES * 12];

	config_format_affinity(a, buf, sizeof(buf));
	return json_string(buf);
}

/* stats: each queue's busy cycles (what polling it cost) next to its counters. */
static void
add_busy_cycles(json_t *counters, const struct queue_place *place, unsigned int nb)
{
	json_t *q;
	size_t i;

	json_array_foreach(json_object_get(counters, "queues"), i, q)
		json_object_set_new(q, "busy_cycles",
				    json_integer(i < nb ? (json_int_t)place[i].load.busy_cycles : 0));
}

static int
worker_of_vring(const struct guest *g, uint16_t vring)
{
	uint16_t q = vring / 2;

	if (q >= g->nb_pairs || g->place[q].worker == NO_WORKER)
		return -1;
	/* Only the guest's TX vring (2q+1) is polled; its RX vring (2q) is
	 * written by whichever worker delivers to it. */
	return vring % 2 ? g->place[q].worker : -1;
}

/* A rate limit as configured: null when it limits nothing. */
static json_t *
limit_json(const struct config_rate *r)
{
	if (!meter_limits(r))
		return json_null();
	return json_pack("{s:I, s:I, s:I}", "bps", (json_int_t)r->bps, "pps", (json_int_t)r->pps,
			 "burst_bytes", (json_int_t)(r->bps != 0 ? meter_byte_burst(r) : 0));
}

/* The guest's own mbuf pool (guest.c): its size and how many mbufs are out. */
static json_t *
pool_json(const struct guest *g)
{
	if (g->pool == NULL)
		return json_null();
	return json_pack("{s:s, s:i, s:i}", "name", g->pool->name, "size", (int)g->pool->size,
			 "in_use", (int)rte_mempool_in_use_count(g->pool));
}

json_t *
ctl_view_guest_detail(struct vhostd *d, struct guest *g)
{
	json_t *j = ctl_view_guest_summary(d, g), *vrings = json_array();
	json_t *proto_names = json_array();
	struct port_stats sum;
	uint64_t protocol;
	uint16_t mtu;
	int numa;

	guest_device_info(g, &protocol, &mtu, &numa);
	for (unsigned int b = 0; b < 64; b++)
		if (protocol & (1ULL << b)) {
			const char *n = vhost_protocol_feature_name(b);

			json_array_append_new(proto_names, n ? json_string(n) : json_sprintf("bit%u", b));
		}
	g->kicks += guest_kicks(d, g);
	json_object_set_new(j, "vid", g->state == GUEST_RUNNING ? json_integer(g->vid) : json_null());
	json_object_set_new(j, "mac_check", json_boolean(g->cfg.mac_check));
	json_object_set_new(j, "numa_node", numa >= 0 ? json_integer(numa) : json_null());
	json_object_set_new(j, "mtu", mtu ? json_integer(mtu) : json_null());
	json_object_set_new(j, "connects", json_integer((json_int_t)g->connects));
	json_object_set_new(j, "disconnects", json_integer((json_int_t)g->disconnects));
	json_object_set_new(j, "kicks", json_integer((json_int_t)g->kicks));
	json_object_set_new(j, "refused_messages", json_integer((json_int_t)g->refused_msgs));
	json_object_set_new(j, "refused_connections",
			    json_integer((json_int_t)__atomic_load_n(&g->refused_conns,
								     __ATOMIC_RELAXED)));
	json_object_set_new(j, "rate_limits", json_pack("{s:o, s:o}",
		"tx", limit_json(&g->cfg.tx_limit), "rx", limit_json(&g->cfg.rx_limit)));
	json_object_set_new(j, "mbuf_pool", pool_json(g));
	json_object_set_new(j, "features", json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
		"offered", hex_json(g->offered), "offered_names", feature_names(g->offered),
		"pinned", hex_json(g->pinned), "pinned_names", feature_names(g->pinned),
		"negotiated", g->state == GUEST_RUNNING ? hex_json(g->features) : json_null(),
		"negotiated_names", g->state == GUEST_RUNNING ? feature_names(g->features) :
								 json_array()));
	json_object_set_new(j, "protocol_features", json_pack("{s:o, s:o}",
		"negotiated", g->state == GUEST_RUNNING ? hex_json(protocol) : json_null(),
		"names", proto_names));
	for (uint16_t v = 0; g->state == GUEST_RUNNING && v < g->nb_vrings; v++) {
		struct vring_info vi;
		bool enabled = (__atomic_load_n(&g->vring_enabled, __ATOMIC_ACQUIRE) >> v) & 1;
		json_t *vj;
		int w = worker_of_vring(g, v);

		vj = json_pack("{s:i, s:i, s:s, s:b}", "index", v, "queue", v / 2,
			       "direction", v % 2 ? "tx" : "rx", "enabled", enabled);
		if (guest_vring_info(g, v, &vi) == 0) {
			json_object_set_new(vj, "size", json_integer(vi.size));
			json_object_set_new(vj, "last_avail_idx", json_integer(vi.last_avail_idx));
			json_object_set_new(vj, "last_used_idx", json_integer(vi.last_used_idx));
			if (vi.avail_idx >= 0) {
				json_object_set_new(vj, "avail_idx", json_integer(vi.avail_idx));
				json_object_set_new(vj, "used_idx", json_integer(vi.used_idx));
			}
			if (vi.used_event >= 0)
				json_object_set_new(vj, "used_event", json_integer(vi.used_event));
			json_object_set_new(vj, "kicks_suppressed", json_boolean(vi.kicks_suppressed));
			json_object_set_new(vj, "guest_suppresses_interrupts",
					    json_boolean(vi.guest_suppresses_interrupts));
		}
		json_object_set_new(vj, "worker", w >= 0 ? json_integer(w) : json_null());
		/* Kicks on: its worker is asleep (or about to sleep) on them. */
		json_object_set_new(vj, "worker_asleep", w >= 0 ? json_boolean(
			__atomic_load_n(&d->workers[w].asleep, __ATOMIC_RELAXED)) : json_null());
		json_object_set_new(vj, "stats", guest_vring_stats(g, v));
		json_array_append_new(vrings, vj);
	}
	json_object_set_new(j, "vrings", vrings);
	json_object_set_new(j, "capture", capture_json(g));
	guest_counters(d, g, &sum);
	json_object_set_new(j, "counters", counters_json(&sum, g->cfg.queues));
	json_object_set_new(j, "queue_affinity", ctl_view_affinity(&g->cfg.affinity));
	json_object_set_new(j, "polling", ctl_view_polling(d, g->place, &g->cfg.affinity,
							   g->cfg.queues));
	json_object_set_new(j, "why", guest_why_json(g));
	return j;
}

json_t *
ctl_view_uplink_summary(struct vhostd *d, const struct uplink *u)
{
	struct uplink_facts f;
	json_t *guests = json_array();

	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use && d->guests[i].uplink == u->index)
			json_array_append_new(guests, json_string(d->guests[i].cfg.name));
	uplink_facts(u, &f);
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:s, s:o}",
			 "name", u->cfg.name, "device", u->cfg.device, "port", u->port,
			 "driver", f.driver, "rx_queues", u->nb_rxq, "tx_queues", u->nb_txq,
			 "numa_node", u->socket, "link", f.link_up ? "up" : "down",
			 "guests", guests);
}

json_t *
ctl_view_uplink_detail(struct vhostd *d, struct uplink *u)
{
	json_t *j = ctl_view_uplink_summary(d, u);
	struct uplink_facts f;
	struct port_stats sum;

	uplink_facts(u, &f);
	json_object_set_new(j, "mac", mac_json(true, f.mac));
	json_object_set_new(j, "mtu", json_integer(f.mtu));
	json_object_set_new(j, "speed_mbps", json_integer(f.speed_mbps));
	json_object_set_new(j, "promiscuous", json_boolean(f.promiscuous));
	uplink_counters(u, &sum);
	json_object_set_new(j, "counters", counters_json(&sum, RTE_MAX(u->nb_rxq, u->nb_txq)));
	json_object_set_new(j, "queue_affinity", ctl_view_affinity(&u->cfg.affinity));
	json_object_set_new(j, "polling", ctl_view_polling(d, u->place, &u->cfg.affinity,
							   u->nb_rxq));
	return j;
}

/* How a worker waits for work (notify.c): its current mode, whether it
 * sleeps now, and its counters.  d->lock held: the list is not retired. */
static json_t *
worker_notify_json(const struct worker *wk)
{
	const struct dp_worker *dp = wk->dp;
	const char *mode = "adaptive";

	if (dp != NULL && dp->idle_threshold == NOTIFY_NEVER)
		mode = "poll";
	else if (dp != NULL && dp->idle_threshold == 0)
		mode = "interrupt";
	return json_pack("{s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "mode", mode, "asleep", __atomic_load_n(&wk->asleep, __ATOMIC_RELAXED),
			 "backoff", dp != NULL && dp->backoff,
			 "sleep_cycles", (json_int_t)wk->sleep_cycles,
			 "switches", (json_int_t)wk->notify.switches,
			 "rechecks", (json_int_t)wk->notify.rechecks,
			 "sleeps", (json_int_t)wk->notify.sleeps,
			 "wakeups", (json_int_t)wk->notify.wakeups,
			 "timeouts", (json_int_t)wk->notify.timeouts,
			 "quiet_polls", (json_int_t)wk->notify.quiet_polls);
}

static json_t *
worker_queue_json(struct vhostd *d, const struct place_ref *r)
{
	return json_pack("{s:s, s:s, s:i, s:b, s:I, s:I, s:f}", "kind", r->kind, "name", r->name,
			 "queue", r->q, "pinned", (r->affinity->mask >> r->q) & 1,
			 "busy_cycles", (json_int_t)r->p->load.busy_cycles,
			 "pkts", (json_int_t)r->p->load.pkts,
			 "load_pct", load_interval_pct(d, r->p->sample.last_cycles));
}

/* stats: a guest's counters, each queue with its busy cycles. */
json_t *
ctl_view_guest_counters(struct vhostd *d, struct guest *g)
{
	struct port_stats sum;
	json_t *c;

	guest_counters(d, g, &sum);
	c = counters_json(&sum, g->cfg.queues);
	add_busy_cycles(c, g->place, g->cfg.queues);
	return c;
}

json_t *
ctl_view_uplink_counters(struct uplink *u)
{
	struct port_stats sum;
	json_t *c;

	uplink_counters(u, &sum);
	c = counters_json(&sum, RTE_MAX(u->nb_rxq, u->nb_txq));
	add_busy_cycles(c, u->place, u->nb_rxq);
	return c;
}

json_t *
ctl_view_workers(struct vhostd *d)
{
	json_t *list = json_array();

	for (unsigned int w = 0; w < d->nb_workers; w++) {
		const struct worker *wk = &d->workers[w];
		uint64_t busy = wk->busy_cycles, idle = wk->idle_cycles, pkts = wk->pkts;
		json_t *queues = json_array();

		PLACE_FOREACH(it, d, 0)
			if (it.ref.p->worker == w)
				json_array_append_new(queues, worker_queue_json(d, &it.ref));
		json_t *j = json_pack(
			"{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:o}",
			"index", w, "lcore", wk->lcore, "loops", (json_int_t)wk->loops,
			"busy_loops", (json_int_t)wk->busy_loops, "busy_cycles", (json_int_t)busy,
			"idle_cycles", (json_int_t)idle, "pkts", (json_int_t)pkts,
			"cycles_per_pkt", pkts ? (double)busy / (double)pkts : 0.0,
			"busy_pct", load_worker_pct(wk),
			"queues", queues);

		json_object_set_new(j, "notify", worker_notify_json(wk));
		json_object_set_new(j, "interval_busy_pct",
				    json_real(load_interval_pct(d, d->balance.busy_last[w])));
		json_array_append_new(list, j);
	}
	return json_pack("{s:o, s:{s:i, s:i, s:f, s:I, s:I}, s:{s:I, s:f, s:f}}", "workers",
		list, "rebalance",
		"interval", (int)d->cfg.daemon.rebalance_interval,
		"margin", (int)d->cfg.daemon.rebalance_margin,
		"measured_seconds", (double)d->balance.interval / (double)rte_get_tsc_hz(),
		"rebalances", (json_int_t)d->balance.rebalances,
		"moves", (json_int_t)d->balance.moves, "publish",
		"count", (json_int_t)d->publishes,
		"last_us", (double)d->publish_cycles * 1e6 / (double)rte_get_tsc_hz(),
		"max_us", (double)d->publish_cycles_max * 1e6 / (double)rte_get_tsc_hz());
}
