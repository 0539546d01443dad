/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control commands (docs/control-protocol.md): the handlers of
 * ctl_table.c's commands.  Handlers run on the main thread (control
 * socket) or the telemetry thread; they read daemon state under d->lock.
 * guest.add and guest.del change it in an order that keeps librte_vhost's
 * callbacks (which take d->lock themselves) out of deadlock: sockets are
 * registered and unregistered without d->lock held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_version.h>

#include "control/capture.h"
#include "datapath/poll_list.h"
#include "ctl/ctl.h"
#include "control/guest_why.h"
#include "control/vhostd.h"
#include "vhostd/ctl_proto.h"
#include "vhostd/ctl_table.h"
#include "vhostd/features.h"

static const char *const level_names[] = {
	[1] = "emergency", [2] = "alert", [3] = "critical", [4] = "error",
	[5] = "warning", [6] = "notice", [7] = "info", [8] = "debug",
};

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

static json_t *
guest_summary(struct vhostd *d, const struct guest *g)
{
	const char *ring = NULL;
	json_t *j;

	if (g->state == GUEST_RUNNING)
		ring = g->features & (1ULL << 34) ? "packed" : "split";
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
static json_t *
polling_json(struct vhostd *d, const uint16_t *worker, const struct queue_load *load,
	     const struct queue_meter *meter, const struct config_affinity *a, unsigned int nb)
{
	json_t *list = json_array();

	for (unsigned int q = 0; q < nb; q++) {
		uint16_t w = worker[q];
		uint64_t cycles = load[q].busy_cycles, pkts = load[q].pkts;

		json_array_append_new(list, json_pack("{s:i, s:o, s:o, s:b, s:I, s:I, s:f, s:f}",
			"queue", q, "worker", w != NO_WORKER ? json_integer(w) : json_null(),
			"lcore", w != NO_WORKER ? json_integer(d->workers[w].lcore) : json_null(),
			"pinned", (a->mask >> q) & 1, "busy_cycles", (json_int_t)cycles,
			"pkts", (json_int_t)pkts, "cycles_per_pkt", pkts ? (double)cycles / (double)pkts : 0.0,
			"load_pct", rebalance_pct(d, meter[q].last_cycles)));
	}
	return list;
}

static json_t *
affinity_json(const struct config_affinity *a)
{
	char buf[VHOSTD_MAX_QUEUES * 12];

	config_format_affinity(a, buf, sizeof(buf));
	return json_string(buf);
}

/* stats: each queue's busy cycles (what polling it cost) next to its counters. */
static void
add_busy_cycles(json_t *counters, const struct queue_load *load, unsigned int nb)
{
	json_t *q;
	size_t i;

	json_array_foreach(json_object_get(counters, "queues"), i, q)
		json_object_set_new(q, "busy_cycles",
				    json_integer(i < nb ? (json_int_t)load[i].busy_cycles : 0));
}

static int
worker_of_vring(const struct guest *g, uint16_t vring)
{
	uint16_t q = vring / 2;

	if (q >= g->nb_pairs || g->txq_worker[q] == NO_WORKER)
		return -1;
	/* Only the guest's TX vring (2q+1) is polled; its RX vring (2q) is
	 * written by whichever worker delivers to it. */
	return vring % 2 ? g->txq_worker[q] : -1;
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

static json_t *
guest_detail(struct vhostd *d, struct guest *g)
{
	json_t *j = guest_summary(d, g), *vrings = json_array(), *proto_names = json_array();
	struct port_stats sum;
	uint64_t protocol;
	uint16_t mtu;
	int numa;

	vhost_device_info(g, &protocol, &mtu, &numa);
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
		if (vhost_vring_info(g, v, &vi) == 0) {
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
		json_object_set_new(vj, "stats", vhost_vring_stats(g, v));
		json_array_append_new(vrings, vj);
	}
	json_object_set_new(j, "vrings", vrings);
	json_object_set_new(j, "capture", capture_json(g));
	guest_counters(d, g, &sum);
	json_object_set_new(j, "counters", counters_json(&sum, g->cfg.queues));
	json_object_set_new(j, "queue_affinity", affinity_json(&g->cfg.affinity));
	json_object_set_new(j, "polling", polling_json(d, g->txq_worker, g->txq_load, g->txq_meter,
						       &g->cfg.affinity, g->cfg.queues));
	json_object_set_new(j, "why", guest_why_json(g));
	return j;
}

static json_t *
uplink_summary(struct vhostd *d, const struct uplink *u)
{
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	json_t *guests = json_array();

	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use && d->guests[i].uplink == u->index)
			json_array_append_new(guests, json_string(d->guests[i].cfg.name));
	memset(&link, 0, sizeof(link));
	if (rte_eth_dev_info_get(u->port, &info) != 0)
		info.driver_name = "?";
	rte_eth_link_get_nowait(u->port, &link);
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:s, s:o}",
			 "name", u->cfg.name, "device", u->cfg.device, "port", u->port,
			 "driver", info.driver_name, "rx_queues", u->nb_rxq, "tx_queues", u->nb_txq,
			 "numa_node", u->socket, "link", link.link_status ? "up" : "down",
			 "guests", guests);
}

