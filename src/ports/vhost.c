/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * librte_vhost adapter: sockets, the message filter's hook, device reads.
 * The only file that calls librte_vhost's control API (the datapath calls
 * go through vhost_port_ops below).  It knows no guest: librte_vhost's
 * callbacks find the context of their socket and hand (context, vid,
 * event) to the struct vhost_events the layer above installed (vhost.h).
 *
 * Callback context matters.  librte_vhost calls vring_state_changed and
 * features_changed while it holds every virtqueue lock of the device
 * (vhost_user_msg_handler, 22.11), and a worker may be spinning on one of
 * those locks inside rte_vhost_enqueue_burst: waiting there for an RCU
 * grace period would deadlock.  So the layer above only records those
 * and wakes its main thread.  new_device and destroy_device run with the
 * locks released and may publish synchronously: when destroy_device
 * returns, librte_vhost unmaps guest memory, so no worker may still hold
 * the vid.
 */
/* rte_vhost_get_negotiated_protocol_features() is experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "lib/fs.h"
#include "ports/frontend.h"
#include "ports/vhost.h"
#include "vhostd/notify.h"
#include "vhostd/features.h"
#include "vhostd/limits.h"
#include "vhostd/log.h"
#include "vhostd/port.h"


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
vhost_kick_fd(int vid, uint16_t vring)
{
	struct rte_vhost_vring vr;

	if (rte_vhost_get_vhost_vring(vid, vring, &vr) != 0 || vr.kickfd < 0)
		return -1;
	/* Our own reference: librte_vhost closes its fd when the frontend
	 * sends another (SET_VRING_KICK) or the device goes; the worker's
	 * epoll set and reads stay on this one until the list is retired. */
	return fcntl(vr.kickfd, F_DUPFD_CLOEXEC, 0);
}

uint64_t
vhost_vring_kicks(int vid, uint16_t vring)
{
	struct rte_vhost_vring vr;
	uint64_t n;

	/* The frontend shares the fd: read what is there, never wait. */
	if (rte_vhost_get_vhost_vring(vid, vring, &vr) != 0 || vr.kickfd < 0 ||
	    notify_fd_read(vr.kickfd, &n) != 0)
		return 0;
	return n;
}

