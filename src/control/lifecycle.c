/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A guest's life, in one place: added (from the configuration at start,
 * guest.add, or the state directory's replay), its socket registered with
 * the feature policy, its frontend connecting, its device coming up and
 * going, disconnecting, and deleted.  The librte_vhost adapter (ports/
 * vhost.c) hands every event here through struct vhost_events, with the
 * guest as the socket's context; nothing below calls up.
 *
 * Callback context matters (ports/vhost.c): on_vring_state runs with every
 * virtqueue lock of the device held, so it only records the change and
 * wakes the main thread; on_new_device and on_destroy publish
 * synchronously.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_vhost.h>

#include "control/capture.h"
#include "control/lifecycle.h"
#include "control/state.h"
#include "control/vhostd.h"
#include "vhostd/guest_args.h"
#include "vhostd/features.h"

static struct vhostd *vhostd;	/* librte_vhost callbacks carry only the guest */

/* The guest whose served connection vid is, or NULL.  Callbacks keyed by
 * vid go through here: a connection the guest does not serve (waiting,
 * refused, or gone) never reaches its state (guest_conn_claim). */
static struct guest *
served(void *ctx, int vid)
{
	struct guest *g = ctx;

	return guest_conn_is(g, vid) ? g : NULL;
}

/*
 * One frontend per guest socket (guest.c, guest_conn_claim), decided here.
 *
 * librte_vhost 22.11 runs every connection callback of server sockets on
 * one thread (vhost-events), in the order poll() lists the fds, listening
 * sockets first.  A frontend that closes its connection and connects again
 * at once is accepted before the old connection's EOF is handled: refused
 * at accept, 706 of 2000 such reconnects failed (measured).  So a
 * connection that comes while another is served waits, with no device, and
 * its first message decides: by then the old connection's teardown has run
 * (its EOF was seen in the poll round of the accept, and the new fd is
 * polled from the next round on).  One connection waits at most; others
 * are refused at accept.  A refused connection is closed.
 */
static void
serve_connection(struct guest *g, int vid)
{
	__atomic_store_n(&g->vring_enabled, 0, __ATOMIC_RELEASE);
	g->dirty_log = false;
	events_add(g->events, EV_CONNECT, (uint64_t)vid, 0, 0, NULL);
	ratelimit_log(&g->conn_limit, RTE_LOG_INFO, "guest %s: vhost-user connection (vid %d)",
		      g->cfg.name, vid);
}

static void
refuse_connection(struct guest *g, int vid)
{
	uint64_t n = __atomic_add_fetch(&g->refused_conns, 1, __ATOMIC_RELAXED);

	if (!g->refused_warned)
		LOG(WARNING, "guest %s: refused another vhost-user connection on %s (vid %d) while "
		    "vid %d is served: one frontend per guest socket (%lu refused so far; "
		    "logged once per connection served)", g->cfg.name, g->cfg.socket, vid,
		    __atomic_load_n(&g->conn_vid, __ATOMIC_RELAXED), n);
	g->refused_warned = true;
}

static int
on_connect(void *ctx, int vid)
{
	struct guest *g = ctx;

	if (guest_conn_claim(g, vid) == 0) {
		serve_connection(g, vid);
	} else if (guest_conn_wait(g, vid) != 0) {
		refuse_connection(g, vid);
		return -EBUSY;
	}
	return 0;
}

/* Before each message: may vid's connection talk to librte_vhost? */
static bool
admit(void *ctx, int vid)
{
	struct guest *g = ctx;

	if (guest_conn_is(g, vid))
		return true;
	if (guest_conn_waits(g, vid) && guest_conn_claim(g, vid) == 0) {
		serve_connection(g, vid);
		return true;
	}
	/* It keeps the waiting place until librte_vhost has closed it. */
	refuse_connection(g, vid);
	return false;
}

static unsigned int
queues(void *ctx, int vid)
{
	struct guest *g = served(ctx, vid);

	return g != NULL ? g->cfg.queues : 0;
}

static void
on_message(void *ctx, int vid, const void *msg, const char *why)
{
	struct guest *g = served(ctx, vid);
	uint32_t req;
	bool reply;

	if (g == NULL)
		return;
	frontend_msg_record(g->events, msg, why, g->offered, &g->dirty_log);
	if (why == NULL)
		return;
	req = frontend_msg_request(msg, &reply);
	__atomic_fetch_add(&g->refused_msgs, 1, __ATOMIC_RELAXED);
	ratelimit_log(&g->log_limit, RTE_LOG_WARNING, "guest %s: refused vhost-user "
		      "request %u (%s); %s", g->cfg.name, req, why,
		      reply ? "answered with an error" : "the connection is closed");
}