static json_t *
uplink_detail(struct vhostd *d, struct uplink *u)
{
	json_t *j = uplink_summary(d, u);
	struct rte_ether_addr mac;
	struct rte_eth_link link;
	struct port_stats sum;
	uint16_t mtu = 0;

	rte_eth_macaddr_get(u->port, &mac);
	rte_eth_dev_get_mtu(u->port, &mtu);
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(u->port, &link);
	json_object_set_new(j, "mac", mac_json(true, mac.addr_bytes));
	json_object_set_new(j, "mtu", json_integer(mtu));
	json_object_set_new(j, "speed_mbps", json_integer(link.link_speed));
	json_object_set_new(j, "promiscuous", json_boolean(rte_eth_promiscuous_get(u->port) == 1));
	uplink_counters(d, u, &sum);
	json_object_set_new(j, "counters", counters_json(&sum, RTE_MAX(u->nb_rxq, u->nb_txq)));
	json_object_set_new(j, "queue_affinity", affinity_json(&u->cfg.affinity));
	json_object_set_new(j, "polling", polling_json(d, u->rxq_worker, u->rxq_load, u->rxq_meter,
						       &u->cfg.affinity, u->nb_rxq));
	return j;
}

static struct uplink *
uplink_by_name(struct vhostd *d, const char *name)
{
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		if (strcmp(d->uplinks[i].cfg.name, name) == 0)
			return &d->uplinks[i];
	return NULL;
}

static const char *
arg_str(json_t *args, const char *name)
{
	return json_string_value(json_object_get(args, name));
}

/* ---- handlers ---- */

static int
cmd_version(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)err;
	(void)errlen;
	*result = json_pack("{s:s, s:s}", "version", VHOSTD_VERSION, "dpdk", rte_version());
	return 0;
}

static int cmd_help(void *ctx, json_t *args, json_t **result, char *err, size_t errlen);

static int
cmd_guest_list(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	json_t *list = json_array();

	(void)args;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use)
			json_array_append_new(list, guest_summary(d, &d->guests[i]));
	pthread_mutex_unlock(&d->lock);
	*result = json_pack("{s:o}", "guests", list);
	return 0;
}

static int
cmd_guest_show(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = arg_str(args, "name");
	struct guest *g;

	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g != NULL)
		*result = guest_detail(d, g);
	pthread_mutex_unlock(&d->lock);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
		return -ENOENT;
	}
	return 0;
}