json_t *
vhost_vring_stats(int vid, uint16_t vring)
{
	struct rte_vhost_stat_name names[64];
	struct rte_vhost_stat vals[64];
	json_t *o;
	int n;

	n = rte_vhost_vring_stats_get_names(vid, vring, names, RTE_DIM(names));
	if (n <= 0 || n > (int)RTE_DIM(names) ||
	    rte_vhost_vring_stats_get(vid, vring, vals, (unsigned int)n) != n)
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
vhost_device_features(int vid, uint64_t *features, uint64_t *protocol)
{
	*features = 0;
	*protocol = 0;
	rte_vhost_get_negotiated_features(vid, features);
	rte_vhost_get_negotiated_protocol_features(vid, protocol);
}

uint16_t
vhost_device_vrings(int vid)
{
	return rte_vhost_get_vring_num(vid);
}

int
vhost_device_numa(int vid)
{
	return rte_vhost_get_numa_node(vid);
}

int
vhost_device_mtu(int vid, uint16_t *mtu)
{
	return rte_vhost_get_mtu(vid, mtu);
}

int
vhost_vring_info(int vid, uint64_t features, uint16_t vring, struct vring_info *vi)
{
	struct rte_vhost_vring vr;
	bool event_idx = features_has(features, FEATURE_EVENT_IDX);

	memset(vi, 0, sizeof(*vi));
	vi->avail_idx = vi->used_idx = vi->used_event = -1;
	if (rte_vhost_get_vhost_vring(vid, vring, &vr) != 0 || vr.desc == NULL)
		return -ENOENT;
	vi->size = vr.size;
	rte_vhost_get_vring_base(vid, vring, &vi->last_avail_idx, &vi->last_used_idx);
	if (features_has(features, FEATURE_RING_PACKED)) {
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

/*
 * The sockets registered, each with its context: librte_vhost's callbacks
 * carry only a vid, whose socket path (rte_vhost_get_ifname) finds it.
 * An entry lives from vhost_socket_register to vhost_socket_unregister,
 * so a callback of a socket that is gone finds nothing.
 */
static struct {
	pthread_mutex_t lock;
	const struct vhost_events *ev;
	struct {
		char path[VHOSTD_PATH_MAX];
		void *ctx;
	} s[VHOSTD_MAX_GUESTS];
} sockets = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int
socket_find(const char *path)
{
	for (unsigned int i = 0; i < RTE_DIM(sockets.s); i++)
		if (sockets.s[i].ctx != NULL && strcmp(sockets.s[i].path, path) == 0)
			return (int)i;
	return -1;
}

static int
socket_add(const char *path, void *ctx)
{
	int ret = -ENOSPC;

	if (strlen(path) >= sizeof(sockets.s[0].path))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&sockets.lock);
	if (socket_find(path) >= 0) {
		ret = -EADDRINUSE;
		goto out;
	}
	for (unsigned int i = 0; i < RTE_DIM(sockets.s); i++) {
		if (sockets.s[i].ctx != NULL)
			continue;
		snprintf(sockets.s[i].path, sizeof(sockets.s[i].path), "%s", path);
		sockets.s[i].ctx = ctx;
		ret = 0;
		break;
	}
out:
	pthread_mutex_unlock(&sockets.lock);
	return ret;
}

static void
socket_remove(const char *path)
{
	int i;

	pthread_mutex_lock(&sockets.lock);
	i = socket_find(path);
	if (i >= 0)
		sockets.s[i].ctx = NULL;
	pthread_mutex_unlock(&sockets.lock);
}

/* The context of vid's socket, or NULL. */
static void *
ctx_of(int vid)
{
	char path[PATH_MAX];
	void *ctx = NULL;
	int i;

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return NULL;
	pthread_mutex_lock(&sockets.lock);
	i = socket_find(path);
	if (i >= 0)
		ctx = sockets.s[i].ctx;
	pthread_mutex_unlock(&sockets.lock);
	return ctx;
}

/*
 * librte_vhost's pre_msg_handle.  Which connection may talk is the layer
 * above's to say (one frontend per guest socket); what a message may ask
 * is frontend.c's.
 */
static enum rte_vhost_msg_result
on_message(int vid, void *msg)
{
	void *ctx = ctx_of(vid);
	unsigned int queues;
	const char *why;

	if (ctx == NULL || !sockets.ev->admit(ctx, vid)) {
		/* Closed even when a reply is asked for: librte_vhost answers
		 * an ERR with NEED_REPLY and keeps the connection open. */
		frontend_msg_refuse(msg);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	/* After admission: a waiting connection may just have become the
	 * served one. */
	queues = sockets.ev->queues(ctx, vid);
	if (queues == 0)
		queues = 1;
	if (frontend_msg_answer(msg, queues))
		return RTE_VHOST_MSG_RESULT_REPLY;
	why = frontend_msg_check(msg, queues);
	sockets.ev->on_message(ctx, vid, msg, why);
	if (why == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;	/* librte_vhost's to handle */
	frontend_msg_close_fds(msg);
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
	void *ctx = ctx_of(vid);

	if (ctx == NULL)
		return -1;
	/* Without the filter no message is checked, and a waiting connection
	 * would never be decided on. */
	if (rte_vhost_extern_callback_register(vid, &message_filter, NULL) != 0) {
		LOG(ERR, "vhost-user vid %d: cannot filter its messages; closing it", vid);
		return -1;
	}
	return sockets.ev->on_connect(ctx, vid);
}

static void
on_destroy_connection(int vid)
{
	void *ctx = ctx_of(vid);

	if (ctx != NULL)
		sockets.ev->on_disconnect(ctx, vid);
}

static int
on_new_device(int vid)
{
	void *ctx = ctx_of(vid);

	return ctx != NULL ? sockets.ev->on_new_device(ctx, vid) : -1;
}

static void
on_destroy_device(int vid)
{
	void *ctx = ctx_of(vid);

	if (ctx != NULL)
		sockets.ev->on_destroy(ctx, vid);
}

static int
on_vring_state_changed(int vid, uint16_t vring, int enable)
{
	void *ctx = ctx_of(vid);

	if (ctx != NULL)
		sockets.ev->on_vring_state(ctx, vid, vring, enable != 0);
	return 0;
}

static int
on_features_changed(int vid, uint64_t features)
{
	void *ctx = ctx_of(vid);

	if (ctx != NULL)
		sockets.ev->on_features(ctx, vid, features);
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

void
vhost_init(const struct vhost_events *ev)
{
	sockets.ev = ev;
}

/*
 * Server mode: make sure the socket's directory exists, and remove a socket
 * file left by a process that died, but never one somebody listens on, nor
 * anything that is not a socket.
 */
static int
prepare_server_path(const struct vhost_socket *s)
{
	char why[256];
	bool stale;
	int ret;

	ret = fs_socket_prepare(s->path, &stale, why, sizeof(why));
	if (ret != 0)
		LOG(ERR, "guest %s: socket %s: %s", s->name, s->path, why);
	else if (stale)
		LOG(INFO, "guest %s: removed stale socket %s", s->name, s->path);
	return ret;
}

/* Server mode: give the socket librte_vhost just bound its socket-owner,
 * -group and -mode (without following a symlink: fs.c). */
static int
apply_socket_perms(const struct vhost_socket *s)
{
	struct stat st;
	char why[256];
	int ret;

	ret = fs_socket_perms(s->path, s->uid, s->gid, s->mode, &st,
			      why, sizeof(why));
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot give socket %s to user '%s' group '%s': %s%s",
		    s->name, s->path, s->owner[0] ? s->owner : "(unchanged)",
		    s->group[0] ? s->group : "(unchanged)", why,
		    ret == -EPERM ? " (socket-owner needs CAP_CHOWN; without it socket-group "
		    "must be a group of vhostd's user)" : "");
		return ret;
	}
	LOG(INFO, "guest %s: socket %s owner %s, group %s, mode %04o", s->name, s->path,
	    s->owner[0] ? s->owner : "(vhostd's)", s->group[0] ? s->group : "(vhostd's)",
	    st.st_mode & 0777);
	return 0;
}

int
vhost_socket_register(const struct vhost_socket *s, void *ctx)
{
	uint64_t flags = 0;
	int ret;

	/* Per-vring counters in librte_vhost, among them the interrupts raised
	 * toward the guest (guest_notifications), for guest show. */
	if (s->vring_stats)
		flags |= RTE_VHOST_USER_NET_STATS_ENABLE;
	if (s->client) {
		flags |= RTE_VHOST_USER_CLIENT;	/* reconnects until QEMU listens */
	} else {
		ret = prepare_server_path(s);
		if (ret != 0)
			return ret;
	}
	ret = socket_add(s->path, ctx);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot register vhost-user socket %s: %s", s->name, s->path,
		    strerror(-ret));
		return ret;
	}
	if (rte_vhost_driver_register(s->path, flags) != 0) {
		LOG(ERR, "guest %s: cannot register vhost-user socket %s", s->name, s->path);
		socket_remove(s->path);
		return -EINVAL;
	}
	if (rte_vhost_driver_callback_register(s->path, &device_ops) != 0) {
		LOG(ERR, "guest %s: cannot set up %s", s->name, s->path);
		vhost_socket_unregister(s->path);
		return -EINVAL;
	}
	return 0;
}

uint64_t
vhost_socket_lib_features(const char *path)
{
	uint64_t lib = 0;

	rte_vhost_driver_get_features(path, &lib);
	return lib;
}

int
vhost_socket_offer(const char *path, uint64_t offered)
{
	uint64_t lib = vhost_socket_lib_features(path), proto = 0;
	int ret;

	/* Only ever remove bits: rte_vhost_driver_set_features() would also
	 * switch off librte_vhost's built-in net backend (it takes the caller
	 * for a device of its own), and every burst call would then fail. */
	ret = rte_vhost_driver_disable_features(path, lib & ~offered);
	/* No inflight tracking for a net device (frontend.c). */
	if (ret == 0) {
		rte_vhost_driver_get_protocol_features(path, &proto);
		ret = rte_vhost_driver_set_protocol_features(path,
			proto & ~(1ULL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD));
	}
	return ret == 0 ? 0 : -EINVAL;
}

int
vhost_socket_start(const struct vhost_socket *s)
{
	mode_t old_umask = 0;
	bool perms = s->perms && !s->client;
	int ret;

	/* Server mode listens now; client mode starts connecting.  A socket
	 * with permissions of its own is born 0600 (bind(2) follows the
	 * umask; no other thread creates files meanwhile) and opened up only
	 * by apply_socket_perms(): nobody else connects in between. */
	if (perms)
		old_umask = umask(0177);
	ret = rte_vhost_driver_start(s->path);
	if (perms)
		umask(old_umask);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot start vhost-user socket %s", s->name, s->path);
		vhost_socket_unregister(s->path);
		return -EINVAL;
	}
	ret = perms ? apply_socket_perms(s) : 0;
	if (ret != 0)
		vhost_socket_unregister(s->path);	/* removes the socket file */
	return ret;				/* EPERM says "CAP_CHOWN" to guest.add */
}

void
vhost_socket_unregister(const char *path)
{
	/* Closes the connection; destroy_device runs first if the device is up
	 * (destroy_connection does not). */
	if (rte_vhost_driver_unregister(path) != 0)
		LOG(WARNING, "vhost-user socket %s: unregister failed", path);
	socket_remove(path);
}
