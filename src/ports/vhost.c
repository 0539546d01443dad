/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * librte_vhost adapter: sockets, feature policy, device callbacks.  The only
 * file that calls librte_vhost's control API (the datapath calls go through
 * vhost_port_ops below).
 *
 * Callback context matters.  librte_vhost calls vring_state_changed and
 * features_changed while it holds every virtqueue lock of the device
 * (vhost_user_msg_handler, 22.11), and a worker may be spinning on one of
 * those locks inside rte_vhost_enqueue_burst: waiting there for an RCU
 * grace period would deadlock.  So those callbacks only record the change
 * and wake the main thread.  new_device and destroy_device run with the
 * locks released and publish synchronously: when destroy_device returns,
 * librte_vhost unmaps guest memory, so no worker may still hold the vid.
 */
/* rte_vhost_get_negotiated_protocol_features() is experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "datapath/poll_list.h"
#include "lib/fs.h"
#include "control/vhostd.h"
#include "vhostd/features.h"

static struct vhostd *vhostd;	/* librte_vhost callbacks carry no context */

static uint16_t
vhost_rx(uint16_t vid, uint16_t q, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_vhost_dequeue_burst(vid, (uint16_t)(2 * q + 1), mp, pkts, n);
}

static uint16_t
vhost_tx(uint16_t vid, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_vhost_enqueue_burst(vid, (uint16_t)(2 * q), pkts, n);

	/* Enqueue copied the frames into guest buffers: ours to free. */
	rte_pktmbuf_free_bulk(pkts, sent);
	return sent;
}

static int
vhost_poll_start(uint16_t vid, uint16_t q)
{
	/* We poll: the guest need not kick us (virtio 1.2, 2.7.10 / 2.8.10:
	 * used->flags NO_NOTIFY, or with EVENT_IDX, avail_event left behind). */
	int a = rte_vhost_enable_guest_notification(vid, (uint16_t)(2 * q), 0);
	int b = rte_vhost_enable_guest_notification(vid, (uint16_t)(2 * q + 1), 0);

	return a == 0 && b == 0 ? 0 : -EAGAIN;
}

/*
 * A worker about to sleep asks for kicks on the guest's TX vring.  With
 * VIRTIO_RING_F_EVENT_IDX, librte_vhost 22.11 does it the event-index way
 * (virtio 1.2, 2.7.10: avail_event = last_avail_idx, so the next buffer the
 * driver makes available kicks; packed ring 2.8.10: off_wrap and
 * RING_EVENT_FLAGS_DESC); without it, used->flags NO_NOTIFY is cleared
 * (packed: RING_EVENT_FLAGS_ENABLE).  "Off" with EVENT_IDX writes nothing
 * on a split ring: avail_event stays behind and the driver stops kicking
 * once it has passed it.  The caller re-polls after "on": a buffer made
 * available before the driver could see avail_event raises no kick.
 */
static int
vhost_notify(uint16_t vid, uint16_t q, bool on)
{
	return rte_vhost_enable_guest_notification(vid, (uint16_t)(2 * q + 1), on) == 0 ? 0
											 : -EAGAIN;
}

const struct vport_ops vhost_port_ops = {
	.rx = vhost_rx,
	.tx = vhost_tx,
	.poll_start = vhost_poll_start,
	.notify = vhost_notify,
};

int
vhost_kick_fd(const struct guest *g, uint16_t vring)
{
	struct rte_vhost_vring vr;

	if (g->state != GUEST_RUNNING || rte_vhost_get_vhost_vring(g->vid, vring, &vr) != 0 ||
	    vr.kickfd < 0)
		return -1;
	/* Our own reference: librte_vhost closes its fd when the frontend
	 * sends another (SET_VRING_KICK) or the device goes; the worker's
	 * epoll set and reads stay on this one until the list is retired. */
	return fcntl(vr.kickfd, F_DUPFD_CLOEXEC, 0);
}