/* args -> a validated struct config_guest, with the rules of a [guest] section. */
static int
guest_from_args(struct vhostd *d, json_t *args, struct config_guest *cg, char *err,
		size_t errlen)
{
	static const char *const keys[][2] = {
		/* protocol name, config key */
		{ "socket", "socket" }, { "mode", "mode" }, { "uplink", "uplink" },
		{ "mac", "mac" }, { "mac_check", "mac-check" }, { "queues", "queues" },
		{ "features", "features" }, { "notify", "notify" },
		{ "socket_owner", "socket-owner" }, { "socket_group", "socket-group" },
		{ "socket_mode", "socket-mode" }, { "queue_affinity", "queue-affinity" },
		{ "tx_rate", "tx-rate" }, { "tx_pps", "tx-pps" }, { "tx_burst", "tx-burst" },
		{ "rx_rate", "rx-rate" }, { "rx_pps", "rx-pps" }, { "rx_burst", "rx-burst" },
		{ "mbufs", "mbufs" },
	};
	const struct config_guest *others[VHOSTD_MAX_GUESTS];
	unsigned int seen = 0, nb = 0;
	int ret;

	ret = config_guest_new(cg, arg_str(args, "name"), err, errlen);
	if (ret != 0)
		return ret;
	for (size_t k = 0; k < RTE_DIM(keys); k++) {
		json_t *v = json_object_get(args, keys[k][0]);
		char buf[64];
		const char *text = buf;

		if (v == NULL)
			continue;
		if (json_is_boolean(v))
			text = json_is_true(v) ? "yes" : "no";
		else if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		else
			text = json_string_value(v);
		ret = config_guest_set(cg, keys[k][1], text, &seen, err, errlen);
		if (ret != 0)
			return ret;
	}
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use)
			others[nb++] = &d->guests[i].cfg;
	return config_guest_finish(cg, seen, &d->cfg, others, nb, err, errlen);
}

int
ctl_guest_add(struct vhostd *d, json_t *args, bool persist, struct guest **out, char *err,
	      size_t errlen)
{
	struct config_guest cg;
	struct guest *g;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = guest_from_args(d, args, &cg, err, errlen);
	if (ret != 0) {
		pthread_mutex_unlock(&d->lock);
		return ret;
	}
	g = guest_slot_alloc(d);
	if (g == NULL) {
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "no room for another guest (at most %u)",
			 d->cfg.daemon.max_guests);
		return -ENOSPC;
	}
	ret = guest_init(d, g, &cg);
	if (ret == -ENOMEM && cg.mbufs != 0)
		snprintf(err, errlen, "[guest %s] mbufs: no memory for a pool of %u mbufs (raise "
			 "[daemon] memory, or lower mbufs)", cg.name, cg.mbufs);
	if (ret == 0 && persist)
		ret = ctl_state_save(d, cg.name, args, err, errlen);
	if (ret == 0) {
		g->runtime = true;
		g->persistent = persist;
		/* In the MAC table (not ready) before its socket exists. */
		ret = publish_workers(d);
	}
	pthread_mutex_unlock(&d->lock);
	/* Registration may run callbacks that take d->lock: not held here. */
	if (ret == 0)
		ret = vhost_guest_register(d, g);
	if (ret != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "[guest %s]: cannot start its socket %s: %s", cg.name,
				 cg.socket, strerror(-ret));
		if (persist)
			ctl_state_remove(d, cg.name);
		pthread_mutex_lock(&d->lock);
		guest_slot_free(d, g);
		publish_workers(d);
		pthread_mutex_unlock(&d->lock);
		guest_fini(d, g);
		return ret == -EADDRINUSE ? -EEXIST : ret;
	}
	LOG(INFO, "guest %s: added at run time%s", cg.name, persist ? " (persistent)" : "");
	pthread_mutex_lock(&d->lock);
	guest_warn_shared_mac(d, g);
	pthread_mutex_unlock(&d->lock);
	*out = g;
	return 0;
}

static int
cmd_guest_add(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	json_t *p = json_object_get(args, "persist");
	json_t *saved = json_deep_copy(args);
	struct guest *g;
	int ret;

	/* What is saved is what replays: every parameter but persist. */
	json_object_del(saved, "persist");
	ret = ctl_guest_add(d, saved, p == NULL || json_is_true(p), &g, err, errlen);
	json_decref(saved);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&d->lock);
	*result = guest_summary(d, g);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int
cmd_guest_del(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = arg_str(args, "name");
	struct guest *g;

	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	pthread_mutex_unlock(&d->lock);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
		return -ENOENT;
	}
	pthread_mutex_lock(&d->lock);
	capture_stop(d, g, NULL);	/* if any: closes the file */
	pthread_mutex_unlock(&d->lock);
	/* Closes the connection: destroy_device runs (and takes d->lock). */
	vhost_guest_unregister(d, g);
	pthread_mutex_lock(&d->lock);
	guest_slot_free(d, g);
	publish_workers(d);	/* after its grace period no worker sees it */
	pthread_mutex_unlock(&d->lock);
	if (g->persistent)
		ctl_state_remove(d, name);
	guest_pin_forget(d, name);	/* a guest added again starts fresh */
	LOG(INFO, "guest %s: removed at run time", name);
	*result = json_pack("{s:s, s:b}", "name", name, "removed", 1);
	guest_fini(d, g);
	return 0;
}