static void
on_disconnect(void *ctx, int vid)
{
	struct guest *g = ctx;

	if (guest_conn_is(g, vid)) {
		events_add(g->events, EV_DISCONNECT, (uint64_t)vid, 0, 0, NULL);
		ratelimit_log(&g->conn_limit, RTE_LOG_INFO, "guest %s: vhost-user connection "
			      "closed (vid %d)", g->cfg.name, vid);
		/* The frontend closed it (vhostd's own stop closes without
		 * this callback): most likely its QEMU is gone, and the next
		 * one negotiates afresh.  One that only reconnects gets the
		 * same offer from this vhostd and is saved again. */
		guest_pin_forget(vhostd, g->cfg.name);
	}
	guest_conn_release(g, vid);	/* the next frontend may be served */
}

static int
on_new_device(void *ctx, int vid)
{
	struct guest *g = served(ctx, vid);
	char names[1024];
	uint64_t features, protocol;
	int ret;

	if (g == NULL)
		return -1;
	vhost_device_features(vid, &features, &protocol);
	/* Before the device runs: a restart right after must find it. */
	guest_pin_save(vhostd, g, features, protocol);
	pthread_mutex_lock(&vhostd->lock);
	g->vid = vid;
	g->features = features;
	g->nb_vrings = vhost_device_vrings(vid);
	g->state = GUEST_RUNNING;
	g->nb_pairs = guest_served_pairs(g);
	g->connects++;
	/* Where librte_vhost found the guest's memory (it moves its own
	 * structures there, numa_realloc).  Read again on every new_device,
	 * so a device recreated after a memory table change is placed anew:
	 * destroy_device released its queues. */
	g->numa = vhost_device_numa(vid);
	ret = publish_workers(vhostd);
	pthread_mutex_unlock(&vhostd->lock);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot publish poll lists: %s", g->cfg.name, strerror(-ret));
		return -1;
	}
	events_add(g->events, EV_DEVICE_READY, (uint64_t)vid, g->nb_vrings, 0, NULL);
	features_format(features, names, sizeof(names));
	LOG(INFO, "guest %s: device ready (vid %d), %s ring, %u vrings, serving %u queue "
	    "pair(s), NUMA node %d", g->cfg.name, vid,
	    features_has(features, FEATURE_RING_PACKED) ? "packed" : "split", g->nb_vrings, g->nb_pairs,
	    vhost_device_numa(vid));
	LOG(INFO, "guest %s: features 0x%016lx: %s", g->cfg.name, features, names);
	if (g->nb_vrings / 2 > g->cfg.queues)
		LOG(WARNING, "guest %s: the driver set up %u queue pairs, queues = %u: the "
		    "extra pairs are not served", g->cfg.name, g->nb_vrings / 2, g->cfg.queues);
	return 0;
}

static void
on_destroy(void *ctx, int vid)
{
	/* Keyed by the device, not the connection: the device served must
	 * stop whatever happened to its connection (workers still poll it),
	 * and no other vid may stop it. */
	struct guest *g = ctx;

	pthread_mutex_lock(&vhostd->lock);
	if (g->state != GUEST_RUNNING || g->vid != vid) {
		pthread_mutex_unlock(&vhostd->lock);
		return;
	}
	g->state = GUEST_DOWN;
	g->nb_pairs = 0;
	g->disconnects++;
	if (publish_workers(vhostd) != 0)
		LOG(ERR, "guest %s: cannot publish poll lists", g->cfg.name);
	g->vid = -1;
	pthread_mutex_unlock(&vhostd->lock);
	events_add(g->events, EV_DEVICE_STOPPED, (uint64_t)vid, 0, 0, NULL);
	LOG(INFO, "guest %s: device stopped (vid %d)", g->cfg.name, vid);
}