static struct guest *
guest_of_socket(int vid)
{
	char path[PATH_MAX];

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return NULL;
	return guest_by_socket(vhostd, path);
}

/* The guest whose served connection vid is, or NULL.  Callbacks keyed by
 * vid go through here: a connection the guest does not serve (waiting,
 * refused, or gone) never reaches its state (guest_conn_claim). */
static struct guest *
guest_of_vid(int vid)
{
	struct guest *g = guest_of_socket(vid);

	return g != NULL && guest_conn_is(g, vid) ? g : NULL;
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

/* Before each message: may vid's connection talk to librte_vhost? */
static bool
connection_admitted(int vid)
{
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return false;
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

static void
wake_main(void)
{
	uint64_t one = 1;

	vhostd->pending = 1;
	if (write(vhostd->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG(ERR, "eventfd write: %s", strerror(errno));
}

json_t *
vhost_vring_stats(const struct guest *g, uint16_t vring)
{
	struct rte_vhost_stat_name names[64];
	struct rte_vhost_stat vals[64];
	json_t *o;
	int n;

	if (g->state != GUEST_RUNNING)
		return json_null();
	n = rte_vhost_vring_stats_get_names(g->vid, vring, names, RTE_DIM(names));
	if (n <= 0 || n > (int)RTE_DIM(names) ||
	    rte_vhost_vring_stats_get(g->vid, vring, vals, (unsigned int)n) != n)
		return json_null();	/* vring-stats = no */
	o = json_object();
	for (int i = 0; i < n; i++) {
		/* "rx_q0_good_packets" -> "good_packets": the vring is implied. */
		const char *name = names[vals[i].id].name;
		const char *u = strchr(name, '_');

		u = u != NULL ? strchr(u + 1, '_') : NULL;
		json_object_set_new(o, u != NULL ? u + 1 : name, json_integer((json_int_t)vals[i].value));
	}
	return o;
}

uint64_t
vhost_guest_kicks(struct guest *g)
{
	uint64_t total = 0;

	if (g->state != GUEST_RUNNING)
		return total;
	/* While we poll, nobody reads a vring's kick eventfd: its counter is the
	 * number of times the guest notified us since the last read.  With
	 * suppression working it stays near zero.  A guest in adaptive or
	 * interrupt mode has its TX kick eventfds read by the workers: reading
	 * them here would steal their wake-ups. */
	for (uint16_t i = 0; i < g->nb_vrings; i++) {
		struct rte_vhost_vring vr;
		uint64_t n;

		if (g->cfg.notify != NOTIFY_POLL && i % 2 == 1)
			continue;
		if (rte_vhost_get_vhost_vring(g->vid, i, &vr) != 0 || vr.kickfd < 0)
			continue;
		/* The frontend shares the fd: read what is there, never wait
		 * (we hold d->lock). */
		if (notify_fd_read(vr.kickfd, &n) == 0)
			total += n;
	}
	return total;
}

static const char *const protocol_names[] = {
	[0] = "VHOST_USER_PROTOCOL_F_MQ",
	[1] = "VHOST_USER_PROTOCOL_F_LOG_SHMFD",
	[2] = "VHOST_USER_PROTOCOL_F_RARP",
	[3] = "VHOST_USER_PROTOCOL_F_REPLY_ACK",
	[4] = "VHOST_USER_PROTOCOL_F_NET_MTU",
	[5] = "VHOST_USER_PROTOCOL_F_SLAVE_REQ",
	[6] = "VHOST_USER_PROTOCOL_F_CROSS_ENDIAN",
	[7] = "VHOST_USER_PROTOCOL_F_CRYPTO_SESSION",
	[8] = "VHOST_USER_PROTOCOL_F_PAGEFAULT",
	[9] = "VHOST_USER_PROTOCOL_F_CONFIG",
	[10] = "VHOST_USER_PROTOCOL_F_SLAVE_SEND_FD",
	[11] = "VHOST_USER_PROTOCOL_F_HOST_NOTIFIER",
	[12] = "VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD",
	[13] = "VHOST_USER_PROTOCOL_F_RESET_DEVICE",
	[14] = "VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS",
	[15] = "VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS",
	[16] = "VHOST_USER_PROTOCOL_F_STATUS",
};

const char *
vhost_protocol_feature_name(unsigned int bit)
{
	return bit < RTE_DIM(protocol_names) ? protocol_names[bit] : NULL;
}

void
vhost_device_info(const struct guest *g, uint64_t *protocol, uint16_t *mtu, int *numa)
{
	*protocol = 0;
	*mtu = 0;
	*numa = -1;
	if (g->state != GUEST_RUNNING)
		return;
	rte_vhost_get_negotiated_protocol_features(g->vid, protocol);
	if (rte_vhost_get_mtu(g->vid, mtu) != 0)
		*mtu = 0;
	*numa = rte_vhost_get_numa_node(g->vid);
}

int
vhost_vring_info(const struct guest *g, uint16_t vring, struct vring_info *vi)
{
	struct rte_vhost_vring vr;
	bool event_idx = g->features & (1ULL << 29);	/* VIRTIO_RING_F_EVENT_IDX */

	memset(vi, 0, sizeof(*vi));
	vi->avail_idx = vi->used_idx = vi->used_event = -1;
	if (g->state != GUEST_RUNNING || vring >= g->nb_vrings ||
	    rte_vhost_get_vhost_vring(g->vid, vring, &vr) != 0 || vr.desc == NULL)
		return -ENOENT;
	vi->size = vr.size;
	rte_vhost_get_vring_base(g->vid, vring, &vi->last_avail_idx, &vi->last_used_idx);
	if (g->features & (1ULL << 34)) {
		/* virtio 1.2, 2.8.10: event suppression structures. */
		const volatile struct vring_packed_desc_event *dev = vr.device_event;
		const volatile struct vring_packed_desc_event *drv = vr.driver_event;

		vi->kicks_suppressed = dev->flags == VRING_PACKED_EVENT_FLAG_DISABLE;
		vi->guest_suppresses_interrupts = drv->flags == VRING_PACKED_EVENT_FLAG_DISABLE;
		return 0;
	}
	/* virtio 1.2, 2.7.7 and 2.7.10: flags, or with EVENT_IDX the event
	 * indexes after the rings (avail_event after used->ring[size], used_event
	 * after avail->ring[size]). */
	const volatile struct vring_avail *avail = vr.avail;
	const volatile struct vring_used *used = vr.used;

	vi->avail_idx = avail->idx;
	vi->used_idx = used->idx;
	if (event_idx) {
		/* The used ring is an array of 8-byte elements: avail_event is the
		 * 16-bit word right after it. */
		const volatile uint16_t *after_used =
			(const volatile uint16_t *)((uintptr_t)used + offsetof(struct vring_used, ring) +
						    vr.size * sizeof(struct vring_used_elem));
		uint16_t avail_event = *after_used;

		vi->used_event = avail->ring[vr.size];
		/* Left behind by rte_vhost_enable_guest_notification(0). */
		vi->kicks_suppressed = avail_event != vi->last_avail_idx;
		vi->guest_suppresses_interrupts =
			(uint16_t)(vi->used_event + 1) != (uint16_t)vi->used_idx;
	} else {
		vi->kicks_suppressed = (used->flags & VRING_USED_F_NO_NOTIFY) != 0;
		vi->guest_suppresses_interrupts = (avail->flags & VRING_AVAIL_F_NO_INTERRUPT) != 0;
	}
	return 0;
}

/* librte_vhost's pre_msg_handle: frontend.c says which messages it must
 * not see. */
static enum rte_vhost_msg_result
on_message(int vid, void *msg)
{
	struct guest *g;
	unsigned int queues;
	bool reply;
	const char *why;
	uint32_t req;

	if (!connection_admitted(vid)) {
		/* Closed even when a reply is asked for: librte_vhost answers
		 * an ERR with NEED_REPLY and keeps the connection open. */
		frontend_msg_refuse(msg);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	/* After admission: a waiting connection may just have become the
	 * served one. */
	g = guest_of_vid(vid);
	queues = g != NULL ? g->cfg.queues : 1;
	if (frontend_msg_answer(msg, queues))
		return RTE_VHOST_MSG_RESULT_REPLY;
	why = frontend_msg_check(msg, queues);
	frontend_msg_record(g, msg, why);
	if (why == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;	/* librte_vhost's to handle */
	frontend_msg_close_fds(msg);
	req = frontend_msg_request(msg, &reply);
	if (g != NULL) {
		__atomic_fetch_add(&g->refused_msgs, 1, __ATOMIC_RELAXED);
		ratelimit_log(&g->log_limit, RTE_LOG_WARNING, "guest %s: refused vhost-user "
			      "request %u (%s); %s", g->cfg.name, req, why,
			      reply ? "answered with an error" : "the connection is closed");
	}
	return RTE_VHOST_MSG_RESULT_ERR;
}

static const struct rte_vhost_user_extern_ops message_filter = {
	.pre_msg_handle = on_message,
};

/*
 * librte_vhost 22.11 (socket.c, vhost_user_add_connection): a negative
 * return closes the new connection and frees its vid before the fd is
 * polled; no destroy_connection follows.
 */
static int
on_new_connection(int vid)
{
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return -1;
	/* Without the filter no message is checked, and a waiting connection
	 * would never be decided on. */
	if (rte_vhost_extern_callback_register(vid, &message_filter, NULL) != 0) {
		LOG(ERR, "guest %s: cannot filter vhost-user messages; closing vid %d",
		    g->cfg.name, vid);
		return -1;
	}
	if (guest_conn_claim(g, vid) == 0) {
		serve_connection(g, vid);
	} else if (guest_conn_wait(g, vid) != 0) {
		refuse_connection(g, vid);
		return -EBUSY;
	}
	return 0;
}

static void
on_destroy_connection(int vid)
{
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return;
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
on_new_device(int vid)
{
	struct guest *g = guest_of_vid(vid);
	char names[1024];
	uint64_t features = 0, protocol = 0;
	int ret;

	if (g == NULL)
		return -1;
	rte_vhost_get_negotiated_features(vid, &features);
	rte_vhost_get_negotiated_protocol_features(vid, &protocol);
	/* Before the device runs: a restart right after must find it. */
	guest_pin_save(vhostd, g, features, protocol);
	pthread_mutex_lock(&vhostd->lock);
	g->vid = vid;
	g->features = features;
	g->nb_vrings = rte_vhost_get_vring_num(vid);
	g->state = GUEST_RUNNING;
	g->nb_pairs = guest_served_pairs(g);
	g->connects++;
	/* Where librte_vhost found the guest's memory (it moves its own
	 * structures there, numa_realloc).  Read again on every new_device,
	 * so a device recreated after a memory table change is placed anew:
	 * destroy_device released its queues. */
	g->numa = rte_vhost_get_numa_node(vid);
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
	    features & (1ULL << 34) ? "packed" : "split", g->nb_vrings, g->nb_pairs,
	    rte_vhost_get_numa_node(vid));
	LOG(INFO, "guest %s: features 0x%016lx: %s", g->cfg.name, features, names);
	if (g->nb_vrings / 2 > g->cfg.queues)
		LOG(WARNING, "guest %s: the driver set up %u queue pairs, queues = %u: the "
		    "extra pairs are not served", g->cfg.name, g->nb_vrings / 2, g->cfg.queues);
	return 0;
}

static void
on_destroy_device(int vid)
{
	/* Keyed by the device, not the connection: the device served must
	 * stop whatever happened to its connection (workers still poll it),
	 * and no other vid may stop it. */
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return;
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

static int
on_vring_state_changed(int vid, uint16_t vring, int enable)
{
	struct guest *g = guest_of_vid(vid);

	/* Virtqueue locks held: record and defer (see the top of this file). */
	if (g == NULL || vring >= 64)
		return 0;
	if (enable)
		__atomic_fetch_or(&g->vring_enabled, 1ULL << vring, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&g->vring_enabled, ~(1ULL << vring), __ATOMIC_RELEASE);
	__atomic_store_n(&g->vring_changed, 1, __ATOMIC_RELEASE);
	wake_main();
	return 0;
}

static int
on_features_changed(int vid, uint64_t features)
{
	struct guest *g = guest_of_vid(vid);

	if (g != NULL)
		LOG(INFO, "guest %s: features changed to 0x%016lx%s", g->cfg.name, features,
		    RTE_VHOST_NEED_LOG(features) ? " (dirty logging: migration)" : "");
	return 0;
}

static const struct rte_vhost_device_ops device_ops = {
	.new_device = on_new_device,
	.destroy_device = on_destroy_device,
	.vring_state_changed = on_vring_state_changed,
	.features_changed = on_features_changed,
	.new_connection = on_new_connection,
	.destroy_connection = on_destroy_connection,
};

int
vhost_init(struct vhostd *d)
{
	vhostd = d;
	d->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return d->event_fd < 0 ? -errno : 0;
}

/*
 * Server mode: make sure the socket's directory exists, and remove a socket
 * file left by a process that died, but never one somebody listens on, nor
 * anything that is not a socket.
 */
static int
prepare_server_path(const struct guest *g)
{
	char why[256];
	bool stale;
	int ret;

	ret = fs_socket_prepare(g->cfg.socket, &stale, why, sizeof(why));
	if (ret != 0)
		LOG(ERR, "guest %s: socket %s: %s", g->cfg.name, g->cfg.socket, why);
	else if (stale)
		LOG(INFO, "guest %s: removed stale socket %s", g->cfg.name, g->cfg.socket);
	return ret;
}

static bool
has_socket_perms(const struct config_guest *c)
{
	return c->mode == GUEST_MODE_SERVER &&
	       (c->socket_uid != (uid_t)-1 || c->socket_gid != (gid_t)-1 || c->socket_mode >= 0);
}

/* Server mode: give the socket librte_vhost just bound its socket-owner,
 * -group and -mode (without following a symlink: fs.c). */
static int
apply_socket_perms(const struct guest *g)
{
	const struct config_guest *c = &g->cfg;
	struct stat st;
	char why[256];
	int ret;

	ret = fs_socket_perms(c->socket, c->socket_uid, c->socket_gid, c->socket_mode, &st,
			      why, sizeof(why));
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot give socket %s to user '%s' group '%s': %s%s",
		    c->name, c->socket, c->socket_owner[0] ? c->socket_owner : "(unchanged)",
		    c->socket_group[0] ? c->socket_group : "(unchanged)", why,
		    ret == -EPERM ? " (socket-owner needs CAP_CHOWN; without it socket-group "
		    "must be a group of vhostd's user)" : "");
		return ret;
	}
	LOG(INFO, "guest %s: socket %s owner %s, group %s, mode %04o", c->name, c->socket,
	    c->socket_owner[0] ? c->socket_owner : "(vhostd's)",
	    c->socket_group[0] ? c->socket_group : "(vhostd's)", st.st_mode & 0777);
	return 0;
}

int
vhost_guest_register(struct vhostd *d, struct guest *g)
{
	const char *path = g->cfg.socket;
	uint64_t flags = 0, lib = 0, missing;
	mode_t old_umask = 0;
	char names[1024];
	bool perms;
	int ret;

	/* Per-vring counters in librte_vhost, among them the interrupts raised
	 * toward the guest (guest_notifications), for guest show. */
	if (d->cfg.daemon.vring_stats)
		flags |= RTE_VHOST_USER_NET_STATS_ENABLE;
	if (g->cfg.mode == GUEST_MODE_CLIENT) {
		flags |= RTE_VHOST_USER_CLIENT;	/* reconnects until QEMU listens */
	} else {
		ret = prepare_server_path(g);
		if (ret != 0)
			return ret;
	}
	/* 1. register */
	if (rte_vhost_driver_register(path, flags) != 0) {
		LOG(ERR, "guest %s: cannot register vhost-user socket %s", g->cfg.name, path);
		return -EINVAL;
	}
	/* 2. feature policy */
	rte_vhost_driver_get_features(path, &lib);
	g->offered = features_offer(lib, g->cfg.features_on, g->cfg.features_off);
	if (g->cfg.queues == 1)
		g->offered &= ~(1ULL << 22);	/* VIRTIO_NET_F_MQ: nothing to steer */
	/* TCP over IPv6 is segmented only by hardware (librte_gso 22.11 has no
	 * IPv6 TCP): offer HOST_TSO6 when the uplink does it. */
	if ((d->uplinks[g->uplink].tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    !(g->cfg.features_off & (1ULL << FEATURE_HOST_TSO6)))
		g->offered |= lib & (1ULL << FEATURE_HOST_TSO6);
	if ((g->offered & (1ULL << FEATURE_HOST_TSO6)) &&
	    !(d->uplinks[g->uplink].tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO))
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
	/* Only ever remove bits: rte_vhost_driver_set_features() would also
	 * switch off librte_vhost's built-in net backend (it takes the caller
	 * for a device of its own), and every burst call would then fail. */
	ret = rte_vhost_driver_disable_features(path, lib & ~g->offered);
	/* No inflight tracking for a net device (see on_message). */
	if (ret == 0) {
		uint64_t proto = 0;

		rte_vhost_driver_get_protocol_features(path, &proto);
		ret = rte_vhost_driver_set_protocol_features(path,
			proto & ~(1ULL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD));
	}
	/* 3. callbacks */
	if (ret == 0)
		ret = rte_vhost_driver_callback_register(path, &device_ops);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot set up %s", g->cfg.name, path);
		goto err_unregister;
	}
	g->registered = true;
	/* 4. start: server mode listens now; client mode starts connecting.
	 * A socket with permissions of its own is born 0600 (bind(2) follows
	 * the umask; no other thread creates files meanwhile) and opened up
	 * only by apply_socket_perms(): nobody else connects in between. */
	perms = has_socket_perms(&g->cfg);
	if (perms)
		old_umask = umask(0177);
	ret = rte_vhost_driver_start(path);
	if (perms)
		umask(old_umask);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot start vhost-user socket %s", g->cfg.name, path);
		g->registered = false;
		goto err_unregister;
	}
	ret = perms ? apply_socket_perms(g) : 0;
	if (ret != 0) {
		g->registered = false;
		rte_vhost_driver_unregister(path);	/* removes the socket file */
		return ret;			/* EPERM says "CAP_CHOWN" to guest.add */
	}
	features_format(g->offered, names, sizeof(names));
	LOG(INFO, "guest %s: %s %s, uplink %s, offering %s", g->cfg.name,
	    g->cfg.mode == GUEST_MODE_CLIENT ? "connecting to" : "listening on", path,
	    g->cfg.uplink, names);
	return 0;

err_unregister:
	rte_vhost_driver_unregister(path);
	return -EINVAL;
}

void
vhost_guest_unregister(struct vhostd *d, struct guest *g)
{
	(void)d;
	if (!g->registered)
		return;
	/* Closes the connection; destroy_device runs first if the device is up
	 * (destroy_connection does not: the connection is released here). */
	if (rte_vhost_driver_unregister(g->cfg.socket) != 0)
		LOG(WARNING, "guest %s: unregister %s failed", g->cfg.name, g->cfg.socket);
	guest_conn_forget(g);
	g->registered = false;
}