static int
cmd_uplink_list(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	json_t *list = json_array();

	(void)args;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		json_array_append_new(list, uplink_summary(d, &d->uplinks[i]));
	pthread_mutex_unlock(&d->lock);
	*result = json_pack("{s:o}", "uplinks", list);
	return 0;
}

static int
cmd_uplink_show(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = arg_str(args, "name");
	struct uplink *u = uplink_by_name(d, name);

	if (u == NULL) {
		snprintf(err, errlen, "no uplink named '%s'", name);
		return -ENOENT;
	}
	pthread_mutex_lock(&d->lock);
	*result = uplink_detail(d, u);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int
cmd_stats(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *kind = arg_str(args, "kind"), *name = arg_str(args, "name");
	bool reset = json_is_true(json_object_get(args, "reset"));
	json_t *guests = json_object(), *uplinks = json_object();
	bool found = name == NULL;

	if (kind != NULL && strcmp(kind, "guest") != 0 && strcmp(kind, "uplink") != 0) {
		snprintf(err, errlen, "stats: kind must be guest or uplink, not '%s'", kind);
		goto inval;
	}
	if (name != NULL && kind == NULL) {
		snprintf(err, errlen, "stats: name needs kind");
		goto inval;
	}
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; (!kind || kind[0] == 'g') && i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		struct port_stats sum;

		if (!g->in_use || (name != NULL && strcmp(name, g->cfg.name) != 0))
			continue;
		found = true;
		guest_counters(d, g, &sum);
		json_t *c = counters_json(&sum, g->cfg.queues);

		add_busy_cycles(c, g->txq_load, g->cfg.queues);
		json_object_set_new(guests, g->cfg.name, c);
		if (reset)
			guest_counters_reset(d, g);
	}
	for (unsigned int i = 0; (!kind || kind[0] == 'u') && i < d->nb_uplinks; i++) {
		struct uplink *u = &d->uplinks[i];
		struct port_stats sum;

		if (name != NULL && strcmp(name, u->cfg.name) != 0)
			continue;
		found = true;
		uplink_counters(d, u, &sum);
		json_t *c = counters_json(&sum, RTE_MAX(u->nb_rxq, u->nb_txq));

		add_busy_cycles(c, u->rxq_load, u->nb_rxq);
		json_object_set_new(uplinks, u->cfg.name, c);
		if (reset)
			uplink_counters_reset(d, u);
	}
	pthread_mutex_unlock(&d->lock);
	if (!found) {
		json_decref(guests);
		json_decref(uplinks);
		snprintf(err, errlen, "no %s named '%s'", kind, name);
		return -ENOENT;
	}
	*result = json_pack("{s:o, s:o}", "guests", guests, "uplinks", uplinks);
	return 0;
inval:
	json_decref(guests);
	json_decref(uplinks);
	return -EINVAL;
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
worker_queue_json(struct vhostd *d, const char *kind, const char *name, unsigned int q,
		  const struct queue_load *load, const struct queue_meter *meter,
		  const struct config_affinity *a)
{
	return json_pack("{s:s, s:s, s:i, s:b, s:I, s:I, s:f}", "kind", kind, "name", name,
			 "queue", q, "pinned", (a->mask >> q) & 1,
			 "busy_cycles", (json_int_t)load->busy_cycles, "pkts", (json_int_t)load->pkts,
			 "load_pct", rebalance_pct(d, meter->last_cycles));
}

static int
cmd_workers(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	json_t *list = json_array();

	(void)args;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		const struct worker *wk = &d->workers[w];
		uint64_t busy = wk->busy_cycles, idle = wk->idle_cycles, pkts = wk->pkts;
		json_t *queues = json_array();

		for (unsigned int i = 0; i < d->nb_uplinks; i++)
			for (unsigned int q = 0; q < d->uplinks[i].nb_rxq; q++)
				if (d->uplinks[i].rxq_worker[q] == w)
					json_array_append_new(queues, worker_queue_json(d, "uplink",
						d->uplinks[i].cfg.name, q, &d->uplinks[i].rxq_load[q],
						&d->uplinks[i].rxq_meter[q], &d->uplinks[i].cfg.affinity));
		for (unsigned int i = 0; i < d->nb_guests; i++)
			for (unsigned int q = 0; d->guests[i].in_use && q < d->guests[i].nb_pairs; q++)
				if (d->guests[i].txq_worker[q] == w)
					json_array_append_new(queues, worker_queue_json(d, "guest",
						d->guests[i].cfg.name, q, &d->guests[i].txq_load[q],
						&d->guests[i].txq_meter[q], &d->guests[i].cfg.affinity));
		uint64_t sleep = wk->sleep_cycles;
		json_t *j = json_pack(
			"{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:o}",
			"index", w, "lcore", wk->lcore, "loops", (json_int_t)wk->loops,
			"busy_loops", (json_int_t)wk->busy_loops, "busy_cycles", (json_int_t)busy,
			"idle_cycles", (json_int_t)idle, "pkts", (json_int_t)pkts,
			"cycles_per_pkt", pkts ? (double)busy / (double)pkts : 0.0,
			"busy_pct", busy + idle + sleep ?
				100.0 * (double)busy / (double)(busy + idle + sleep) : 0.0,
			"queues", queues);

		json_object_set_new(j, "notify", worker_notify_json(wk));
		json_object_set_new(j, "interval_busy_pct",
				    json_real(rebalance_pct(d, d->balance.busy_last[w])));
		json_array_append_new(list, j);
	}
	*result = json_pack("{s:o, s:{s:i, s:i, s:f, s:I, s:I}, s:{s:I, s:f, s:f}}", "workers",
			    list, "rebalance",
			    "interval", (int)d->cfg.daemon.rebalance_interval,
			    "margin", (int)d->cfg.daemon.rebalance_margin,
			    "measured_seconds", (double)d->balance.interval / (double)rte_get_tsc_hz(),
			    "rebalances", (json_int_t)d->balance.rebalances,
			    "moves", (json_int_t)d->balance.moves, "publish",
			    "count", (json_int_t)d->publishes,
			    "last_us", (double)d->publish_cycles * 1e6 / (double)rte_get_tsc_hz(),
			    "max_us", (double)d->publish_cycles_max * 1e6 / (double)rte_get_tsc_hz());
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* guest.affinity and uplink.affinity: pin queues to workers, or unpin
 * them ("" or "none"); pinned queues move now, unpinned ones stay where
 * they are until the rebalancer moves them.  Not saved: to keep it, put
 * queue-affinity in the configuration (or in guest.add). */
static int
set_affinity(struct vhostd *d, bool is_guest, json_t *args, json_t **result, char *err,
	     size_t errlen)
{
	const char *name = arg_str(args, "name"), *text = arg_str(args, "affinity");
	const char *kind = is_guest ? "guest" : "uplink";
	struct config_affinity a, old, *cur;
	struct guest *g = NULL;
	struct uplink *u = NULL;
	char why[256];
	int ret;

	pthread_mutex_lock(&d->lock);
	if (is_guest)
		g = guest_by_name(d, name);
	else
		u = uplink_by_name(d, name);
	if (g == NULL && u == NULL) {
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "no %s named '%s'", kind, name);
		return -ENOENT;
	}
	if (config_parse_affinity(text, g != NULL ? g->cfg.queues : u->nb_rxq, &d->cfg.daemon,
				  &a, why, sizeof(why)) != 0) {
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "%s %s: queue-affinity: %s", kind, name, why);
		return -EINVAL;
	}
	cur = g != NULL ? &g->cfg.affinity : &u->cfg.affinity;
	old = *cur;
	*cur = a;
	ret = publish_workers(d);
	if (ret != 0) {
		*cur = old;
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "%s %s: cannot publish poll lists: %s", kind, name,
			 strerror(-ret));
		return ret;
	}
	config_format_affinity(cur, why, sizeof(why));
	LOG(INFO, "%s %s: queue-affinity set to '%s'", kind, name, why[0] ? why : "none");
	*result = json_pack("{s:s, s:o, s:o}", "name", name, "queue_affinity", affinity_json(cur),
			    "polling", g != NULL ?
				polling_json(d, g->txq_worker, g->txq_load, g->txq_meter, cur,
					     g->cfg.queues) :
				polling_json(d, u->rxq_worker, u->rxq_load, u->rxq_meter, cur,
					     u->nb_rxq));
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int
cmd_guest_affinity(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_affinity(ctx, true, args, result, err, errlen);
}