static void
wake_main(void)
{
	uint64_t one = 1;

	vhostd->pending = 1;
	if (write(vhostd->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG(ERR, "eventfd write: %s", strerror(errno));
}

static void
on_vring_state(void *ctx, int vid, uint16_t vring, bool enable)
{
	struct guest *g = served(ctx, vid);

	/* Virtqueue locks held: record and defer (see the top of this file). */
	if (g == NULL || vring >= 64)
		return;
	if (enable)
		__atomic_fetch_or(&g->vring_enabled, 1ULL << vring, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&g->vring_enabled, ~(1ULL << vring), __ATOMIC_RELEASE);
	__atomic_store_n(&g->vring_changed, 1, __ATOMIC_RELEASE);
	wake_main();
}

static void
on_features(void *ctx, int vid, uint64_t features)
{
	struct guest *g = served(ctx, vid);

	if (g != NULL)
		LOG(INFO, "guest %s: features changed to 0x%016lx%s", g->cfg.name, features,
		    RTE_VHOST_NEED_LOG(features) ? " (dirty logging: migration)" : "");
}

void
lifecycle_apply_pending(struct vhostd *d)
{
	bool changed = false;

	pthread_mutex_lock(&d->lock);
	/* Cleared before the vring bits are read, and seen to be (a full
	 * barrier: x86 lets a plain store pass later loads): a callback that
	 * sets a bit after our read sets pending again and is not lost. */
	__atomic_store_n(&d->pending, 0, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		uint16_t pairs;

		if (!g->in_use)
			continue;
		pairs = guest_served_pairs(g);
		/* A vring that went off and on again may have a new kick eventfd
		 * (SET_VRING_KICK): workers that sleep on kicks need the new one. */
		if (__atomic_exchange_n(&g->vring_changed, 0, __ATOMIC_ACQ_REL) &&
		    g->cfg.notify != NOTIFY_POLL)
			changed = true;

		if (pairs != g->nb_pairs) {
			LOG(INFO, "guest %s: serving %u queue pair(s) (was %u)", g->cfg.name,
			    pairs, g->nb_pairs);
			g->nb_pairs = pairs;
			changed = true;
		}
	}
	if (changed && publish_workers(d) != 0)
		LOG(ERR, "cannot publish poll lists");
	pthread_mutex_unlock(&d->lock);
}

static const struct vhost_events guest_events = {
	.on_connect = on_connect,
	.admit = admit,
	.queues = queues,
	.on_message = on_message,
	.on_disconnect = on_disconnect,
	.on_new_device = on_new_device,
	.on_destroy = on_destroy,
	.on_vring_state = on_vring_state,
	.on_features = on_features,
};

int
lifecycle_init(struct vhostd *d)
{
	vhostd = d;
	d->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->event_fd < 0)
		return -errno;
	vhost_init(&guest_events);
	return 0;
}

/* What g offers: the library's features after the configured policy, then
 * the pinned bits a connected guest keeps (guest_pin.c). */
static uint64_t
feature_policy(struct vhostd *d, struct guest *g, uint64_t lib)
{
	uint64_t missing, tx_offloads = d->uplinks[g->uplink].tx_offloads;
	char names[1024];

	g->offered = features_offer(lib, g->cfg.features_on, g->cfg.features_off);
	if (g->cfg.queues == 1)
		g->offered &= ~FEATURE_BIT(FEATURE_MQ);	/* nothing to steer */
	/* TCP over IPv6 is segmented only by hardware (librte_gso 22.11 has no
	 * IPv6 TCP): offer HOST_TSO6 when the uplink does it. */
	if ((tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    !(g->cfg.features_off & FEATURE_BIT(FEATURE_HOST_TSO6)))
		g->offered |= lib & FEATURE_BIT(FEATURE_HOST_TSO6);
	if ((g->offered & FEATURE_BIT(FEATURE_HOST_TSO6)) && !(tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO))
		LOG(WARNING, "guest %s: host-tso6 offered by policy but uplink %s cannot segment: "
		    "IPv6 TSO frames to it will be dropped (drop_bad_offload)", g->cfg.name,
		    g->cfg.uplink);
	/* Last: a connected guest keeps what it negotiated (guest_pin.c). */
	g->pinned = guest_pin_offer(d, g, lib, g->offered);
	g->offered |= g->pinned;
	missing = g->cfg.features_on & ~lib;
	if (missing != 0) {
		features_format(missing, names, sizeof(names));
		LOG(WARNING, "guest %s: librte_vhost cannot offer %s", g->cfg.name, names);
	}
	return g->offered;
}

/* Open g's vhost-user socket: register, offer, start. */
static int
guest_register(struct vhostd *d, struct guest *g)
{
	const struct config_guest *c = &g->cfg;
	struct vhost_socket s = {
		.path = c->socket,
		.name = c->name,
		.client = c->mode == GUEST_MODE_CLIENT,
		.vring_stats = d->cfg.daemon.vring_stats,
		.perms = c->socket_uid != (uid_t)-1 || c->socket_gid != (gid_t)-1 ||
			 c->socket_mode >= 0,
		.uid = c->socket_uid,
		.gid = c->socket_gid,
		.mode = c->socket_mode,
		.owner = c->socket_owner,
		.group = c->socket_group,
	};
	char names[1024];
	int ret;

	ret = vhost_socket_register(&s, g);
	if (ret != 0)
		return ret;
	ret = vhost_socket_offer(c->socket, feature_policy(d, g, vhost_socket_lib_features(c->socket)));
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot set up %s", c->name, c->socket);
		vhost_socket_unregister(c->socket);
		return ret;
	}
	g->registered = true;
	ret = vhost_socket_start(&s);
	if (ret != 0) {
		g->registered = false;
		return ret;
	}
	features_format(g->offered, names, sizeof(names));
	LOG(INFO, "guest %s: %s %s, uplink %s, offering %s", c->name,
	    s.client ? "connecting to" : "listening on", c->socket, c->uplink, names);
	return 0;
}

/* Close g's socket and its connection: on_destroy runs first if the device
 * is up (on_disconnect does not: the connection is released here). */
static void
guest_unregister(struct guest *g)
{
	if (!g->registered)
		return;
	vhost_socket_unregister(g->cfg.socket);
	guest_conn_forget(g);
	g->registered = false;
}

int
lifecycle_start(struct vhostd *d)
{
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		int ret = guest_register(d, &d->guests[i]);	/* all in use: no holes yet */

		if (ret != 0)
			return ret;
	}
	return 0;
}