static int
cmd_uplink_affinity(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_affinity(ctx, false, args, result, err, errlen);
}

static int
cmd_log_level(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *s = arg_str(args, "level");
	int level = 0;

	(void)ctx;
	for (int i = 1; i < (int)RTE_DIM(level_names); i++)
		if (strcasecmp(s, level_names[i]) == 0 || (s[0] == '0' + i && s[1] == '\0'))
			level = i;
	if (level == 0) {
		snprintf(err, errlen, "'%s' is not a log level (expected emergency, alert, critical, "
			 "error, warning, notice, info, debug or 1 to 8)", s);
		return -EINVAL;
	}
	rte_log_set_level(vhostd_logtype, (uint32_t)level);
	LOG(NOTICE, "log level set to %s", level_names[level]);
	*result = json_pack("{s:s}", "level", level_names[level]);
	return 0;
}

static int
cmd_capture_start(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = arg_str(args, "name"), *file = arg_str(args, "file");
	json_int_t count = json_integer_value(json_object_get(args, "count"));
	struct guest *g;
	int ret;

	if (count < 0) {
		snprintf(err, errlen, "capture.start: count must be 0 (no limit) or more");
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
		ret = -ENOENT;
	} else {
		ret = capture_start(d, g, file, (uint64_t)count, err, errlen);
		if (ret == 0)
			*result = json_pack("{s:s, s:o}", "name", name, "capture", capture_json(g));
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int
cmd_capture_stop(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = arg_str(args, "name");
	struct guest *g;
	json_t *last = NULL;
	int ret = -ENOENT;

	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
	} else if (g->capture == NULL) {
		snprintf(err, errlen, "guest %s: no capture running", name);
	} else {
		ret = capture_stop(d, g, &last);
	}
	pthread_mutex_unlock(&d->lock);
	if (ret == 0)
		*result = json_pack("{s:s, s:o}", "name", name, "capture", last);
	else
		json_decref(last);
	return ret;
}

/* The handlers of ctl_table's commands (ctl_table.c), bound by ctl_commands_bind(). */
static const ctl_handler handlers[CTL_NB_CMDS] = {
	[CTL_CMD_VERSION] = cmd_version,
	[CTL_CMD_HELP] = cmd_help,
	[CTL_CMD_GUEST_LIST] = cmd_guest_list,
	[CTL_CMD_GUEST_SHOW] = cmd_guest_show,
	[CTL_CMD_GUEST_ADD] = cmd_guest_add,
	[CTL_CMD_GUEST_DEL] = cmd_guest_del,
	[CTL_CMD_UPLINK_LIST] = cmd_uplink_list,
	[CTL_CMD_UPLINK_SHOW] = cmd_uplink_show,
	[CTL_CMD_STATS] = cmd_stats,
	[CTL_CMD_WORKERS] = cmd_workers,
	[CTL_CMD_LOG_LEVEL] = cmd_log_level,
	[CTL_CMD_CAPTURE_START] = cmd_capture_start,
	[CTL_CMD_CAPTURE_STOP] = cmd_capture_stop,
	[CTL_CMD_GUEST_AFFINITY] = cmd_guest_affinity,
	[CTL_CMD_UPLINK_AFFINITY] = cmd_uplink_affinity,
	[CTL_CMD_GUEST_EVENTS] = ctl_cmd_guest_events,
	[CTL_CMD_GUEST_WHY] = ctl_cmd_guest_why,
};

static struct ctl_cmd commands[CTL_NB_CMDS];
const struct ctl_cmd *const ctl_commands = commands;
const unsigned int ctl_nb_commands = CTL_NB_CMDS;

int
ctl_commands_bind(void)
{
	return ctl_table_bind(commands, handlers);
}

static int
cmd_help(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)err;
	(void)errlen;
	*result = ctl_describe(ctl_commands, ctl_nb_commands);
	return 0;
}