void
lifecycle_stop(struct vhostd *d)
{
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use)
			guest_unregister(&d->guests[i]);
}

/* args -> a validated struct config_guest (lib/guest_args.c), against the guests there are. */
static int
guest_from_args(struct vhostd *d, json_t *args, struct config_guest *cg, char *err,
		size_t errlen)
{
	const struct config_guest *others[VHOSTD_MAX_GUESTS];
	unsigned int nb = 0;

	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use)
			others[nb++] = &d->guests[i].cfg;
	return guest_args_parse(args, &d->cfg, others, nb, cg, err, errlen);
}

int
lifecycle_guest_add(struct vhostd *d, json_t *args, bool persist, struct guest **out, char *err,
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
		ret = state_save(d, cg.name, args, err, errlen);
	if (ret == 0) {
		g->runtime = true;
		g->persistent = persist;
		/* In the MAC table (not ready) before its socket exists. */
		ret = publish_workers(d);
	}
	pthread_mutex_unlock(&d->lock);
	/* Registration may run callbacks that take d->lock: not held here. */
	if (ret == 0)
		ret = guest_register(d, g);
	if (ret != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "[guest %s]: cannot start its socket %s: %s", cg.name,
				 cg.socket, strerror(-ret));
		if (persist)
			state_remove(d, cg.name);
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

int
lifecycle_guest_del(struct vhostd *d, const char *name, char *err, size_t errlen)
{
	struct guest *g;

	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g != NULL)
		capture_stop(d, g, NULL);	/* if any: closes the file */
	pthread_mutex_unlock(&d->lock);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
		return -ENOENT;
	}
	/* Closes the connection: on_destroy runs (and takes d->lock). */
	guest_unregister(g);
	pthread_mutex_lock(&d->lock);
	guest_slot_free(d, g);
	publish_workers(d);	/* after its grace period no worker sees it */
	pthread_mutex_unlock(&d->lock);
	if (g->persistent)
		state_remove(d, name);
	guest_pin_forget(d, name);	/* a guest added again starts fresh */
	LOG(INFO, "guest %s: removed at run time", name);
	guest_fini(d, g);
	return 0;
}

void
lifecycle_replay(struct vhostd *d)
{
	char path[VHOSTD_PATH_MAX + 300];
	struct state_dir sd;
	json_t *args;

	if (state_open(d, &sd) != 0)
		return;
	while ((args = state_next(&sd, path, sizeof(path))) != NULL) {
		char err[512] = "";
		struct guest *g;

		/* The same checks as a guest.add: a file that no longer fits the
		 * configuration is skipped, the others start. */
		if (lifecycle_guest_add(d, args, false, &g, err, sizeof(err)) != 0) {
			LOG(ERR, "%s: %s; skipped", path, err);
		} else {
			g->persistent = true;
			LOG(INFO, "guest %s: restored from %s", g->cfg.name, path);
		}
		json_decref(args);
	}
	state_close(&sd);
}

void
lifecycle_apply_announcements(struct vhostd *d)
{
	bool moved = false;

	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];

		if (!g->in_use || !__atomic_exchange_n(&g->announce_req, 0, __ATOMIC_ACQ_REL))
			continue;
		g->announce_seq = ++d->announces;
		LOG(NOTICE, "guest %s announced %02x:%02x:%02x:%02x:%02x:%02x: frames for it go "
		    "to %s now", g->cfg.name, g->cfg.mac[0], g->cfg.mac[1], g->cfg.mac[2],
		    g->cfg.mac[3], g->cfg.mac[4], g->cfg.mac[5], g->cfg.name);
		moved = true;
	}
	if (moved && publish_workers(d) != 0)
		LOG(ERR, "cannot publish poll lists");
	pthread_mutex_unlock(&d->lock);
}
